package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
	"ggzy/trading"
)

// fixedPriceVerify: `trading draw verify fp-<id>` recomputes the fixed-price
// draw <id> (fixedprice_draws.id) from the stored archive and exits 3 when
// it does not match.
func fixedPriceVerify(ctx context.Context, arg string, stdout io.Writer, getenv env, log *slog.Logger) error {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return exitError{code: 2, msg: "usage: trading draw verify fp-<id> (fixed-price draw id, a positive number)"}
	}
	return withDB(ctx, getenv, log, func(x *sqlx.DB, _ string) error {
		svc := &trading.FixedPrice{DB: x, Clock: clock.Real{}}
		v, err := svc.Verify(ctx, id)
		if err != nil {
			return err
		}
		return printFixedPriceVerification(stdout, v)
	})
}

func printFixedPriceVerification(w io.Writer, v *trading.Verification) error {
	for _, c := range v.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s %-24s %s\n", mark, c.Name, c.Detail)
	}
	if len(v.Recomputed) > 0 {
		fmt.Fprintf(w, "order (pool member numbers; first is the winner, then the backups): %v\n", v.Recomputed)
	}
	if !v.OK {
		return exitError{code: 3, msg: fmt.Sprintf("fixed-price draw fp-%d does not match its archive", v.DrawID)}
	}
	fmt.Fprintf(w, "fixed-price draw fp-%d matches its archive\n", v.DrawID)
	return nil
}
