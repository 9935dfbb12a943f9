-- Timed events: what must happen at a given time, claimed and run exactly
-- once across instances by the schedule engine.

CREATE TABLE timed_events (
  id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind            VARCHAR(64)   NOT NULL,
  target          VARCHAR(128)  NOT NULL,
  due_at          DATETIME(6)   NOT NULL,
  state           VARCHAR(16)   NOT NULL,
  attempts        INT           NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(6)   NOT NULL,
  claimed_by      VARCHAR(64)   NULL,
  claimed_until   DATETIME(6)   NULL,
  last_error      VARCHAR(1000) NOT NULL DEFAULT '',
  started_at      DATETIME(6)   NULL,
  finished_at     DATETIME(6)   NULL,
  created_at      DATETIME(6)   NOT NULL,
  updated_at      DATETIME(6)   NOT NULL,
  UNIQUE KEY uq_timed_events_kind_target (kind, target),
  KEY ix_timed_events_due (state, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
