-- Fixed-price selection (固定价比选, DOMAIN.md §5): a government-invested
-- engineering project under ¥2,000,000.00 registered as a trading project
-- (method fixed_price) with its selection terms, contractors' applications,
-- staff review, automatic exclusions, the public RFC 3797 draw with its
-- archive, witnesses, the ranked awards (winner and backups) and the
-- blacklist the exclusions read.

CREATE TABLE fixedprice_selections (
  id               BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id       BIGINT        NOT NULL,
  agency_org_id    BIGINT        NOT NULL,
  control_price    BIGINT        NOT NULL,
  rate_ppm         INT           NOT NULL,
  rounding         VARCHAR(16)   NOT NULL,
  fixed_price      BIGINT        NOT NULL,
  backups          INT           NOT NULL,
  apply_until      DATETIME(6)   NOT NULL,
  window_days      INT           NOT NULL,
  status           VARCHAR(16)   NOT NULL,
  published_at     DATETIME(6)   NULL,
  publicity_until  DATETIME(6)   NULL,
  current_rank     INT           NOT NULL DEFAULT 0,
  created_at       DATETIME(6)   NOT NULL,
  updated_at       DATETIME(6)   NOT NULL,
  UNIQUE KEY uq_fixedprice_selections_project (project_id),
  KEY ix_fixedprice_selections_agency (agency_org_id, id),
  KEY ix_fixedprice_selections_status (status, id),
  CONSTRAINT fk_fixedprice_selections_project FOREIGN KEY (project_id) REFERENCES trading_projects (id),
  CONSTRAINT ck_fixedprice_control CHECK (control_price > 0 AND control_price < 200000000),
  CONSTRAINT ck_fixedprice_rate CHECK (rate_ppm >= 0 AND rate_ppm < 1000000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One application per contractor and selection (the UNIQUE key decides).
CREATE TABLE fixedprice_applications (
  id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  selection_id    BIGINT        NOT NULL,
  org_id          BIGINT        NOT NULL,
  org_name        VARCHAR(200)  NOT NULL,
  org_uscc        CHAR(18)      NOT NULL,
  qualification   VARCHAR(200)  NOT NULL,
  safety_licence  VARCHAR(64)   NOT NULL,
  manager_name    VARCHAR(64)   NOT NULL,
  manager_cert    VARCHAR(64)   NOT NULL,
  status          VARCHAR(16)   NOT NULL,
  review_reason   VARCHAR(500)  NOT NULL DEFAULT '',
  reviewed_by     BIGINT        NULL,
  reviewed_at     DATETIME(6)   NULL,
  created_by      BIGINT        NULL,
  created_at      DATETIME(6)   NOT NULL,
  UNIQUE KEY uq_fixedprice_applications_org (selection_id, org_id),
  KEY ix_fixedprice_applications_org (org_id, id),
  KEY ix_fixedprice_applications_manager (manager_cert),
  CONSTRAINT fk_fixedprice_applications_selection FOREIGN KEY (selection_id) REFERENCES fixedprice_selections (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Automatic exclusions fixed when the pool is frozen, each with its rule and reason.
CREATE TABLE fixedprice_exclusions (
  selection_id   BIGINT        NOT NULL,
  application_id BIGINT        NOT NULL,
  rule           VARCHAR(32)   NOT NULL,
  reason         VARCHAR(500)  NOT NULL,
  PRIMARY KEY (selection_id, application_id, rule),
  CONSTRAINT fk_fixedprice_exclusions_app FOREIGN KEY (application_id) REFERENCES fixedprice_applications (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The draw archive: pool document (canonical text) and its hash, the
-- commitment recorded before any witness number, then the revealed secret,
-- the key and the order. One draw per selection.
CREATE TABLE fixedprice_draws (
  id               BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  selection_id     BIGINT        NOT NULL,
  project_id       BIGINT        NOT NULL,
  pool_doc         MEDIUMTEXT    NOT NULL,
  pool_hash        CHAR(64)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  pool_size        INT           NOT NULL,
  draw_count       INT           NOT NULL,
  commitment       CHAR(64)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  secret_sealed    VARBINARY(256) NOT NULL,
  secret_revealed  VARCHAR(64)   NOT NULL DEFAULT '',
  key_text         TEXT          NOT NULL,
  result           TEXT          NOT NULL,
  status           VARCHAR(16)   NOT NULL,
  prepared_at      DATETIME(6)   NOT NULL,
  drawn_at         DATETIME(6)   NULL,
  prepared_by      BIGINT        NULL,
  drawn_by         BIGINT        NULL,
  UNIQUE KEY uq_fixedprice_draws_selection (selection_id),
  CONSTRAINT fk_fixedprice_draws_selection FOREIGN KEY (selection_id) REFERENCES fixedprice_selections (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE fixedprice_witnesses (
  draw_id     BIGINT        NOT NULL,
  position    INT           NOT NULL,
  name        VARCHAR(64)   NOT NULL,
  role        VARCHAR(64)   NOT NULL,
  numbers     VARCHAR(500)  NOT NULL,
  entered_by  BIGINT        NULL,
  entered_at  DATETIME(6)   NOT NULL,
  PRIMARY KEY (draw_id, position),
  CONSTRAINT fk_fixedprice_witnesses_draw FOREIGN KEY (draw_id) REFERENCES fixedprice_draws (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Ranked results: rank 1 is the winner, 2.. the backups (候补) in draw order.
-- state: waiting (backup not yet called), pending (called, to confirm),
-- confirmed, contracted, declined, lapsed (deadline missed), completed.
CREATE TABLE fixedprice_awards (
  selection_id   BIGINT        NOT NULL,
  rank_no        INT           NOT NULL,
  application_id BIGINT        NOT NULL,
  org_id         BIGINT        NOT NULL,
  manager_cert   VARCHAR(64)   NOT NULL,
  state          VARCHAR(16)   NOT NULL,
  called_at      DATETIME(6)   NULL,
  confirm_until  DATETIME(6)   NULL,
  confirmed_at   DATETIME(6)   NULL,
  contract_until DATETIME(6)   NULL,
  contract_no    VARCHAR(64)   NOT NULL DEFAULT '',
  contracted_at  DATETIME(6)   NULL,
  ended_at       DATETIME(6)   NULL,
  note           VARCHAR(500)  NOT NULL DEFAULT '',
  PRIMARY KEY (selection_id, rank_no),
  KEY ix_fixedprice_awards_org (org_id, state),
  KEY ix_fixedprice_awards_manager (manager_cert, state),
  CONSTRAINT fk_fixedprice_awards_selection FOREIGN KEY (selection_id) REFERENCES fixedprice_selections (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE fixedprice_blacklist (
  id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  org_id      BIGINT        NOT NULL,
  reason      VARCHAR(500)  NOT NULL,
  valid_from  DATETIME(6)   NOT NULL,
  valid_until DATETIME(6)   NULL,
  created_by  BIGINT        NULL,
  created_at  DATETIME(6)   NOT NULL,
  KEY ix_fixedprice_blacklist_org (org_id, valid_from)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
