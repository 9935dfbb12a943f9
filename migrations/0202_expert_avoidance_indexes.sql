-- Covering indexes for the avoidance rules of a draw (expertpool/pool.go,
-- markQuery): each rule reads only index entries, never the rows. Each new
-- index starts with the columns of the one it replaces, so the other
-- queries keep their access path.

-- booked, too_frequent, already_drawn: the members of a draw by state.
CREATE INDEX ix_edm_draw_state ON expert_draw_members (draw_id, state, expert_id);

-- booked: draws whose session overlaps, with status and lot.
CREATE INDEX ix_expert_draws_session_lot ON expert_draws (session_ends_at, session_starts_at, status, lot_id);
DROP INDEX ix_expert_draws_session ON expert_draws;

-- too_frequent: the tenderer's recent draws, with their lot.
CREATE INDEX ix_expert_draws_tenderer_lot ON expert_draws (tenderer_org_id, drawn_at, lot_id);
DROP INDEX ix_expert_draws_tenderer ON expert_draws;

-- employed_recently.
CREATE INDEX ix_expert_employments_org_expert ON expert_employments (org_id, ended_on, expert_id);
DROP INDEX ix_expert_employments_org ON expert_employments;

-- declared_relative, declared_interest.
CREATE INDEX ix_expert_declarations_org_kind ON expert_declarations (org_id, kind, expert_id);
DROP INDEX ix_expert_declarations_org ON expert_declarations;

-- penalised.
CREATE INDEX ix_expert_penalties_until_decided ON expert_penalties (until_on, decided_on, expert_id);
DROP INDEX ix_expert_penalties_until ON expert_penalties;

-- on_leave.
CREATE INDEX ix_expert_leaves_time_expert ON expert_leaves (ends_at, starts_at, expert_id);
DROP INDEX ix_expert_leaves_time ON expert_leaves;
