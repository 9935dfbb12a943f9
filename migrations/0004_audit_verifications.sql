-- Walks of the whole audit chain and what they found. Supervisors' pages
-- show the latest instead of walking the chain on every view (a year of a
-- city's events takes seconds to walk); one instance walks it once a day
-- after taking the day's checkpoint, supervisors whenever they ask. Each
-- row is written with its audit event (audit.verify).
CREATE TABLE audit_verifications (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  started_at     DATETIME(6)  NOT NULL,
  finished_at    DATETIME(6)  NOT NULL,
  via            VARCHAR(16)  NOT NULL,
  by_user        VARCHAR(64)  NOT NULL DEFAULT '',
  head_seq       BIGINT       NOT NULL,
  head_hash      CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  events         BIGINT       NOT NULL,
  ok             BOOLEAN      NOT NULL,
  bad_seq        BIGINT       NOT NULL DEFAULT 0,
  bad_id         BIGINT       NOT NULL DEFAULT 0,
  code           VARCHAR(32)  NOT NULL DEFAULT '',
  reason         VARCHAR(255) NOT NULL DEFAULT '',
  stale_unsealed BIGINT       NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
