package schedule

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// BoardRow is one room on the hall's status board.
type BoardRow struct {
	Room Room     `json:"room"`
	Now  *Booking `json:"now"`  // the booking whose blocked time contains now
	Next *Booking `json:"next"` // the next booking to start, within a week
}

// Status says in Chinese what the room is doing now.
func (r BoardRow) Status() string {
	switch {
	case r.Now == nil:
		return "空闲"
	case r.Now.EventKind == KindEvaluation || r.Now.EventKind == KindNegotiation:
		return "评审中"
	default:
		return EventKindNames[r.Now.EventKind] + "中"
	}
}

// Board returns now and next for every active room at the clock's time.
func (s *Service) Board(ctx context.Context) ([]BoardRow, time.Time, error) {
	now := s.Clock.Now().UTC()
	rooms, err := s.Rooms(ctx, false)
	if err != nil {
		return nil, now, err
	}
	var list []Booking
	if err := sqlx.SelectContext(ctx, s.DB, &list, `SELECT `+bookingColumns+bookingFrom+`
		WHERE b.state = 'booked' AND b.blocked_until > ? AND b.blocked_from < ? AND r.active = 1
		ORDER BY b.room_id, b.blocked_from`, now, now.Add(7*24*time.Hour)); err != nil {
		return nil, now, fmt.Errorf("status board: %w", err)
	}
	byRoom := map[int64][]Booking{}
	for _, b := range list {
		byRoom[b.RoomID] = append(byRoom[b.RoomID], b)
	}
	out := make([]BoardRow, len(rooms))
	for i, r := range rooms {
		out[i].Room = r
		for _, b := range byRoom[r.ID] {
			if !b.BlockedFrom.After(now) && out[i].Now == nil {
				out[i].Now = &b
				continue
			}
			if b.StartsAt.After(now) {
				out[i].Next = &b
				break
			}
		}
	}
	return out, now, nil
}
