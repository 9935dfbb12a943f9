// Package schedule owns rooms, terminals, bookings and the timed-event engine that runs due events exactly once across instances.
package schedule

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/problem"
)

// Service is the schedule service. Each method is one transaction.
type Service struct {
	DB    *sqlx.DB
	Clock clock.Clock
	// Calendar gives working days and holidays; when nil the service reads
	// the calendar table through a store of its own.
	Calendar *calendar.Store
	// Projects, when set, confirms that a booked project event exists (the
	// trading area implements it; package wiring sets it). Without it (this
	// package's tests) any positive project id is accepted and the title
	// comes from the caller.
	Projects ProjectEvents
	// RecordingFiles, when set, removes the recording files the retention sweep
	// deletes from the index; without it only the index entries are removed
	// (and logged).
	RecordingFiles RecordingStore
	// Statistics, when set, supplies the nightly statistics (the trading area
	// implements it).
	Statistics StatisticsSource

	calOnce sync.Once
	cal     *calendar.Store
}

// ProjectEvents is what the schedule needs to know about projects. It is
// declared here, where it is used, and implemented by the trading area.
type ProjectEvents interface {
	// ProjectEvent returns the title to show for the event of kind of the
	// project, or a *problem.Error (NotFound) when there is no such event.
	ProjectEvent(ctx context.Context, projectID int64, kind string) (title string, err error)
	// ProjectTitle returns the title of a registered project (any stage
	// but a draft), or a *problem.Error (NotFound).
	ProjectTitle(ctx context.Context, projectID int64) (title string, err error)
}

func (s *Service) calendarStore() *calendar.Store {
	if s.Calendar != nil {
		return s.Calendar
	}
	s.calOnce.Do(func() { s.cal = &calendar.Store{DB: s.DB, Clock: s.Clock} })
	return s.cal
}

// timeLayouts are the ways users write a local time.
var timeLayouts = []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"}

// ParseLocal reads a time written in Asia/Shanghai ("2026-03-02 09:30" or
// "2026-03-02T09:30", seconds optional) or in RFC 3339 with its offset.
func ParseLocal(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	for _, l := range timeLayouts {
		if err == nil {
			break
		}
		t, err = time.ParseInLocation(l, s, clock.Shanghai)
	}
	switch {
	case err != nil:
		return time.Time{}, problem.New(problem.Invalid, "time_invalid", "时间格式不正确，应为如 2026-03-02 09:30 的北京时间")
	case !clock.Plausible(t):
		return time.Time{}, problem.New(problem.Invalid, "time_out_of_range", fmt.Sprintf("时间超出范围，应在%d年至%d年之间", clock.MinYear, clock.MaxYear))
	}
	return t.UTC(), nil
}

func localHM(t time.Time) string { return t.In(clock.Shanghai).Format("15:04") }

func localDT(t time.Time) string { return t.In(clock.Shanghai).Format("2006-01-02 15:04") }
