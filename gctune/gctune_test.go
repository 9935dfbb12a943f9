package gctune

import (
	"runtime/debug"
	"testing"
)

func TestApplySetsPercentUnlessGOGCIsSet(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	if got := Apply(); got != Percent || debug.SetGCPercent(Percent) != Percent {
		t.Fatalf("without GOGC: Apply() = %d, want %d in force", got, Percent)
	}
	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150) // what the runtime took from GOGC at start
	if got := Apply(); got != 150 || debug.SetGCPercent(150) != 150 {
		t.Fatalf("with GOGC=150: Apply() = %d and changed the collector", got)
	}
}
