-- Trading: rules as data (versioned per locality), projects of the four
-- kinds with their lots, reviews, announcements, sealed sign-ups and
-- deposits, sealed bid files, questions, and the per kind+year code counter.

CREATE TABLE trading_rule_sets (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  locality   VARCHAR(32)  NOT NULL,
  note       VARCHAR(500) NOT NULL DEFAULT '',
  created_by BIGINT       NULL,
  created_at DATETIME(6)  NOT NULL,
  KEY ix_trading_rule_sets_locality (locality, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE trading_rules (
  rule_set_id BIGINT       NOT NULL,
  rule_id     VARCHAR(48)  NOT NULL,
  kind        VARCHAR(16)  NOT NULL,
  methods     VARCHAR(200) NOT NULL DEFAULT '',
  title       VARCHAR(200) NOT NULL,
  basis       VARCHAR(300) NOT NULL,
  check_type  VARCHAR(16)  NOT NULL,
  anchor      VARCHAR(24)  NOT NULL DEFAULT '',
  target      VARCHAR(24)  NOT NULL DEFAULT '',
  day_kind    VARCHAR(8)   NOT NULL DEFAULT 'calendar',
  days        INT          NOT NULL DEFAULT 0,
  rate_ppm    INT          NOT NULL DEFAULT 0,
  action      VARCHAR(8)   NOT NULL,
  position    INT          NOT NULL DEFAULT 0,
  PRIMARY KEY (rule_set_id, rule_id),
  CONSTRAINT fk_trading_rules_set FOREIGN KEY (rule_set_id) REFERENCES trading_rule_sets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO trading_rule_sets (id, locality, note, created_at) VALUES (1, 'default', '初始规则（DOMAIN.md §2）', '2026-01-01 00:00:00');

INSERT INTO trading_rules (rule_set_id, rule_id, kind, methods, title, basis, check_type, anchor, target, day_kind, days, rate_ppm, action, position) VALUES
(1, 'eng.tender_period', 'engineering', '', '招标文件开始发出之日起至投标截止之日止不少于20日', '《招标投标法》第二十四条', 'period', 'docs_from', 'deadline', 'calendar', 20, 0, 'block', 10),
(1, 'eng.docs_period', 'engineering', '', '招标文件发售期不少于5日', '《招标投标法实施条例》第十六条', 'period', 'docs_from', 'docs_until', 'calendar', 5, 0, 'block', 20),
(1, 'eng.clarify', 'engineering', '', '澄清或者修改须在投标截止时间至少15日前发出，不足15日的顺延投标截止时间', '《招标投标法实施条例》第二十一条', 'period', 'clarification', 'deadline', 'calendar', 15, 0, 'move', 30),
(1, 'eng.deposit_cap', 'engineering', '', '投标保证金不得超过招标项目估算价的2%', '《招标投标法实施条例》第二十六条', 'deposit_cap', '', '', 'calendar', 0, 20000, 'block', 40),
(1, 'eng.refund', 'engineering', '', '投标保证金在书面合同签订或结果公告后5日内退还', '《招标投标法实施条例》第五十七条', 'refund', 'result', 'refund', 'calendar', 5, 0, 'warn', 50),
(1, 'proc.tender_period', 'procurement', 'open,invited', '招标文件发出之日起至投标截止之日止不少于20日', '《政府采购法》第三十五条', 'period', 'docs_from', 'deadline', 'calendar', 20, 0, 'block', 110),
(1, 'proc.docs_period', 'procurement', 'open,invited', '招标文件提供期限不少于5个工作日', '《政府采购法实施条例》第三十一条', 'period', 'docs_from', 'docs_until', 'working', 5, 0, 'block', 120),
(1, 'proc.negotiation_period', 'procurement', 'negotiation,inquiry', '谈判/询价文件发出之日起至首次响应截止不少于3个工作日', '《政府采购非招标采购方式管理办法》第二十九条、第四十五条', 'period', 'docs_from', 'deadline', 'working', 3, 0, 'block', 125),
(1, 'proc.consultation_period', 'procurement', 'consultation', '磋商文件发出之日起至首次响应截止不少于10日', '《政府采购竞争性磋商采购方式管理暂行办法》第十条', 'period', 'docs_from', 'deadline', 'calendar', 10, 0, 'block', 126),
(1, 'proc.clarify', 'procurement', 'open,invited', '澄清或者修改须在投标截止时间至少15日前发出，不足15日的顺延', '《政府采购法实施条例》第三十一条', 'period', 'clarification', 'deadline', 'calendar', 15, 0, 'move', 130),
(1, 'proc.deposit_cap', 'procurement', '', '投标保证金不得超过采购项目预算金额的2%', '《政府采购法实施条例》第三十三条', 'deposit_cap', '', '', 'calendar', 0, 20000, 'block', 140),
(1, 'proc.refund', 'procurement', '', '投标保证金在中标通知书发出后5个工作日内退还', '《政府采购法实施条例》第三十八条', 'refund', 'result', 'refund', 'working', 5, 0, 'warn', 150),
(1, 'land.announce_period', 'land', '', '出让公告应于招标拍卖挂牌活动开始日前至少20日发布', '《招标拍卖挂牌出让国有建设用地使用权规定》（国土资源部令第39号）第十条', 'period', 'announce', 'bid_start', 'calendar', 20, 0, 'block', 210),
(1, 'land.listing_period', 'land', 'listing', '挂牌时间不得少于10日（日或工作日按本地规定）', '《招标拍卖挂牌出让国有建设用地使用权规定》第十五条', 'period', 'bid_start', 'deadline', 'calendar', 10, 0, 'block', 220),
(1, 'property.disclosure', 'property', '', '产权转让信息正式披露期不少于20个工作日', '《企业国有资产交易监督管理办法》（32号令）第十三条', 'period', 'announce', 'deadline', 'working', 20, 0, 'block', 310),
(1, 'property.price_floor', 'property', '', '挂牌价不得低于经核准或备案的评估结果', '《企业国有资产交易监督管理办法》第十二条', 'price_floor', '', '', 'calendar', 0, 1000000, 'block', 320);

CREATE TABLE trading_code_counters (
  kind      VARCHAR(16) NOT NULL,
  year      INT         NOT NULL,
  last_no   INT         NOT NULL,
  PRIMARY KEY (kind, year)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE trading_projects (
  id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code          VARCHAR(32)   NULL,
  kind          VARCHAR(16)   NOT NULL,
  method        VARCHAR(16)   NOT NULL,
  title         VARCHAR(200)  NOT NULL,
  owner_name    VARCHAR(200)  NOT NULL DEFAULT '',
  agency_org_id BIGINT        NOT NULL,
  created_by    BIGINT        NULL,
  locality      VARCHAR(32)   NOT NULL,
  rule_set_id   BIGINT        NULL,
  status        VARCHAR(16)   NOT NULL,
  details       TEXT          NOT NULL,
  eligibility   TEXT          NOT NULL,
  place         VARCHAR(200)  NOT NULL DEFAULT '',
  docs_from     DATETIME(6)   NULL,
  docs_until    DATETIME(6)   NULL,
  signup_until  DATETIME(6)   NULL,
  bid_start     DATETIME(6)   NULL,
  deadline      DATETIME(6)   NULL,
  submitted_at  DATETIME(6)   NULL,
  accepted_at   DATETIME(6)   NULL,
  published_at  DATETIME(6)   NULL,
  result_at     DATETIME(6)   NULL,
  created_at    DATETIME(6)   NOT NULL,
  updated_at    DATETIME(6)   NOT NULL,
  UNIQUE KEY uq_trading_projects_code (code),
  KEY ix_trading_projects_agency (agency_org_id, id),
  KEY ix_trading_projects_status (status, submitted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE trading_lots (
  id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id     BIGINT        NOT NULL,
  lot_no         INT           NOT NULL,
  name           VARCHAR(200)  NOT NULL,
  price          BIGINT        NOT NULL,
  estimate       BIGINT        NOT NULL DEFAULT 0,
  deposit        BIGINT        NOT NULL DEFAULT 0,
  details        TEXT          NOT NULL,
  reserve_sealed VARBINARY(512) NULL,
  status         VARCHAR(16)   NOT NULL,
  closed_at      DATETIME(6)   NULL,
  winner         VARCHAR(200)  NOT NULL DEFAULT '',
  award_price    BIGINT        NULL,
  UNIQUE KEY uq_trading_lots_no (project_id, lot_no),
  CONSTRAINT fk_trading_lots_project FOREIGN KEY (project_id) REFERENCES trading_projects (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE trading_reviews (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id  BIGINT       NOT NULL,
  decision    VARCHAR(8)   NOT NULL,
  items       TEXT         NOT NULL,
  reviewed_by BIGINT       NULL,
  reviewed_at DATETIME(6)  NOT NULL,
  KEY ix_trading_reviews_project (project_id, id),
  CONSTRAINT fk_trading_reviews_project FOREIGN KEY (project_id) REFERENCES trading_projects (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The public portal reads only this table. Text search is LIKE on title and
-- code (portable; no ngram parser on MariaDB); the list is cached briefly.
CREATE TABLE trading_announcements (
  id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id   BIGINT        NOT NULL,
  type         VARCHAR(16)   NOT NULL,
  code         VARCHAR(32)   NOT NULL,
  kind         VARCHAR(16)   NOT NULL,
  method       VARCHAR(16)   NOT NULL,
  title        VARCHAR(300)  NOT NULL,
  body         TEXT          NOT NULL,
  deadline     DATETIME(6)   NULL,
  published_at DATETIME(6)   NOT NULL,
  KEY ix_trading_ann_list (type, published_at, id),
  KEY ix_trading_ann_kind (kind, type, published_at),
  KEY ix_trading_ann_project (project_id, id),
  CONSTRAINT fk_trading_ann_project FOREIGN KEY (project_id) REFERENCES trading_projects (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Sign-ups are sealed: no organisation id in clear. org_blind is a keyed
-- hash of (lot, organisation) that makes the UNIQUE key work; owner_blind a
-- keyed hash of the organisation for "my sign-ups"; sealed holds who, from
-- where and what was declared, encrypted under the project's key.
CREATE TABLE trading_signups (
  id             BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lot_id         BIGINT         NOT NULL,
  project_id     BIGINT         NOT NULL,
  org_blind      CHAR(64)       CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  owner_blind    CHAR(64)       CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sealed         VARBINARY(4096) NOT NULL,
  deposit_sealed VARBINARY(2048) NULL,
  deposit_check  VARCHAR(16)    NOT NULL DEFAULT '',
  refund_due     DATE           NULL,
  refunded_at    DATETIME(6)    NULL,
  refund_note    VARCHAR(200)   NOT NULL DEFAULT '',
  created_at     DATETIME(6)    NOT NULL,
  UNIQUE KEY uq_trading_signups_lot_org (lot_id, org_blind),
  KEY ix_trading_signups_owner (owner_blind, id),
  KEY ix_trading_signups_refund (refund_due, refunded_at),
  CONSTRAINT fk_trading_signups_lot FOREIGN KEY (lot_id) REFERENCES trading_lots (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Bid files: object is the file store key (SHA-256 of the encrypted bytes);
-- sealed holds the receipt (plain SHA-256, size, name, time, submitter).
CREATE TABLE trading_bid_files (
  id           BIGINT          NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lot_id       BIGINT          NOT NULL,
  project_id   BIGINT          NOT NULL,
  signup_id    BIGINT          NOT NULL,
  owner_blind  CHAR(64)        CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  object       CHAR(64)        CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  stored_size  BIGINT          NOT NULL,
  sealed       VARBINARY(2048) NOT NULL,
  status       VARCHAR(16)     NOT NULL,
  created_at   DATETIME(6)     NOT NULL,
  ended_at     DATETIME(6)     NULL,
  KEY ix_trading_bid_files_signup (signup_id, status),
  KEY ix_trading_bid_files_owner (owner_blind, id),
  KEY ix_trading_bid_files_lot (lot_id, status),
  CONSTRAINT fk_trading_bid_files_signup FOREIGN KEY (signup_id) REFERENCES trading_signups (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Questions from bidders carry no asker (asking reveals interest); answers
-- are published as clarifications.
CREATE TABLE trading_questions (
  id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id  BIGINT        NOT NULL,
  owner_blind CHAR(64)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  body        VARCHAR(2000) NOT NULL,
  answer_id   BIGINT        NULL,
  created_at  DATETIME(6)   NOT NULL,
  KEY ix_trading_questions_project (project_id, id),
  CONSTRAINT fk_trading_questions_project FOREIGN KEY (project_id) REFERENCES trading_projects (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
