package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/expertpool"
	"ggzy/lottery"
	"ggzy/notify"
)

// sourceList is a repeatable --source flag.
type sourceList []string

func (s *sourceList) String() string     { return strings.Join(*s, " / ") }
func (s *sourceList) Set(v string) error { *s = append(*s, v); return nil }

// lotteryCommand: `trading lottery --pool N --count K --source "…" …`
// prints the members selected by RFC 3797, in order, on one line.
func lotteryCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lottery", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	pool := fs.Int("pool", 0, "pool size N (members numbered 1..N)")
	count := fs.Int("count", 0, "how many to select")
	showKey := fs.Bool("key", false, "print the key on a line of its own first")
	var sources sourceList
	fs.Var(&sources, "source", "a random source (repeat, in order)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitError{code: 2, msg: `usage: trading lottery --pool N --count K --source "…" [--source "…" …]`}
	}
	key, err := lottery.KeyFromStrings(sources)
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	picks, err := lottery.Select(key, *pool, *count)
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	if *showKey {
		fmt.Fprintln(stdout, key)
	}
	out := make([]string, len(picks))
	for i, p := range picks {
		out[i] = strconv.Itoa(p)
	}
	fmt.Fprintln(stdout, strings.Join(out, " "))
	return nil
}

// drawCommand: `trading draw verify <id>` recomputes a draw from the
// database's archive — a first draw with each of its supplementary draws, an
// automatic supplementary draw with its secret chain back to the first
// draw; `trading draw verify -archive FILE` from an exported archive (GET
// /api/v1/expert-draws/{id}/archive) without any database.
func drawCommand(ctx context.Context, args []string, stdout io.Writer, getenv env, log *slog.Logger) error {
	const use = "usage: trading draw verify <id> | trading draw verify -archive FILE"
	if len(args) < 1 || args[0] != "verify" {
		return exitError{code: 2, msg: use}
	}
	fs := flag.NewFlagSet("draw verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("archive", "", "exported archive (JSON)")
	if err := fs.Parse(args[1:]); err != nil {
		return exitError{code: 2, msg: use}
	}
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		var a expertpool.Archive
		if err := json.Unmarshal(b, &a); err != nil {
			return exitError{code: 2, msg: "archive is not JSON: " + err.Error()}
		}
		v := expertpool.VerifyArchive(a)
		return printVerification(stdout, &v)
	}
	if fs.NArg() != 1 {
		return exitError{code: 2, msg: use}
	}
	if rest, ok := strings.CutPrefix(fs.Arg(0), "fp-"); ok { // fixed-price draws (fixedprice_draw.go)
		return fixedPriceVerify(ctx, rest, stdout, getenv, log)
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return exitError{code: 2, msg: "draw id must be a positive number"}
	}
	return withDB(ctx, getenv, log, func(x *sqlx.DB, _ string) error {
		svc := &expertpool.Service{DB: x, Clock: clock.Real{}, Log: log}
		v, err := svc.Verify(audit.WithActor(ctx, audit.System), id)
		if err != nil {
			return err
		}
		return printVerification(stdout, v)
	})
}

func printVerification(w io.Writer, v *expertpool.Verification) error {
	printChecks(w, v, "")
	if !v.OK {
		return exitError{code: 3, msg: fmt.Sprintf("draw %d does not match its archive", v.DrawID)}
	}
	fmt.Fprintf(w, "draw %d matches its archive\n", v.DrawID)
	return nil
}

// printChecks prints a draw's checks, key and recomputed members, then
// those of its supplementary draws, indented.
func printChecks(w io.Writer, v *expertpool.Verification, indent string) {
	for _, c := range v.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s%s %-24s %s\n", indent, mark, c.Name, c.Detail)
	}
	if v.Key != "" {
		fmt.Fprintf(w, "%skey: %s\n", indent, v.Key)
	}
	for _, p := range v.Picks {
		fmt.Fprintf(w, "%sgroup %d rank %d: pool member %d = expert %d\n", indent, p.Group, p.Rank, p.Position, p.ExpertID)
	}
	for i := range v.Supplementary {
		fmt.Fprintf(w, "%ssupplementary draw %d:\n", indent, v.Supplementary[i].DrawID)
		printChecks(w, &v.Supplementary[i], indent+"  ")
	}
}

// expertNotifier sends expert invitations to the webhook in
// TRADING_NOTIFY_WEBHOOK (signed with TRADING_NOTIFY_SECRET), or logs them.
func expertNotifier(getenv env, log *slog.Logger) expertpool.Notifier {
	if u := getenv("TRADING_NOTIFY_WEBHOOK"); u != "" {
		return notify.Webhook{URL: u, Secret: getenv("TRADING_NOTIFY_SECRET")}
	}
	return notify.Log{Logger: log}
}

// expertReplyURL is the prefix of the one-time reply links in notices.
func expertReplyURL(getenv env) string {
	base := getenv.or("TRADING_PUBLIC_URL", "http://"+getenv.or("TRADING_ADDR", "127.0.0.1:8080"))
	return strings.TrimSuffix(base, "/") + "/experts/reply/"
}
