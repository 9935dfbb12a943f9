-- The approval hall (政务服务大厅, 行政审批): DOMAIN.md §7, 行政许可法.
-- Working days (工作日) are counted with the holiday calendar (calendar
-- package); every date a rule computes is stored as a DATE (Asia/Shanghai).

-- Catalogue of items (事项目录) with their 八公开. dept_org_id is the lead
-- department (an organisation of kind department); promised_days ≤
-- legal_days (practice: promised at least 30 % shorter, a setting).
CREATE TABLE approval_items (
  id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code           VARCHAR(32)   NOT NULL,
  name           VARCHAR(200)  NOT NULL,
  dept_org_id    BIGINT        NOT NULL,
  case_type      VARCHAR(16)   NOT NULL,  -- instant 即办件 | promised 承诺件 | joint 联办件 | escalated 上报件
  legal_basis    TEXT          NOT NULL,
  conditions     TEXT          NOT NULL,
  materials      TEXT          NOT NULL,  -- JSON list: [{"name":…,"required":true,"copies":1,"note":…}]
  procedure_text TEXT          NOT NULL,
  legal_days     INT           NOT NULL,  -- 法定时限, working days (0 for instant)
  promised_days  INT           NOT NULL,  -- 承诺时限, working days
  fee            VARCHAR(500)  NOT NULL DEFAULT '',
  fee_basis      VARCHAR(500)  NOT NULL DEFAULT '',
  contact        VARCHAR(200)  NOT NULL DEFAULT '',
  status         VARCHAR(16)   NOT NULL,  -- active | inactive
  version        INT           NOT NULL DEFAULT 1,
  created_at     DATETIME(6)   NOT NULL,
  updated_at     DATETIME(6)   NOT NULL,
  UNIQUE KEY uq_approval_items_code (code),
  KEY ix_approval_items_dept (dept_org_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The departments of a joint item (联办件) work in parallel (并联审批),
-- each with its own limit; the case's limit is the longest.
CREATE TABLE approval_item_depts (
  item_id      BIGINT       NOT NULL,
  dept_org_id  BIGINT       NOT NULL,
  position     INT          NOT NULL,
  task         VARCHAR(200) NOT NULL,
  days         INT          NOT NULL,  -- working days
  PRIMARY KEY (item_id, dept_org_id),
  CONSTRAINT fk_approval_item_depts_item FOREIGN KEY (item_id) REFERENCES approval_items (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A case (办件). case_no is readable and unique (never AUTO_INCREMENT);
-- the applicant's ID or USCC is sealed (vault) with a masked copy for
-- display; lookup_hash is the keyed hash of the query code given on the
-- receipt, with which the public looks the case up and rates it.
CREATE TABLE approval_cases (
  id               BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  case_no          VARCHAR(32)   NOT NULL,
  item_id          BIGINT        NOT NULL,
  item_version     INT           NOT NULL,
  applicant_kind   VARCHAR(16)   NOT NULL,  -- person | organisation
  applicant_name   VARCHAR(200)  NOT NULL,
  applicant_masked VARCHAR(32)   NOT NULL,
  applicant_sealed VARBINARY(512) NOT NULL,
  phone_masked     VARCHAR(32)   NOT NULL DEFAULT '',
  phone_sealed     VARBINARY(256) NULL,
  lookup_hash      CHAR(64)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status           VARCHAR(16)   NOT NULL,  -- see approval/doc.go
  received_at      DATETIME(6)   NOT NULL,
  materials_due    DATE          NULL,      -- 一次性告知: the applicant's deadline to complete
  accepted_at      DATETIME(6)   NULL,
  refused_reason   VARCHAR(1000) NOT NULL DEFAULT '',
  due_on           DATE          NULL,      -- promised limit (承诺时限), moved by suspensions
  legal_due_on     DATE          NULL,      -- legal limit (法定时限), moved by suspensions
  suspended_days   INT           NOT NULL DEFAULT 0,
  decision         VARCHAR(16)   NOT NULL DEFAULT '',  -- approved | denied
  decision_note    VARCHAR(2000) NOT NULL DEFAULT '',
  decided_at       DATETIME(6)   NULL,
  delivered_at     DATETIME(6)   NULL,
  clerk_user_id    BIGINT        NOT NULL,
  version          INT           NOT NULL DEFAULT 1,
  created_at       DATETIME(6)   NOT NULL,
  updated_at       DATETIME(6)   NOT NULL,
  UNIQUE KEY uq_approval_cases_no (case_no),
  UNIQUE KEY uq_approval_cases_lookup (lookup_hash),
  KEY ix_approval_cases_item (item_id, received_at),
  KEY ix_approval_cases_status (status, due_on),
  KEY ix_approval_cases_received (received_at),
  CONSTRAINT fk_approval_cases_item FOREIGN KEY (item_id) REFERENCES approval_items (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The materials of a case as checked at the window.
CREATE TABLE approval_case_materials (
  case_id   BIGINT        NOT NULL,
  position  INT           NOT NULL,
  name      VARCHAR(200)  NOT NULL,
  required  BOOLEAN       NOT NULL,
  provided  BOOLEAN       NOT NULL,
  note      VARCHAR(500)  NOT NULL DEFAULT '',
  PRIMARY KEY (case_id, position),
  CONSTRAINT fk_approval_case_materials_case FOREIGN KEY (case_id) REFERENCES approval_cases (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One step per department of the case (one for a single-department item).
-- deemed: the department missed its limit and is deemed to agree (超时默认).
CREATE TABLE approval_steps (
  id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  case_id      BIGINT        NOT NULL,
  dept_org_id  BIGINT        NOT NULL,
  task         VARCHAR(200)  NOT NULL,
  due_on       DATE          NOT NULL,
  status       VARCHAR(16)   NOT NULL,  -- pending | agreed | disagreed | deemed
  opinion      VARCHAR(2000) NOT NULL DEFAULT '',
  decided_by   BIGINT        NULL,
  decided_at   DATETIME(6)   NULL,
  version      INT           NOT NULL DEFAULT 1,
  UNIQUE KEY uq_approval_steps_case_dept (case_id, dept_org_id),
  KEY ix_approval_steps_dept (dept_org_id, status, due_on),
  CONSTRAINT fk_approval_steps_case FOREIGN KEY (case_id) REFERENCES approval_cases (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The clock stopped (行政许可法 45: hearing, tendering, test, expert review).
CREATE TABLE approval_suspensions (
  id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  case_id     BIGINT        NOT NULL,
  reason      VARCHAR(32)   NOT NULL,  -- hearing | tendering | testing | expert_review | other
  note        VARCHAR(1000) NOT NULL DEFAULT '',
  started_on  DATE          NOT NULL,
  ended_on    DATE          NULL,
  days        INT           NOT NULL DEFAULT 0,  -- working days, set when it ends
  created_by  BIGINT        NOT NULL,
  created_at  DATETIME(6)   NOT NULL,
  KEY ix_approval_suspensions_case (case_id, started_on),
  CONSTRAINT fk_approval_suspensions_case FOREIGN KEY (case_id) REFERENCES approval_cases (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 电子监察: warnings raised once each (yellow as the limit nears, red when
-- overdue), per case (step_id 0) or per step; and 督办 by supervisors.
CREATE TABLE approval_warnings (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  case_id     BIGINT       NOT NULL,
  step_id     BIGINT       NOT NULL DEFAULT 0,
  level       VARCHAR(8)   NOT NULL,  -- yellow | red
  due_on      DATE         NOT NULL,  -- the limit it warned about
  raised_at   DATETIME(6)  NOT NULL,
  UNIQUE KEY uq_approval_warnings (case_id, step_id, level, due_on),
  KEY ix_approval_warnings_raised (raised_at),
  CONSTRAINT fk_approval_warnings_case FOREIGN KEY (case_id) REFERENCES approval_cases (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE approval_supervisions (
  id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  case_id       BIGINT        NOT NULL,
  dept_org_id   BIGINT        NOT NULL,
  note          VARCHAR(2000) NOT NULL,
  created_by    BIGINT        NOT NULL,
  created_at    DATETIME(6)   NOT NULL,
  response      VARCHAR(2000) NOT NULL DEFAULT '',
  responded_by  BIGINT        NULL,
  responded_at  DATETIME(6)   NULL,
  KEY ix_approval_supervisions_case (case_id),
  KEY ix_approval_supervisions_dept (dept_org_id, responded_at),
  CONSTRAINT fk_approval_supervisions_case FOREIGN KEY (case_id) REFERENCES approval_cases (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 好差评: one rating per case by its applicant (five levels, 5 = 非常满意);
-- a bad rating (≤ 2) opens a rectification due in 15 working days.
CREATE TABLE approval_ratings (
  case_id            BIGINT        NOT NULL PRIMARY KEY,
  level              INT           NOT NULL,
  comment            VARCHAR(1000) NOT NULL DEFAULT '',
  rated_at           DATETIME(6)   NOT NULL,
  rectify_due_on     DATE          NULL,
  rectified_at       DATETIME(6)   NULL,
  rectify_note       VARCHAR(2000) NOT NULL DEFAULT '',
  rectified_by       BIGINT        NULL,
  KEY ix_approval_ratings_rated (rated_at),
  KEY ix_approval_ratings_rectify (rectify_due_on, rectified_at),
  CONSTRAINT fk_approval_ratings_case FOREIGN KEY (case_id) REFERENCES approval_cases (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
