-- Checkpoints of the audit chain: the head (seq, hash) as it stood at the
-- day's first checkpoint (Asia/Shanghai date). Supervisors download them
-- and keep them outside the system; checking a saved list against the
-- chain later proves that nothing up to each checkpoint was rewritten, even
-- by someone able to recompute every hash in the database.
CREATE TABLE audit_checkpoints (
  day       DATE        NOT NULL PRIMARY KEY,
  seq       BIGINT      NOT NULL,
  hash      CHAR(64)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  taken_at  DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
