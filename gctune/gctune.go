// Package gctune sets the garbage collector of a server process.
//
// The server's live heap is small (sessions, caches, the expert pool's
// indexes) and every request allocates, so with Go's default GOGC=100 the
// collector runs dozens of times a second under load: at 7,000 sign-ups a
// second it took about a tenth of the server's CPU (docs/PERFORMANCE.md,
// "Garbage collector"). Letting the heap grow to five times the live heap
// between collections costs memory that a server has and gives that CPU
// back to requests. GOGC in the environment still decides when it is set
// (Go reads it itself), so operators can trade back; GOMEMLIMIT, which Go
// also reads, caps the heap whatever the GOGC.
package gctune

import (
	"os"
	"runtime/debug"
)

// Percent is the GOGC the server runs with unless GOGC is set.
const Percent = 400

// Apply sets the collector's target unless GOGC is set, and reports the
// GOGC in force.
func Apply() int {
	if v, ok := os.LookupEnv("GOGC"); ok && v != "" {
		prev := debug.SetGCPercent(100) // read the value Go took from GOGC
		debug.SetGCPercent(prev)
		return prev
	}
	debug.SetGCPercent(Percent)
	return Percent
}
