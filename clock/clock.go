// Package clock provides the time source every rule reads, so that tests move
// time instead of sleeping.
package clock

import (
	"sync"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load on machines without zoneinfo.
)

// The years a time or date entered by a user may fall in. A timeline in
// year 1 or 9999 is a typing error, not a plan; and year 1 in Beijing is
// year 0 in UTC, which MySQL refuses to store.
const (
	MinYear = 2000
	MaxYear = 2099
)

// Plausible reports whether t falls in MinYear … MaxYear (Beijing time).
func Plausible(t time.Time) bool {
	y := t.In(Shanghai).Year()
	return y >= MinYear && y <= MaxYear
}

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// Real reads the system clock, in UTC.
type Real struct{}

// Now returns the current UTC time.
func (Real) Now() time.Time { return time.Now().UTC() }

// Fake is a settable clock for tests. The zero value starts at the zero time;
// use NewFake.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFake returns a fake clock set to t.
func NewFake(t time.Time) *Fake { return &Fake{now: t.UTC()} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Set moves the clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.now = t.UTC()
	f.mu.Unlock()
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Shanghai is the centre's local time zone, used for display, user-entered
// times and cron schedules.
var Shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// time/tzdata is embedded, so this cannot happen at run time.
		panic(err)
	}
	return loc
}
