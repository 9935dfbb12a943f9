package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"ggzy/schedule"
	"ggzy/trading"
)

// registerHandlers registers the handler of every timed-event kind on the
// engine. Every area that calls schedule.At for a kind registers its handler
// here, once; handlers must be idempotent (see schedule.Handler).
func registerHandlers(e *schedule.Engine, a *app) error {
	// schedule: nightly retention sweep of the recordings index (02:30) and
	// nightly statistics (03:00).
	if err := a.schedule.RegisterJobs(e); err != nil {
		return err
	}

	// trading: the submission deadline closes the lot's submissions.
	e.Handle(trading.DeadlineEvent, func(ctx context.Context, target string) error {
		id, err := targetID(target, "lot")
		if err != nil {
			return err
		}
		return a.trading.CloseSubmissions(ctx, id)
	})

	// ---- expertpool and further areas: register their kinds below. ----
	// expertpool.KindReplyDeadline → a.experts.HandleReplyDeadline (left to the lead).

	return nil
}

// targetID reads an event target written "<prefix>:<id>".
func targetID(target, prefix string) (int64, error) {
	rest, ok := strings.CutPrefix(target, prefix+":")
	id, err := strconv.ParseInt(rest, 10, 64)
	if !ok || err != nil || id <= 0 {
		return 0, fmt.Errorf("event target %q: want %s:<id>", target, prefix)
	}
	return id, nil
}
