-- 电子监察: a warning is about a time limit (kind 'limit': the case's or a
-- step's due_on) or about a rectification (kind 'rectify': a bad rating's
-- rectify_due_on passed with nothing recorded). The kind joins the key, so
-- that a case's limit and its rectification falling on the same day are two
-- warnings, each raised once.
ALTER TABLE approval_warnings
  ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'limit' AFTER step_id,
  DROP INDEX uq_approval_warnings,
  ADD UNIQUE KEY uq_approval_warnings (case_id, step_id, kind, level, due_on);
