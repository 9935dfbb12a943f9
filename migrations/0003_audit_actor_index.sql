-- Supervisors filter the audit log by actor (the user name recorded with
-- each event: audit.Reader.List, `actor = ?`), which no index served: a
-- rare actor's events were found by scanning the log backwards. No query
-- reads events by actor_user_id, so its index is replaced rather than
-- added to (every event pays for each index it is written into).
ALTER TABLE audit_events DROP INDEX ix_audit_actor;
ALTER TABLE audit_events ADD INDEX ix_audit_actor_name (actor, id);
