-- The window's intake form carries a one-time key (intake_key, random, made
-- when the form is shown): the same form sent twice (a double click, a
-- browser's "resubmit") finds the case it made instead of taking a second
-- one. NULL for cases taken without a key (the API may send one); the
-- unique key allows any number of NULLs.
ALTER TABLE approval_cases
  ADD COLUMN intake_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER lookup_hash,
  ADD UNIQUE KEY ux_approval_cases_intake_key (intake_key);
