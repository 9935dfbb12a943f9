-- A sign-up seals the text of every eligibility condition it declared: up to
-- 20 conditions of 300 characters (trading/projects.go), some 19 KB of
-- UTF-8 with its JSON and AEAD overhead — more than the VARBINARY(4096) of
-- 0100. BLOB holds 64 KB.
ALTER TABLE trading_signups MODIFY COLUMN sealed BLOB NOT NULL;
