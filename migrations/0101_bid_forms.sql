-- The sealed bid form (投标函): the declared price, duration (工期/交货期) and
-- quality (质量标准) of a bidder on a lot, beside its bid files. One row per
-- sign-up, replaced in place (sealed holds the version, the receipt and the
-- content under the project's key); no organisation and no price in clear.
-- status is submitted or withdrawn.
CREATE TABLE trading_bid_forms (
  signup_id   BIGINT          NOT NULL PRIMARY KEY,
  lot_id      BIGINT          NOT NULL,
  project_id  BIGINT          NOT NULL,
  owner_blind CHAR(64)        CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sealed      VARBINARY(4096) NOT NULL,
  status      VARCHAR(16)     NOT NULL,
  created_at  DATETIME(6)     NOT NULL,
  updated_at  DATETIME(6)     NOT NULL,
  KEY ix_trading_bid_forms_lot (lot_id, status),
  CONSTRAINT fk_trading_bid_forms_signup FOREIGN KEY (signup_id) REFERENCES trading_signups (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A lot that failed at the opening (流标) or at the evaluation is returned
-- for re-tendering: the lot stays closed, these say when and why.
ALTER TABLE trading_lots
  ADD COLUMN retender_at     DATETIME(6)  NULL,
  ADD COLUMN retender_reason VARCHAR(500) NOT NULL DEFAULT '';
