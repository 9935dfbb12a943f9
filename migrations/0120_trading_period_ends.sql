-- Timed events of the trading area: the end of the sign-up (announcement)
-- period is marked on the project when its event runs, and the deposit
-- refunds falling due on a day are listed for staff by the event at that
-- day (one notice per project and due day).

ALTER TABLE trading_projects
  ADD COLUMN signup_closed_at DATETIME(6) NULL;

CREATE TABLE trading_refund_notices (
  project_id BIGINT      NOT NULL,
  due        DATE        NOT NULL,
  signups    INT         NOT NULL,
  amount_fen BIGINT      NOT NULL,
  listed_at  DATETIME(6) NOT NULL,
  PRIMARY KEY (project_id, due),
  KEY ix_trading_refund_notices_listed (listed_at),
  CONSTRAINT fk_trading_refund_notices_project FOREIGN KEY (project_id) REFERENCES trading_projects (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
