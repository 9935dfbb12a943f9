-- Invited tendering (邀请招标) and withdrawn sign-ups (撤回报名).
--
-- trading_invitations: one row per invited project. Engineering names its
-- invitees directly (mode direct, 招标投标法第十七条); procurement draws them
-- at random from its candidates (mode draw, 政府采购法第三十四条): the
-- candidate pool as canonical text and its SHA-256, and the SHA-256
-- commitment to a server secret, are recorded before the draw; the draw
-- reveals the secret and stores the witnesses' numbers, the RFC 3797 key and
-- the order drawn. status: named (direct), prepared or drawn (draw). The
-- list is fixed once drawn, and for every mode once the project is published.
CREATE TABLE trading_invitations (
  project_id      BIGINT         NOT NULL PRIMARY KEY,
  mode            VARCHAR(8)     NOT NULL,
  invite_count    INT            NOT NULL,
  pool_doc        MEDIUMTEXT     NOT NULL,
  pool_hash       CHAR(64)       CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  pool_size       INT            NOT NULL,
  commitment      CHAR(64)       CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  secret_sealed   VARBINARY(256) NULL,
  secret_revealed VARCHAR(64)    NOT NULL DEFAULT '',
  sources         TEXT           NOT NULL,
  key_text        TEXT           NOT NULL,
  result          VARCHAR(2000)  NOT NULL DEFAULT '',
  status          VARCHAR(16)    NOT NULL,
  prepared_at     DATETIME(6)    NOT NULL,
  prepared_by     BIGINT         NULL,
  drawn_at        DATETIME(6)    NULL,
  drawn_by        BIGINT         NULL,
  CONSTRAINT fk_trading_invitations_project FOREIGN KEY (project_id) REFERENCES trading_projects (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The invited organisations of a project, in entry (direct) or draw order.
-- The key by organisation serves a bidder's invitations.
CREATE TABLE trading_invitees (
  project_id BIGINT NOT NULL,
  org_id     BIGINT NOT NULL,
  position   INT    NOT NULL,
  PRIMARY KEY (project_id, org_id),
  UNIQUE KEY uq_trading_invitees_position (project_id, position),
  KEY ix_trading_invitees_org (org_id, project_id),
  CONSTRAINT fk_trading_invitees_project FOREIGN KEY (project_id) REFERENCES trading_projects (id),
  CONSTRAINT fk_trading_invitees_org FOREIGN KEY (org_id) REFERENCES organisations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A sign-up withdrawn by its bidder before the deadline leaves
-- trading_signups (with its bid files and bid form), so that it counts
-- nowhere at the opening and frees the UNIQUE (lot, org_blind) key for a new
-- sign-up. Its row keeps the sign-up's random id, no organisation in clear
-- (owner_blind for "my withdrawals"), everything it said sealed under the
-- project's key, and the deposit refund it makes due (refund_due is NULL
-- when no deposit was recorded). Staff see it from the lot's closing on.
CREATE TABLE trading_signup_withdrawals (
  id          BIGINT        NOT NULL PRIMARY KEY,
  lot_id      BIGINT        NOT NULL,
  project_id  BIGINT        NOT NULL,
  owner_blind CHAR(64)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sealed      MEDIUMBLOB    NOT NULL,
  refund_due  DATE          NULL,
  refunded_at DATETIME(6)   NULL,
  refund_note VARCHAR(200)  NOT NULL DEFAULT '',
  created_at  DATETIME(6)   NOT NULL,
  KEY ix_trading_signup_withdrawals_lot (lot_id),
  KEY ix_trading_signup_withdrawals_owner (owner_blind, id),
  KEY ix_trading_signup_withdrawals_refund (refund_due, refunded_at),
  CONSTRAINT fk_trading_signup_withdrawals_lot FOREIGN KEY (lot_id) REFERENCES trading_lots (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
