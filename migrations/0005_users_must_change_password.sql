-- A password an administrator set (a new account's first password, or a
-- temporary one after "forgot my password") is known to someone else: its
-- holder must replace it before doing anything else.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
