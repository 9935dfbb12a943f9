-- Expert pool: the registry of evaluation experts (评标专家库), their
-- specialties, history, leave, penalties and declarations; the draws
-- (专家抽取) with their archived pool, sources and members.

-- Hierarchical classification. Codes are ASCII letters and digits so that a
-- code can be a source of an RFC 3797 key ("GC01/").
CREATE TABLE expert_specialties (
  code        VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  parent_code VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NULL,
  name        VARCHAR(64)  NOT NULL,
  sort        INT          NOT NULL DEFAULT 0,
  KEY ix_expert_specialties_parent (parent_code, sort)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO expert_specialties (code, parent_code, name, sort) VALUES
  ('GC',   NULL, '工程建设', 1),
  ('GC01', 'GC', '房屋建筑', 1),
  ('GC02', 'GC', '市政公用', 2),
  ('GC03', 'GC', '水利水电', 3),
  ('GC04', 'GC', '交通运输', 4),
  ('GC05', 'GC', '工程造价', 5),
  ('GC06', 'GC', '电力工程', 6),
  ('GC07', 'GC', '园林绿化', 7),
  ('GC08', 'GC', '工程监理', 8),
  ('CG',   NULL, '政府采购', 2),
  ('CG01', 'CG', '货物类', 1),
  ('CG02', 'CG', '服务类', 2),
  ('CG03', 'CG', '信息技术', 3),
  ('CG04', 'CG', '医疗设备', 4),
  ('CG05', 'CG', '财务经济', 5),
  ('CG06', 'CG', '法律', 6);

CREATE TABLE experts (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id         BIGINT       NULL,
  name            VARCHAR(64)  NOT NULL,
  id_sealed       VARBINARY(96) NOT NULL,
  id_blind        CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  id_masked       VARCHAR(18)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  phone           VARCHAR(11)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  employer_org_id BIGINT       NULL,
  employer_name   VARCHAR(200) NOT NULL DEFAULT '',
  category        VARCHAR(16)  NOT NULL,
  title           VARCHAR(64)  NOT NULL DEFAULT '',
  title_level     VARCHAR(16)  NOT NULL,
  senior_title    TINYINT      NOT NULL DEFAULT 0,
  years_in_field  INT          NOT NULL DEFAULT 0,
  birth_date      DATE         NOT NULL,
  region          CHAR(6)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status          VARCHAR(16)  NOT NULL,
  created_at      DATETIME(6)  NOT NULL,
  updated_at      DATETIME(6)  NOT NULL,
  UNIQUE KEY uq_experts_blind (id_blind),
  UNIQUE KEY uq_experts_user (user_id),
  KEY ix_experts_employer (employer_org_id),
  KEY ix_experts_name (name),
  CONSTRAINT fk_experts_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT ck_experts_status CHECK (status IN ('active', 'suspended', 'retired'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The pool-building query reads (specialty → expert, eligibility columns)
-- from this one table: the eligibility columns are copied here from experts
-- (the store rewrites an expert's links whenever it writes the expert) so
-- that building a pool is one range scan of the primary key, with no join
-- per candidate.
CREATE TABLE expert_specialty_links (
  specialty_code  VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  expert_id       BIGINT      NOT NULL,
  status          VARCHAR(16) NOT NULL,
  region          CHAR(6)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  birth_date      DATE        NOT NULL,
  senior_title    TINYINT     NOT NULL,
  years_in_field  INT         NOT NULL,
  employer_org_id BIGINT      NULL,
  PRIMARY KEY (specialty_code, expert_id),
  KEY ix_expert_specialty_links_expert (expert_id),
  CONSTRAINT fk_esl_expert FOREIGN KEY (expert_id) REFERENCES experts (id),
  CONSTRAINT fk_esl_specialty FOREIGN KEY (specialty_code) REFERENCES expert_specialties (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Employment history for the three-year rule; the current employer is also
-- on experts.employer_org_id.
CREATE TABLE expert_employments (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  expert_id  BIGINT       NOT NULL,
  org_id     BIGINT       NULL,
  org_name   VARCHAR(200) NOT NULL,
  started_on DATE         NOT NULL,
  ended_on   DATE         NULL,
  KEY ix_expert_employments_expert (expert_id),
  KEY ix_expert_employments_org (org_id, ended_on),
  CONSTRAINT fk_ee_expert FOREIGN KEY (expert_id) REFERENCES experts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE expert_leaves (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  expert_id  BIGINT       NOT NULL,
  starts_at  DATETIME(6)  NOT NULL,
  ends_at    DATETIME(6)  NOT NULL,
  reason     VARCHAR(200) NOT NULL DEFAULT '',
  created_at DATETIME(6)  NOT NULL,
  KEY ix_expert_leaves_expert (expert_id, ends_at),
  KEY ix_expert_leaves_time (ends_at, starts_at),
  CONSTRAINT fk_el_expert FOREIGN KEY (expert_id) REFERENCES experts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE expert_penalties (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  expert_id  BIGINT       NOT NULL,
  decided_on DATE         NOT NULL,
  until_on   DATE         NULL,
  reason     VARCHAR(500) NOT NULL,
  created_at DATETIME(6)  NOT NULL,
  KEY ix_expert_penalties_expert (expert_id),
  KEY ix_expert_penalties_until (until_on),
  CONSTRAINT fk_ep_expert FOREIGN KEY (expert_id) REFERENCES experts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Declared near relatives at, and economic interests in, organisations.
CREATE TABLE expert_declarations (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  expert_id  BIGINT       NOT NULL,
  kind       VARCHAR(16)  NOT NULL,
  org_id     BIGINT       NULL,
  org_name   VARCHAR(200) NOT NULL,
  detail     VARCHAR(500) NOT NULL DEFAULT '',
  created_at DATETIME(6)  NOT NULL,
  KEY ix_expert_declarations_expert (expert_id),
  KEY ix_expert_declarations_org (org_id),
  CONSTRAINT fk_ed_expert FOREIGN KEY (expert_id) REFERENCES experts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A draw for one lot's evaluation. seq counts the draws of a lot (1 = the
-- first, later ones supplementary 补抽); UNIQUE (lot_id, seq) lets only one
-- of two staff preparing the same lot at the same moment win. project and
-- lot ids are the trading area's; there is deliberately no foreign key.
CREATE TABLE expert_draws (
  id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id        BIGINT       NOT NULL,
  lot_id            BIGINT       NOT NULL,
  seq               INT          NOT NULL,
  parent_draw_id    BIGINT       NULL,
  tenderer_org_id   BIGINT       NOT NULL,
  agency_org_id     BIGINT       NULL,
  supervising_org_id BIGINT      NULL,
  trade_kind        VARCHAR(16)  NOT NULL,
  method            VARCHAR(32)  NOT NULL DEFAULT '',
  budget_fen        BIGINT       NOT NULL DEFAULT 0,
  session_starts_at DATETIME(6)  NOT NULL,
  session_ends_at   DATETIME(6)  NOT NULL,
  place             VARCHAR(200) NOT NULL DEFAULT '',
  committee_size    INT          NOT NULL,
  params            TEXT         NOT NULL,
  pool_hash         CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  pool_size         INT          NOT NULL,
  excluded_count    INT          NOT NULL,
  secret_commitment CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  secret_sealed     VARBINARY(128) NOT NULL,
  secret_revealed   VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NULL,
  sources           TEXT         NULL,
  key_text          TEXT         NULL,
  result            TEXT         NULL,
  status            VARCHAR(16)  NOT NULL,
  auto_run          TINYINT      NOT NULL DEFAULT 0,
  created_by        BIGINT       NULL,
  drawn_by          BIGINT       NULL,
  created_at        DATETIME(6)  NOT NULL,
  drawn_at          DATETIME(6)  NULL,
  published_at      DATETIME(6)  NULL,
  UNIQUE KEY uq_expert_draws_lot_seq (lot_id, seq),
  KEY ix_expert_draws_project (project_id),
  KEY ix_expert_draws_tenderer (tenderer_org_id, drawn_at),
  KEY ix_expert_draws_session (session_ends_at, session_starts_at),
  KEY ix_expert_draws_status (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The archived pool document: its SHA-256 is expert_draws.pool_hash.
CREATE TABLE expert_draw_pools (
  draw_id  BIGINT     NOT NULL PRIMARY KEY,
  document MEDIUMBLOB NOT NULL,
  CONSTRAINT fk_edp_draw FOREIGN KEY (draw_id) REFERENCES expert_draws (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Selected members: in each quota group rank 1..primaries are the
-- committee, the rest backups in RFC 3797 order.
CREATE TABLE expert_draw_members (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  draw_id         BIGINT       NOT NULL,
  group_no        INT          NOT NULL,
  specialty_code  VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  rank_no         INT          NOT NULL,
  expert_id       BIGINT       NOT NULL,
  state           VARCHAR(16)  NOT NULL,
  token_hash      CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NULL,
  reply_deadline  DATETIME(6)  NULL,
  notified_at     DATETIME(6)  NULL,
  notice_error    VARCHAR(300) NOT NULL DEFAULT '',
  replied_at      DATETIME(6)  NULL,
  reply_note      VARCHAR(300) NOT NULL DEFAULT '',
  signed_in_at    DATETIME(6)  NULL,
  updated_at      DATETIME(6)  NOT NULL,
  UNIQUE KEY uq_edm_draw_expert (draw_id, expert_id),
  UNIQUE KEY uq_edm_draw_rank (draw_id, group_no, rank_no),
  UNIQUE KEY uq_edm_token (token_hash),
  KEY ix_edm_expert (expert_id, state),
  CONSTRAINT fk_edm_draw FOREIGN KEY (draw_id) REFERENCES expert_draws (id),
  CONSTRAINT fk_edm_expert FOREIGN KEY (expert_id) REFERENCES experts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Import batches: the validated file waits here until staff import it.
CREATE TABLE expert_imports (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  file_name   VARCHAR(255) NOT NULL,
  total_rows  INT          NOT NULL,
  bad_rows    INT          NOT NULL,
  done_rows   INT          NOT NULL DEFAULT 0,
  status      VARCHAR(16)  NOT NULL,
  report      MEDIUMTEXT   NOT NULL,
  created_by  BIGINT       NULL,
  created_at  DATETIME(6)  NOT NULL,
  updated_at  DATETIME(6)  NOT NULL,
  KEY ix_expert_imports_status (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
