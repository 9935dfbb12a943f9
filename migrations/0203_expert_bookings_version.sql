-- Avoidance rules "booked at an overlapping session" and "drawn for the same
-- tenderer N times in M days" (expertpool/bookings.go). They used to join
-- expert_draws to expert_draw_members, reading every booked member of every
-- draw concerned for every new draw. Now they read one index entry per draw
-- concerned — its id and bookings_version — and the booked members of each
-- draw come from memory, read from expert_draw_members only when the draw's
-- bookings_version is not the one they were read at.
--
-- bookings_version counts the changes of a draw's booked members (members
-- invited or confirmed). Every transaction that moves a member of the draw
-- into or out of those states — the run, a reply, an expiry with the backups
-- it calls, an on-site replacement — increments it in the same transaction
-- (expertpool: bookingsChanged); its row lock is held to the commit. Anything
-- else that writes expert_draw_members.state (a script, a repair by hand)
-- must do the same:
--   UPDATE expert_draws SET bookings_version = bookings_version + 1 WHERE id = <draw id>.
ALTER TABLE expert_draws
  ADD COLUMN bookings_version BIGINT NOT NULL DEFAULT 0;

-- booked: the drawn or published draws of other lots whose session overlaps.
CREATE INDEX ix_expert_draws_booked ON expert_draws (session_ends_at, session_starts_at, status, lot_id, bookings_version);
DROP INDEX ix_expert_draws_session_lot ON expert_draws;

-- too_frequent: the tenderer's draws of other lots in the last M days.
CREATE INDEX ix_expert_draws_tenderer_booked ON expert_draws (tenderer_org_id, drawn_at, lot_id, bookings_version);
DROP INDEX ix_expert_draws_tenderer_lot ON expert_draws;
