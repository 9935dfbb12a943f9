package main

import (
	"context"

	"ggzy/approval"
	"ggzy/evaluation"
	"ggzy/expertpool"
	"ggzy/schedule"
	"ggzy/trading"
	"ggzy/wiring"
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
	e.Handle(trading.DeadlineEvent, wiring.DeadlineHandler(a.trading, a.evaluation))

	// evaluation: the end of the candidate publicity allows the award.
	e.Handle(evaluation.PublicityEvent, func(ctx context.Context, target string) error {
		id, err := schedule.TargetID(target, "lot")
		if err != nil {
			return err
		}
		return a.evaluation.EndPublicity(ctx, id)
	})

	// expertpool: a reply deadline passed: call backups or draw again.
	e.Handle(expertpool.KindReplyDeadline, a.experts.HandleReplyDeadline)

	// trading: the end of the sign-up (announcement) period marks the
	// project 报名已截止; on the day deposit refunds fall due they are listed
	// for staff.
	e.Handle(trading.SignupEndEvent, a.trading.HandleSignupEnd)
	e.Handle(trading.RefundDueEvent, a.trading.HandleRefundDue)

	// fixed-price selection: publicity end, the winner's confirmation
	// deadline and the contract deadline.
	for kind, fn := range map[string]func(context.Context, int64) error{
		trading.FixedPricePublicityEnd:    a.fixedPrice.EndPublicity,
		trading.FixedPriceConfirmDeadline: a.fixedPrice.ConfirmDeadline,
		trading.FixedPriceContractDue:     a.fixedPrice.ContractDeadline,
	} {
		e.Handle(kind, func(ctx context.Context, target string) error {
			id, err := schedule.TargetID(target, "selection")
			if err != nil {
				return err
			}
			return fn(ctx, id)
		})
	}

	// approval: 电子监察 every ten minutes (warnings raised once each).
	hall := &approval.Service{DB: a.trading.DB, Clock: a.clock, Calendar: a.calendar, Vault: a.vault}
	if err := hall.RegisterMonitorJob(e); err != nil {
		return err
	}
	// approval: materials not completed by their deadline (the application
	// is deemed withdrawn, [practice]) and department steps past their limit
	// (超时默认, when the setting is on).
	e.Handle(approval.MaterialsDueEvent, hall.HandleMaterialsDue)
	e.Handle(approval.StepDueEvent, hall.HandleStepDue)

	return nil
}
