// Command loadtest runs the load scenarios whose figures are recorded in
// docs/PERFORMANCE.md. Each scenario works on a fresh database of its own on
// the private MariaDB under ./var (or TRADING_TEST_DSN's server) and drops it
// at the end.
//
//	go run ./cmd/loadtest events -mode lateness   # 10,000 events over 10 minutes, two engines
//	go run ./cmd/loadtest events -mode backlog    # 10,000 overdue events at start-up
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// scenarios maps a scenario name to its entry point; each area adds its own
// in a file of this package.
var scenarios = map[string]func(ctx context.Context, args []string) error{}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 || scenarios[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: loadtest SCENARIO [flags]; scenarios:")
		for name := range scenarios {
			fmt.Fprintln(os.Stderr, "  "+name)
		}
		os.Exit(2)
	}
	if err := scenarios[os.Args[1]](ctx, os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}
