-- The monthly statistics also count the projects with a published result
-- and their awarded amounts (beside the projects and their budgets).

ALTER TABLE statistics_monthly
  ADD COLUMN results     INT    NOT NULL DEFAULT 0,
  ADD COLUMN awarded_fen BIGINT NOT NULL DEFAULT 0;
