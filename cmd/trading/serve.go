package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"ggzy/accounts"
	"ggzy/approval"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/demo"
	"ggzy/evaluation"
	"ggzy/expertpool"
	"ggzy/filestore"
	"ggzy/gctune"
	"ggzy/schedule"
	"ggzy/trading"
	"ggzy/vault"
	"ggzy/web"
	"ggzy/wiring"
)

// app holds the wired services.
type app struct {
	clock      clock.Clock
	accounts   *accounts.Service
	calendar   *calendar.Store
	audit      *audit.Reader
	sealer     *audit.Sealer
	vault      *vault.Vault
	trading    *trading.Service
	fixedPrice *trading.FixedPrice
	experts    *expertpool.Service
	schedule   *schedule.Service
	evaluation *evaluation.Service
}

func wire(x *sqlx.DB, getenv env, log *slog.Logger) (*app, error) {
	clk := clock.Real{}
	v, err := vault.Load(getenv("TRADING_MASTER_KEY"), filepath.Join(varDir(getenv), "master.key"))
	if err != nil {
		return nil, err
	}
	cal := &calendar.Store{DB: x, Clock: clk}
	a := &app{
		clock:      clk,
		accounts:   accounts.New(x, clk),
		calendar:   cal,
		audit:      &audit.Reader{DB: x, Clock: clk},
		sealer:     &audit.Sealer{DB: x, Clock: clk, Log: log, VerifyDaily: true},
		vault:      v,
		trading:    &trading.Service{DB: x, Clock: clk, Vault: v, Calendar: cal, Files: filestore.Local{Root: filepath.Join(varDir(getenv), "files")}},
		fixedPrice: &trading.FixedPrice{DB: x, Clock: clk, Calendar: cal, Vault: v},
		experts:    &expertpool.Service{DB: x, Clock: clk, Vault: v, Log: log, Notifier: expertNotifier(getenv, log), ReplyURL: expertReplyURL(getenv)},
		schedule:   &schedule.Service{DB: x, Clock: clk, Calendar: cal},
	}
	a.evaluation = &evaluation.Service{DB: x, Clock: clk, Files: filestore.Local{Root: filepath.Join(varDir(getenv), "files")}}
	// Lots, bids and re-tendering from trading, the committee from the
	// expert pool, terminals from the schedule (package wiring).
	wiring.Evaluation(a.evaluation, a.trading, a.experts, a.schedule)
	wiring.Experts(a.experts, a.trading)
	// Nightly statistics from trading; the retention sweep removes recordings
	// kept in their own file store (var/recordings: content addresses must
	// not be shared with bid files or documents).
	wiring.Schedule(a.schedule, a.trading, &filestore.Local{Root: filepath.Join(varDir(getenv), "recordings")})
	return a, nil
}

func serve(ctx context.Context, args []string, stdout io.Writer, getenv env, log *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	seedFlag := fs.Bool("demo", false, "seed the demo centre when the database is empty")
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	started := time.Now()
	gogc := gctune.Apply()
	x, dbsrv, closeDB, err := openDB(ctx, getenv, log)
	if err != nil {
		return err
	}
	defer closeDB()
	a, err := wire(x, getenv, log)
	if err != nil {
		return err
	}
	// The sign-up group commit's own connections, which take a whole
	// transaction in two round trips (trading/signup_batch.go). Where the
	// database or a proxy refuses multi-statement requests, sign-ups take
	// five round trips per batch instead.
	multi, err := dbsrv.OpenMulti(ctx, "", 4)
	if err != nil {
		log.Warn("sign-up group commit in five round trips per batch", "err", err)
	} else {
		defer multi.Close()
		a.trading.Multi = multi
	}
	if n, err := a.calendar.SeedIfEmpty(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Info("calendar seeded with the 2025 and 2026 State Council schedules", "days", n)
	}
	var logins []demoLogin
	var password string
	if *seedFlag {
		if logins, password, err = demoLogins(ctx, a, varDir(getenv), getenv, stdout); err != nil {
			return err
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewDBStatsCollector(x.DB, "trading"),
		signupBatchCollector(a.trading), auditChainCollector(x, a.clock))
	if a.trading.Multi != nil {
		reg.MustRegister(collectors.NewDBStatsCollector(a.trading.Multi.DB, "trading_signup_batches"))
	}
	addr := getenv.or("TRADING_ADDR", "127.0.0.1:8080")
	var proxies, metricsAllow []string
	if m := getenv("TRADING_METRICS_ALLOW"); m != "" {
		metricsAllow = strings.Split(m, ",")
	}
	if p := getenv("TRADING_TRUSTED_PROXIES"); p != "" {
		proxies = strings.Split(p, ",")
	}
	srv, err := web.New(web.Config{Addr: addr, TrustedProxies: proxies, SecureCookies: getenv("TRADING_SECURE_COOKIES") == "1",
		DevTemplates: getenv("TRADING_DEV_TEMPLATES") == "1", Version: version, MetricsAllow: metricsAllow},
		web.Deps{Accounts: a.accounts, Calendar: a.calendar, Audit: a.audit, Clock: a.clock, Log: log,
			Trading: a.trading, FixedPrice: a.fixedPrice, Experts: a.experts, Schedule: a.schedule, Evaluation: a.evaluation, Vault: a.vault,
			Ready: func(ctx context.Context) error { return x.PingContext(ctx) }, Registry: reg})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	bg, cancel := context.WithCancel(ctx)
	defer cancel()
	go a.sealer.Run(bg, time.Second)
	// Timed events: handlers by kind (cmd/trading/events.go), then the sweeper,
	// which first works off what fell due while no instance was running.
	engine := schedule.NewEngine(x, a.clock, log)
	if err := registerHandlers(engine, a); err != nil {
		return err
	}
	if err := engine.Start(bg); err != nil {
		return err
	}

	log.Info("ready", "addr", addr, "startup", time.Since(started).String(), "version", version, "gogc", gogc)
	if logins != nil {
		printLogins(stdout, logins, password, addr)
	}
	fmt.Fprintf(stdout, "ready in %s on http://%s/ (Ctrl-C to stop)\n", time.Since(started).Round(time.Millisecond), addr)
	err = srv.Start(ctx, ln)
	ectx, ecancel := context.WithTimeout(context.Background(), 30*time.Second)
	if serr := engine.Stop(ectx); serr != nil {
		log.Warn("stop timed events engine", "err", serr)
	}
	ecancel()
	cancel()
	// Seal what the last requests wrote before the database goes away.
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if _, serr := a.sealer.SealAll(sctx); serr != nil {
		log.Warn("final audit seal", "err", serr)
	}
	return err
}

type demoLogin struct {
	demo.Login
	RoleName string
}

// demoLogins seeds the demo centre on an empty database, or finds the
// password of an earlier seeding, and returns what to print.
func demoLogins(ctx context.Context, a *app, varDir string, getenv env, stdout io.Writer) ([]demoLogin, string, error) {
	return seedDemo(ctx, a, varDir, getenv, stdout, false)
}

func seedDemo(ctx context.Context, a *app, varDir string, getenv env, stdout io.Writer, explicit bool) ([]demoLogin, string, error) {
	pwFile := filepath.Join(varDir, "demo-password")
	existing, err := a.accounts.ListUsers(ctx, accounts.UserFilter{Limit: 1})
	if err != nil {
		return nil, "", err
	}
	wrap := func(ls []demo.Login) []demoLogin {
		out := make([]demoLogin, len(ls))
		for i, l := range ls {
			out[i] = demoLogin{Login: l, RoleName: accounts.RoleNames[l.Role]}
		}
		return out
	}
	if len(existing) > 0 {
		if explicit {
			return nil, "", exitError{code: 1, msg: "seed refused: the database already holds data"}
		}
		pw := getenv("TRADING_DEMO_PASSWORD")
		if pw == "" {
			if b, err := os.ReadFile(pwFile); err == nil {
				pw = strings.TrimSpace(string(b))
			}
		}
		if pw == "" {
			pw = "（首次启动时已打印；或设置 TRADING_DEMO_PASSWORD 后重新建库）"
		}
		return wrap(demo.Logins()), pw, nil
	}
	pw := getenv("TRADING_DEMO_PASSWORD")
	if pw == "" {
		pw = demo.NewPassword()
		if err := os.MkdirAll(varDir, 0o755); err != nil {
			return nil, "", err
		}
		if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
			return nil, "", fmt.Errorf("keep demo password: %w", err)
		}
	}
	logins, err := demo.Seed(ctx, a.accounts, pw)
	if err != nil {
		return nil, "", err
	}
	// expert1…expert9 get their expert records (specialties, employers).
	if err := expertpool.SeedDemo(ctx, a.experts); err != nil {
		return nil, "", fmt.Errorf("seed demo experts: %w", err)
	}
	// Rooms, projects of every kind, a fixed-price selection and bookings,
	// through the services as the demo users, dated on the centre's working
	// days (the calendar is loaded first: `trading seed` does not start serve).
	if _, err := a.calendar.SeedIfEmpty(ctx); err != nil {
		return nil, "", err
	}
	if _, err := demo.SeedCentre(ctx, demo.Services{Accounts: a.accounts, Calendar: a.calendar, Schedule: a.schedule,
		Trading: a.trading, FixedPrice: a.fixedPrice, Clock: a.clock,
		Approval: &approval.Service{DB: a.trading.DB, Clock: a.clock, Calendar: a.calendar, Vault: a.vault}}); err != nil {
		return nil, "", fmt.Errorf("seed demo centre: %w", err)
	}
	if explicit {
		printLogins(stdout, wrap(logins), pw, getenv.or("TRADING_ADDR", "127.0.0.1:8080"))
	}
	return wrap(logins), pw, nil
}

func auditVerify(ctx context.Context, x *sqlx.DB, stdout io.Writer, checkpoints string) error {
	var anchors []audit.Anchor
	if checkpoints != "" {
		b, err := os.ReadFile(checkpoints)
		if err != nil {
			return exitError{code: 2, msg: fmt.Sprintf("checkpoints: %v", err)}
		}
		var f struct {
			Checkpoints []struct {
				Day  string `json:"day"`
				Seq  int64  `json:"seq"`
				Hash string `json:"hash"`
			} `json:"checkpoints"`
		}
		if err := json.Unmarshal(b, &f); err != nil || len(f.Checkpoints) == 0 {
			return exitError{code: 2, msg: fmt.Sprintf("checkpoints: %s is not a checkpoint file downloaded from /api/v1/audit/checkpoints", checkpoints)}
		}
		for i, c := range f.Checkpoints {
			if c.Seq < 1 || !audit.HashRe.MatchString(c.Hash) {
				return exitError{code: 2, msg: fmt.Sprintf("checkpoints: entry %d has no valid seq and hash", i)}
			}
			anchors = append(anchors, audit.Anchor{Day: c.Day, Seq: c.Seq, Hash: c.Hash})
		}
	}
	rep, err := audit.Verify(ctx, x, time.Now().UTC())
	if err != nil {
		return err
	}
	if !rep.OK() {
		return exitError{code: 3, msg: fmt.Sprintf("audit chain broken at event seq %d (id %d): %s [%s] %s", rep.BadSeq, rep.BadID, rep.Reason, rep.Code, rep.Message())}
	}
	fmt.Fprintf(stdout, "audit chain OK: %d events, head seq %d, head hash %s\n", rep.Events, rep.HeadSeq, rep.HeadHash)
	if len(anchors) > 0 {
		rs, err := audit.CheckAnchors(ctx, x, anchors)
		if err != nil {
			return err
		}
		// Every checkpoint that does not hold, not only the first: the
		// earliest tells from when the chain was rewritten.
		bad := 0
		for _, r := range rs {
			if r.Status == audit.AnchorOK {
				continue
			}
			bad++
			what := "the chain now has hash " + r.Found + " there: events up to it were rewritten after the checkpoint was taken"
			if r.Status == audit.AnchorMissing {
				what = "the chain no longer reaches it: events were removed after the checkpoint was taken"
			}
			fmt.Fprintf(stdout, "checkpoint of %s (seq %d, hash %s) does not hold: %s\n", r.Day, r.Seq, r.Hash, what)
		}
		if bad > 0 {
			return exitError{code: 3, msg: fmt.Sprintf("%d of %d saved checkpoints do not hold (listed above)", bad, len(rs))}
		}
		fmt.Fprintf(stdout, "checkpoints OK: all %d saved checkpoints hold\n", len(rs))
	}
	if rep.StaleUnseal > 0 {
		// Not in the chain, so not covered by this verification: a change
		// to them before they are sealed would go unnoticed.
		return exitError{code: 4, msg: fmt.Sprintf("%d events older than a minute are not sealed, so not verified: start a server (its sealer seals them) and verify again", rep.StaleUnseal)}
	}
	return nil
}

// signupBatchCollector exports what became of the sign-up group commits
// sent in two round trips (trading.Service.SignupBatches).
func signupBatchCollector(t *trading.Service) prometheus.Collector {
	return signupBatches{t: t, desc: prometheus.NewDesc("trading_signup_batches_total",
		"Sign-up group commits sent in two round trips, by outcome: committed, refused (then written in five round trips), failed (likewise, logged).",
		[]string{"outcome"}, nil)}
}

type signupBatches struct {
	t    *trading.Service
	desc *prometheus.Desc
}

func (c signupBatches) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c signupBatches) Collect(ch chan<- prometheus.Metric) {
	committed, refused, failed := c.t.SignupBatches()
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(committed), "committed")
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(refused), "refused")
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(failed), "failed")
}

// auditChainCollector exports the latest walk of the audit chain and the
// events still unsealed after a minute, read from the database on each
// scrape (two indexed queries), so that an alert fires on a broken chain, a
// walk that stopped happening, or a sealer that stopped sealing.
func auditChainCollector(x *sqlx.DB, clk clock.Clock) prometheus.Collector {
	return auditChain{x: x, clk: clk,
		ok:     prometheus.NewDesc("trading_audit_chain_ok", "1 when the latest walk of the whole audit chain found it whole, 0 when broken (absent before the first walk).", nil, nil),
		at:     prometheus.NewDesc("trading_audit_chain_verified_timestamp_seconds", "When the latest walk of the audit chain finished (Unix time).", nil, nil),
		events: prometheus.NewDesc("trading_audit_chain_verified_events", "Events the latest walk of the audit chain checked.", nil, nil),
		stale:  prometheus.NewDesc("trading_audit_unsealed_stale_events", "Audit events committed more than a minute ago and not yet sealed into the chain.", nil, nil),
		up:     prometheus.NewDesc("trading_audit_chain_scrape_ok", "1 when the audit chain's state could be read for this scrape.", nil, nil)}
}

type auditChain struct {
	x                         *sqlx.DB
	clk                       clock.Clock
	ok, at, events, stale, up *prometheus.Desc
}

func (c auditChain) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.ok, c.at, c.events, c.stale, c.up} {
		ch <- d
	}
}

func (c auditChain) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	up := 1.0
	if v, err := audit.LatestVerification(ctx, c.x); err != nil {
		up = 0
	} else if v != nil {
		ok := 0.0
		if v.OK {
			ok = 1
		}
		ch <- prometheus.MustNewConstMetric(c.ok, prometheus.GaugeValue, ok)
		ch <- prometheus.MustNewConstMetric(c.at, prometheus.GaugeValue, float64(v.FinishedAt.UnixNano())/1e9)
		ch <- prometheus.MustNewConstMetric(c.events, prometheus.GaugeValue, float64(v.Events))
	}
	var stale int64
	if err := c.x.GetContext(ctx, &stale, `SELECT COUNT(*) FROM audit_events WHERE seq IS NULL AND occurred_at < ?`, c.clk.Now().Add(-time.Minute)); err != nil {
		up = 0
	} else {
		ch <- prometheus.MustNewConstMetric(c.stale, prometheus.GaugeValue, float64(stale))
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
}
