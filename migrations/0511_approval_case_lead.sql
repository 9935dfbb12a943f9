-- A case's lead department (牵头/实施部门) is the one of the item version it
-- was taken under, not the item's current one: an administrator may move an
-- item to another department, and the cases already taken stay with the
-- department that leads them (their suspensions, case-level warnings,
-- ratings, rectifications, 督办 and statistics). Cases taken before this
-- column existed take their item's department.
ALTER TABLE approval_cases
  ADD COLUMN lead_org_id BIGINT NOT NULL DEFAULT 0 AFTER item_version,
  ADD KEY ix_approval_cases_lead (lead_org_id, received_at);

UPDATE approval_cases c JOIN approval_items i ON i.id = c.item_id SET c.lead_org_id = i.dept_org_id WHERE c.lead_org_id = 0;
