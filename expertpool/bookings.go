package expertpool

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Two avoidance rules look at other draws' members: booked (invited or
// confirmed for another lot's draw whose session overlaps this one) and
// too_frequent (invited or confirmed in at least freq_limit of the
// tenderer's draws of other lots in the last freq_days days). Both used to
// join expert_draws to expert_draw_members and read every booked member of
// every draw concerned, for every new draw: with many draws around the same
// session or for the same tenderer that grew to thousands of rows per draw,
// most of them read again and again unchanged.
//
// Now markQuery reads one index entry per draw concerned, its id and its
// bookings_version (migration 0203), and the booked members of each draw come
// from a cache tagged with that version. Every transaction that changes a
// draw's booked members increments its version (bookingsChanged), so a
// cached entry is used only when the database still holds the state it was
// read from; other entries are read again, in one statement for all of them.
// The result is the same as the join's — TestBuildPoolMatchesReference and
// TestBookedAndFrequentFollowMemberState compare them after every kind of
// change — at the cost of one index entry per draw concerned plus the
// members of the draws changed since the last draw.

// bookingsChanged records that the booked members of a draw (those in state
// notified or confirmed) changed; call it in the transaction that changes
// them, once is enough. Its row lock is held to the commit, so versions count
// committed changes.
func bookingsChanged(ctx context.Context, x sqlx.ExecerContext, drawID int64) error {
	if _, err := x.ExecContext(ctx, `UPDATE expert_draws SET bookings_version = bookings_version + 1 WHERE id = ?`, drawID); err != nil {
		return fmt.Errorf("bookings of draw %d: %w", drawID, err)
	}
	return nil
}

// drawRef is a draw a booking rule concerns, as markQuery read it.
type drawRef struct {
	id, version int64
}

// drawBookings are the experts a draw books, ascending, at a version.
type drawBookings struct {
	version int64
	experts []int64
}

// bookingCache keeps the booked members of draws; the zero value is ready.
type bookingCache struct {
	mu     sync.Mutex
	byDraw map[int64]drawBookings
}

// maxCachedDraws bounds the cache: the draws concerned are those of current
// and future sessions and the tenderers' draws of the last freq_days days.
const maxCachedDraws = 50_000

// bookedChunk bounds the draws read in one statement.
const bookedChunk = 1000

const selectBooked = `SELECT draw_id, expert_id FROM expert_draw_members WHERE draw_id IN (?) AND state IN ('notified', 'confirmed')`

// booked returns the experts booked by each draw of refs, at the version
// refs give, from the cache when it holds that version. q must read the same
// committed state as the statement that read refs (the same transaction), or
// a later one: a draw's members are then never older than its version says.
func (bc *bookingCache) booked(ctx context.Context, q sqlx.QueryerContext, refs []drawRef) (map[int64][]int64, error) {
	out := make(map[int64][]int64, len(refs))
	var missing []drawRef
	bc.mu.Lock()
	for _, r := range refs {
		if _, done := out[r.id]; done {
			continue
		}
		if b, ok := bc.byDraw[r.id]; ok && b.version == r.version {
			out[r.id] = b.experts
			continue
		}
		out[r.id] = nil
		missing = append(missing, r)
	}
	bc.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	slices.SortFunc(missing, func(a, b drawRef) int { return cmp.Compare(a.id, b.id) })
	missing = slices.CompactFunc(missing, func(a, b drawRef) bool { return a.id == b.id })
	for from := 0; from < len(missing); from += bookedChunk {
		part := missing[from:min(from+bookedChunk, len(missing))]
		ids := make([]int64, len(part))
		for i, r := range part {
			ids[i] = r.id
		}
		query, args, err := sqlx.In(selectBooked, ids)
		if err != nil {
			return nil, err
		}
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("booked members: %w", err)
		}
		var rawDraw, rawExpert sql.RawBytes
		for rows.Next() {
			if err := rows.Scan(&rawDraw, &rawExpert); err != nil {
				rows.Close()
				return nil, err
			}
			d := atoi(rawDraw)
			out[d] = append(out[d], atoi(rawExpert))
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return nil, fmt.Errorf("booked members: %w", err)
		}
		rows.Close()
	}
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if bc.byDraw == nil || len(bc.byDraw)+len(missing) > maxCachedDraws {
		bc.byDraw = make(map[int64]drawBookings, len(missing))
	}
	for _, r := range missing {
		ex := out[r.id]
		slices.Sort(ex)
		if old, ok := bc.byDraw[r.id]; !ok || old.version <= r.version {
			bc.byDraw[r.id] = drawBookings{version: r.version, experts: ex}
		}
	}
	return out, nil
}

// bookingMarks turns the draws of the booked and too_frequent rules into
// marks: every expert booked by a draw of the booked rule; every expert
// booked by at least freqLimit draws of the too_frequent rule.
func (bc *bookingCache) bookingMarks(ctx context.Context, q sqlx.QueryerContext, booked, frequent []drawRef, freqLimit int, marks []mark) ([]mark, error) {
	if len(booked)+len(frequent) == 0 {
		return marks, nil
	}
	experts, err := bc.booked(ctx, q, append(slices.Clip(booked), frequent...))
	if err != nil {
		return nil, err
	}
	for _, r := range booked {
		for _, id := range experts[r.id] {
			marks = append(marks, mark{id: id, rule: markBooked})
		}
	}
	if len(frequent) > 0 && freqLimit > 0 {
		count := map[int64]int{}
		for _, r := range frequent {
			for _, id := range experts[r.id] {
				count[id]++
			}
		}
		for id, n := range count {
			if n >= freqLimit {
				marks = append(marks, mark{id: id, rule: markTooFrequent})
			}
		}
	}
	return marks, nil
}
