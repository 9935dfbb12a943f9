-- Rooms, the terminals registered in them, and bookings of rooms for
-- project events. A booking never overlaps another live booking of its room:
-- bookings lock their room row (SELECT … FOR UPDATE) and check for overlap in
-- the same transaction. Project ids are references only (no foreign key into
-- the trading tables).

CREATE TABLE rooms (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code         VARCHAR(32)  NOT NULL,
  name         VARCHAR(64)  NOT NULL,
  kind         VARCHAR(16)  NOT NULL,
  capacity     INT          NOT NULL,
  equipment    VARCHAR(500) NOT NULL DEFAULT '',
  open_minute  INT          NOT NULL,
  close_minute INT          NOT NULL,
  active       TINYINT(1)   NOT NULL DEFAULT 1,
  created_at   DATETIME(6)  NOT NULL,
  updated_at   DATETIME(6)  NOT NULL,
  UNIQUE KEY uq_rooms_code (code),
  UNIQUE KEY uq_rooms_name (name),
  CONSTRAINT ck_rooms_hours CHECK (open_minute >= 0 AND open_minute < close_minute AND close_minute <= 1440),
  CONSTRAINT ck_rooms_capacity CHECK (capacity > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE room_terminals (
  id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  room_id      BIGINT      NOT NULL,
  name         VARCHAR(64) NOT NULL,
  token_hash   CHAR(64)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_by   BIGINT      NULL,
  created_at   DATETIME(6) NOT NULL,
  revoked_at   DATETIME(6) NULL,
  UNIQUE KEY uq_room_terminals_token (token_hash),
  KEY ix_room_terminals_room (room_id),
  CONSTRAINT fk_room_terminals_room FOREIGN KEY (room_id) REFERENCES rooms (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE room_bookings (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  room_id        BIGINT       NOT NULL,
  project_id     BIGINT       NOT NULL,
  event_kind     VARCHAR(16)  NOT NULL,
  title          VARCHAR(200) NOT NULL,
  starts_at      DATETIME(6)  NOT NULL,
  ends_at        DATETIME(6)  NOT NULL,
  buffer_minutes INT          NOT NULL,
  blocked_from   DATETIME(6)  NOT NULL,
  blocked_until  DATETIME(6)  NOT NULL,
  state          VARCHAR(16)  NOT NULL,
  cancel_reason  VARCHAR(500) NOT NULL DEFAULT '',
  created_by     BIGINT       NULL,
  created_at     DATETIME(6)  NOT NULL,
  updated_at     DATETIME(6)  NOT NULL,
  KEY ix_room_bookings_room (room_id, state, blocked_from),
  KEY ix_room_bookings_project (project_id, event_kind),
  CONSTRAINT fk_room_bookings_room FOREIGN KEY (room_id) REFERENCES rooms (id),
  CONSTRAINT ck_room_bookings_times CHECK (starts_at < ends_at AND blocked_from <= starts_at AND ends_at <= blocked_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
