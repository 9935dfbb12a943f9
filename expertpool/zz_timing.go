package expertpool

import (
	"fmt"
	"os"
	"time"
)

// TEMPORARY instrumentation, removed before hand-over.
type stepTimer struct {
	t0   time.Time
	last time.Time
	b    []byte
}

func newStepTimer() *stepTimer { n := time.Now(); return &stepTimer{t0: n, last: n} }
func (s *stepTimer) step(name string) {
	n := time.Now()
	s.b = fmt.Appendf(s.b, " %s=%.1f", name, float64(n.Sub(s.last).Microseconds())/1000)
	s.last = n
}
func (s *stepTimer) done() {
	if os.Getenv("EP_TIMING") != "" {
		fmt.Fprintf(os.Stderr, "TIMING total=%.1f%s\n", float64(time.Since(s.t0).Microseconds())/1000, s.b)
	}
}
