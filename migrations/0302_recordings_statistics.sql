-- The recordings index (references to recordings kept elsewhere) with a
-- retention per class, and the monthly statistics the nightly job writes.

CREATE TABLE recording_classes (
  class          VARCHAR(32) NOT NULL PRIMARY KEY,
  name           VARCHAR(64) NOT NULL,
  retention_days INT         NOT NULL,
  updated_by     BIGINT      NULL,
  updated_at     DATETIME(6) NOT NULL,
  CONSTRAINT ck_recording_classes_days CHECK (retention_days > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO recording_classes (class, name, retention_days, updated_at) VALUES
  ('opening_video',    '开标录像',     60,   '2026-01-01 00:00:00'),
  ('evaluation_video', '评标录像',     60,   '2026-01-01 00:00:00'),
  ('evaluation_audio', '评标录音',     60,   '2026-01-01 00:00:00'),
  ('procurement_file', '采购文件',     5479, '2026-01-01 00:00:00'),
  ('announcement',     '公告',         3653, '2026-01-01 00:00:00');

CREATE TABLE recordings (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  class       VARCHAR(32)  NOT NULL,
  project_id  BIGINT       NULL,
  room_id     BIGINT       NULL,
  ref         VARCHAR(500) NOT NULL,
  recorded_at DATETIME(6)  NOT NULL,
  size_bytes  BIGINT       NOT NULL DEFAULT 0,
  created_at  DATETIME(6)  NOT NULL,
  deleted_at  DATETIME(6)  NULL,
  KEY ix_recordings_class (class, deleted_at, recorded_at),
  CONSTRAINT fk_recordings_class FOREIGN KEY (class) REFERENCES recording_classes (class)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE statistics_monthly (
  kind        VARCHAR(32) NOT NULL,
  month       CHAR(7)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  projects    INT         NOT NULL,
  amount_fen  BIGINT      NOT NULL,
  computed_at DATETIME(6) NOT NULL,
  PRIMARY KEY (kind, month)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE statistics_runs (
  occurrence  VARCHAR(64)  NOT NULL PRIMARY KEY,
  source      VARCHAR(64)  NOT NULL,
  rows_written INT         NOT NULL,
  note        VARCHAR(500) NOT NULL DEFAULT '',
  computed_at DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
