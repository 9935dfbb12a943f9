package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"ggzy/evaluation"
	"ggzy/expertpool"
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

	// trading: the submission deadline closes the lot's submissions and
	// opens the opening session (开标). Both steps are idempotent, so a retry
	// after a failure of the second does no harm to the first.
	e.Handle(trading.DeadlineEvent, func(ctx context.Context, target string) error {
		id, err := targetID(target, "lot")
		if err != nil {
			return err
		}
		if err := a.trading.CloseSubmissions(ctx, id); err != nil {
			return err
		}
		return a.evaluation.StartOpening(ctx, id)
	})

	// evaluation: the end of the candidate publicity allows the award.
	e.Handle(evaluation.PublicityEvent, func(ctx context.Context, target string) error {
		id, err := targetID(target, "lot")
		if err != nil {
			return err
		}
		return a.evaluation.EndPublicity(ctx, id)
	})

	// expertpool: a reply deadline passed: call backups or draw again.
	e.Handle(expertpool.KindReplyDeadline, a.experts.HandleReplyDeadline)

	// fixed-price selection: publicity end, the winner's confirmation
	// deadline and the contract deadline.
	for kind, fn := range map[string]func(context.Context, int64) error{
		trading.FixedPricePublicityEnd:    a.fixedPrice.EndPublicity,
		trading.FixedPriceConfirmDeadline: a.fixedPrice.ConfirmDeadline,
		trading.FixedPriceContractDue:     a.fixedPrice.ContractDeadline,
	} {
		e.Handle(kind, func(ctx context.Context, target string) error {
			id, err := targetID(target, "selection")
			if err != nil {
				return err
			}
			return fn(ctx, id)
		})
	}

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
