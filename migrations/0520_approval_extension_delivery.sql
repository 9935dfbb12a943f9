-- 行政许可法 42: a case under review whose decision cannot be made within
-- its limit is extended once, with the approval of the head (负责人) of the
-- authority, and the applicant is told the reason. The case_id is the key:
-- the database keeps it to one extension per case. The due dates before
-- the extension are kept; the case's own due_on and legal_due_on are the
-- moved ones.
CREATE TABLE approval_extensions (
  case_id           BIGINT        NOT NULL PRIMARY KEY,
  days              INT           NOT NULL,  -- working days granted
  reason            VARCHAR(1000) NOT NULL,  -- told to the applicant
  approved_by       VARCHAR(100)  NOT NULL,  -- 批准人: the head who approved, as written
  due_before        DATE          NOT NULL,
  legal_due_before  DATE          NOT NULL,
  created_by        BIGINT        NOT NULL,
  created_at        DATETIME(6)   NOT NULL,
  CONSTRAINT fk_approval_extensions_case FOREIGN KEY (case_id) REFERENCES approval_cases (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 行政许可法 44 (with 82: the law's limits are working days): the decision
-- is delivered within 10 working days of the day it was made. The date is
-- stored at the decision; 电子监察 warns of it (approval_warnings kind
-- 'deliver', which joins the unique key of 0510). Cases decided before this
-- column existed have none and are not watched.
ALTER TABLE approval_cases
  ADD COLUMN deliver_due_on DATE NULL AFTER delivered_at,
  ADD KEY ix_approval_cases_deliver (status, deliver_due_on);
