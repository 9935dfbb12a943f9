-- Evaluation: the opening session of a lot (开标), the evaluation committee at
-- room terminals (评标), reviews and scores, the result, signatures, the
-- candidate publicity (公示) and the documents issued for it.
-- The lot and project ids are the trading area's; no foreign keys cross areas.

CREATE TABLE evaluation_lots (
  lot_id             BIGINT       NOT NULL PRIMARY KEY,
  project_id         BIGINT       NOT NULL,
  method             VARCHAR(16)  NOT NULL,
  aggregation        VARCHAR(16)  NOT NULL,
  deviation_limit    BIGINT       NOT NULL,
  confirm_minutes    INT          NOT NULL,
  publicity_days     INT          NOT NULL,
  state              VARCHAR(24)  NOT NULL,
  opened_at          DATETIME(6)  NULL,
  confirm_until      DATETIME(6)  NULL,
  opening_closed_at  DATETIME(6)  NULL,
  outcome_reason     VARCHAR(500) NOT NULL DEFAULT '',
  evaluation_at      DATETIME(6)  NULL,
  chair_member_id    BIGINT       NULL,
  reviewed_at        DATETIME(6)  NULL,
  summarised_at      DATETIME(6)  NULL,
  concluded_at       DATETIME(6)  NULL,
  publicity_start    DATETIME(6)  NULL,
  publicity_end      DATETIME(6)  NULL,
  paused_at          DATETIME(6)  NULL,
  remaining_seconds  BIGINT       NULL,
  awarded_at         DATETIME(6)  NULL,
  award_bid_id       BIGINT       NULL,
  created_at         DATETIME(6)  NOT NULL,
  updated_at         DATETIME(6)  NOT NULL,
  KEY ix_evaluation_lots_project (project_id),
  KEY ix_evaluation_lots_state (state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE evaluation_criteria (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lot_id     BIGINT       NOT NULL,
  position   INT          NOT NULL,
  name       VARCHAR(200) NOT NULL,
  kind       VARCHAR(16)  NOT NULL,
  max_points BIGINT       NOT NULL,
  UNIQUE KEY uq_evaluation_criteria_pos (lot_id, position),
  CONSTRAINT fk_evaluation_criteria_lot FOREIGN KEY (lot_id) REFERENCES evaluation_lots (lot_id),
  CONSTRAINT ck_evaluation_criteria_max CHECK (max_points >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per bid read out at the opening (唱标).
CREATE TABLE evaluation_bids (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lot_id        BIGINT       NOT NULL,
  bid_ref       BIGINT       NOT NULL,
  org_id        BIGINT       NOT NULL,
  org_name      VARCHAR(200) NOT NULL,
  price         BIGINT       NOT NULL DEFAULT 0,
  duration      VARCHAR(100) NOT NULL DEFAULT '',
  quality       VARCHAR(100) NOT NULL DEFAULT '',
  deposit       VARCHAR(16)  NOT NULL DEFAULT '',
  submitted_at  DATETIME(6)  NULL,
  unseal        VARCHAR(16)  NOT NULL,
  unseal_note   VARCHAR(200) NOT NULL DEFAULT '',
  signed_in_at  DATETIME(6)  NULL,
  confirm       VARCHAR(16)  NOT NULL DEFAULT 'pending',
  confirmed_at  DATETIME(6)  NULL,
  UNIQUE KEY uq_evaluation_bids_ref (lot_id, bid_ref),
  KEY ix_evaluation_bids_org (org_id, lot_id),
  CONSTRAINT fk_evaluation_bids_lot FOREIGN KEY (lot_id) REFERENCES evaluation_lots (lot_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Objections (异议) at the opening and during the publicity, with answers.
CREATE TABLE evaluation_objections (
  id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lot_id       BIGINT        NOT NULL,
  stage        VARCHAR(16)   NOT NULL,
  org_id       BIGINT        NOT NULL,
  body         VARCHAR(2000) NOT NULL,
  answer       VARCHAR(2000) NOT NULL DEFAULT '',
  created_by   BIGINT        NULL,
  created_at   DATETIME(6)   NOT NULL,
  answered_by  BIGINT        NULL,
  answered_at  DATETIME(6)   NULL,
  KEY ix_evaluation_objections_lot (lot_id, id),
  CONSTRAINT fk_evaluation_objections_lot FOREIGN KEY (lot_id) REFERENCES evaluation_lots (lot_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Committee members as drawn, with replacements, declarations, the chair
-- vote and the signature of the report.
CREATE TABLE evaluation_members (
  id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lot_id          BIGINT        NOT NULL,
  expert_id       BIGINT        NOT NULL,
  user_id         BIGINT        NOT NULL,
  name            VARCHAR(64)   NOT NULL,
  seq             INT           NOT NULL,
  state           VARCHAR(16)   NOT NULL,
  replaces_id     BIGINT        NULL,
  replaced_reason VARCHAR(500)  NOT NULL DEFAULT '',
  replaced_at     DATETIME(6)   NULL,
  signed_in_at    DATETIME(6)   NULL,
  terminal_room   BIGINT        NULL,
  declared_at     DATETIME(6)   NULL,
  conflict_note   VARCHAR(500)  NOT NULL DEFAULT '',
  chair_vote      BIGINT        NULL,
  signature       VARCHAR(16)   NOT NULL DEFAULT '',
  dissent         VARCHAR(2000) NOT NULL DEFAULT '',
  signed_at       DATETIME(6)   NULL,
  UNIQUE KEY uq_evaluation_members_expert (lot_id, expert_id),
  KEY ix_evaluation_members_user (user_id, lot_id),
  CONSTRAINT fk_evaluation_members_lot FOREIGN KEY (lot_id) REFERENCES evaluation_lots (lot_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Qualification and preliminary review: pass or fail per member, bid and
-- criterion; a fail carries its ground and a reason.
CREATE TABLE evaluation_reviews (
  member_id    BIGINT        NOT NULL,
  bid_id       BIGINT        NOT NULL,
  criterion_id BIGINT        NOT NULL,
  lot_id       BIGINT        NOT NULL,
  pass         TINYINT(1)    NOT NULL,
  ground       VARCHAR(200)  NOT NULL DEFAULT '',
  reason       VARCHAR(1000) NOT NULL DEFAULT '',
  updated_at   DATETIME(6)   NOT NULL,
  PRIMARY KEY (member_id, bid_id, criterion_id),
  KEY ix_evaluation_reviews_lot (lot_id),
  CONSTRAINT fk_evaluation_reviews_member FOREIGN KEY (member_id) REFERENCES evaluation_members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Detailed scores, in hundredths of a point. A replaced member's scores are
-- voided, not deleted.
CREATE TABLE evaluation_scores (
  member_id    BIGINT        NOT NULL,
  bid_id       BIGINT        NOT NULL,
  criterion_id BIGINT        NOT NULL,
  lot_id       BIGINT        NOT NULL,
  points       BIGINT        NOT NULL,
  reason       VARCHAR(1000) NOT NULL DEFAULT '',
  voided       TINYINT(1)    NOT NULL DEFAULT 0,
  updated_at   DATETIME(6)   NOT NULL,
  PRIMARY KEY (member_id, bid_id, criterion_id),
  KEY ix_evaluation_scores_lot (lot_id, bid_id, criterion_id),
  CONSTRAINT fk_evaluation_scores_member FOREIGN KEY (member_id) REFERENCES evaluation_members (id),
  CONSTRAINT ck_evaluation_scores_points CHECK (points >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE evaluation_results (
  lot_id       BIGINT        NOT NULL,
  bid_id       BIGINT        NOT NULL,
  qualified    TINYINT(1)    NOT NULL,
  rejection    VARCHAR(2000) NOT NULL DEFAULT '',
  technical    BIGINT        NOT NULL DEFAULT 0,
  price_points BIGINT        NOT NULL DEFAULT 0,
  total        BIGINT        NOT NULL DEFAULT 0,
  rank_no      INT           NOT NULL DEFAULT 0,
  tie_broken   VARCHAR(100)  NOT NULL DEFAULT '',
  candidate    TINYINT(1)    NOT NULL DEFAULT 0,
  PRIMARY KEY (lot_id, bid_id),
  CONSTRAINT fk_evaluation_results_lot FOREIGN KEY (lot_id) REFERENCES evaluation_lots (lot_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Questions from the committee to a bidder (澄清), passed on by the supervisor.
CREATE TABLE evaluation_clarifications (
  id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lot_id          BIGINT        NOT NULL,
  bid_id          BIGINT        NOT NULL,
  member_id       BIGINT        NOT NULL,
  question        VARCHAR(2000) NOT NULL,
  state           VARCHAR(16)   NOT NULL,
  supervisor_note VARCHAR(500)  NOT NULL DEFAULT '',
  answer          VARCHAR(4000) NOT NULL DEFAULT '',
  created_at      DATETIME(6)   NOT NULL,
  forwarded_at    DATETIME(6)   NULL,
  answered_at     DATETIME(6)   NULL,
  KEY ix_evaluation_clarifications_lot (lot_id, id),
  CONSTRAINT fk_evaluation_clarifications_lot FOREIGN KEY (lot_id) REFERENCES evaluation_lots (lot_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every issued PDF (opening record, evaluation report, award notice, draw
-- records): its SHA-256 and size kept with the project (一项一档).
CREATE TABLE issued_documents (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id BIGINT       NOT NULL,
  lot_id     BIGINT       NULL,
  kind       VARCHAR(32)  NOT NULL,
  sha256     CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  size       BIGINT       NOT NULL,
  stored     TINYINT(1)   NOT NULL DEFAULT 0,
  issued_by  BIGINT       NULL,
  issued_at  DATETIME(6)  NOT NULL,
  UNIQUE KEY uq_issued_documents (project_id, kind, sha256),
  KEY ix_issued_documents_lot (lot_id, kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
