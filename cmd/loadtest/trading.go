package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/demo"
	"ggzy/expertpool"
	"ggzy/filestore"
	"ggzy/gctune"
	"ggzy/migrations"
	"ggzy/schedule"
	"ggzy/trading"
	"ggzy/vault"
	"ggzy/web"
)

func init() {
	scenarios["trading-signups"] = tradingSignups
	scenarios["trading-surge"] = tradingSurge
	scenarios["trading-portal"] = tradingPortal
	scenarios["trading-upload"] = tradingUpload
}

const ltPassword = "loadtest-password-1"

// tradingRig is an in-process server on 127.0.0.1 over a fresh database.
type tradingRig struct {
	x       *sqlx.DB
	ws      *web.Server
	base    string
	svc     *trading.Service
	acc     *accounts.Service
	files   string
	client  *http.Client
	cleanup []func()
	orgs    []int64 // bidder organisations created for the run
	tokens  []string
	private bool // the database is the private instance under ./var
}

func (r *tradingRig) close() {
	for i := len(r.cleanup) - 1; i >= 0; i-- {
		r.cleanup[i]()
	}
}

// newTradingRig starts the server with the real clock (or clk) and
// `bidders` extra bidder organisations, each with a logged-in API token.
func newTradingRig(ctx context.Context, bidders int, clk clock.Clock) (*tradingRig, error) {
	gctune.Apply() // the collector as `trading serve` sets it
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	varDir := os.Getenv("TRADING_VAR")
	if varDir == "" {
		varDir = filepath.Join(db.ModuleRoot(), "var")
	}
	srv, err := db.OpenServer(ctx, os.Getenv("TRADING_TEST_DSN"), varDir, log)
	if err != nil {
		return nil, err
	}
	r := &tradingRig{}
	r.cleanup = append(r.cleanup, srv.Close)
	r.private = srv.Local()
	var b [4]byte
	_, _ = crand.Read(b[:])
	name := "loadtest_trading_" + hex.EncodeToString(b[:])
	if err := srv.CreateDatabase(ctx, name); err != nil {
		r.close()
		return nil, err
	}
	r.cleanup = append(r.cleanup, func() { _ = srv.DropDatabase(context.Background(), name) })
	x, err := db.Open(ctx, srv.Config(name))
	if err != nil {
		r.close()
		return nil, err
	}
	r.x = x
	r.cleanup = append(r.cleanup, func() { x.Close() })
	if err := db.Migrate(ctx, x, migrations.FS, nil); err != nil {
		r.close()
		return nil, err
	}
	acc := accounts.New(x, clk)
	acc.Password = accounts.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}
	r.acc = acc
	cal := &calendar.Store{DB: x, Clock: clk}
	if _, err := cal.SeedIfEmpty(ctx); err != nil {
		r.close()
		return nil, err
	}
	if _, err := demo.Seed(ctx, acc, ltPassword); err != nil {
		r.close()
		return nil, err
	}
	v, err := vault.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		r.close()
		return nil, err
	}
	r.files, err = os.MkdirTemp("", "loadtest-files-")
	if err != nil {
		r.close()
		return nil, err
	}
	r.cleanup = append(r.cleanup, func() { os.RemoveAll(r.files) })
	r.svc = &trading.Service{DB: x, Clock: clk, Vault: v, Calendar: cal, Files: filestore.Local{Root: r.files}}
	// As `trading serve` wires it: the sign-up group commit in two round trips.
	mx, err := db.OpenMulti(ctx, srv.Config(name), 4)
	if err != nil {
		r.close()
		return nil, err
	}
	r.cleanup = append(r.cleanup, func() { mx.Close() })
	r.svc.Multi = mx
	ws, err := web.New(web.Config{BodyLimit: "2M"}, web.Deps{Accounts: acc, Calendar: cal, Audit: &audit.Reader{DB: x, Clock: clk}, Clock: clk, Log: log,
		Trading: r.svc, Experts: &expertpool.Service{DB: x, Clock: clk}, Schedule: &schedule.Service{DB: x, Clock: clk, Calendar: cal}, Vault: v,
		Ready: func(ctx context.Context) error { return x.PingContext(ctx) }})
	if err != nil {
		r.close()
		return nil, err
	}
	r.ws = ws
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		r.close()
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	go ws.Start(sctx, ln) //nolint:errcheck
	r.cleanup = append(r.cleanup, cancel)
	r.base = "http://" + ln.Addr().String()
	r.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2500, MaxConnsPerHost: 0, DisableCompression: true}, Timeout: 5 * time.Minute}

	sys := audit.WithActor(ctx, audit.System)
	for i := 0; i < bidders; i++ {
		prefix := fmt.Sprintf("91330100MA%07d", 5000+i)
		id, err := acc.CreateOrganisation(sys, accounts.OrgInput{Name: fmt.Sprintf("压测投标单位%03d有限公司", i), USCC: demo.USCC(prefix), Kind: accounts.OrgBidder})
		if err != nil {
			r.close()
			return nil, err
		}
		u := fmt.Sprintf("ltbidder%03d", i)
		if _, err := acc.CreateUser(sys, accounts.UserInput{Username: u, DisplayName: u, OrgID: id, Roles: []string{accounts.RoleBidder}, Password: ltPassword}); err != nil {
			r.close()
			return nil, err
		}
		tok, err := r.token(ctx, u)
		if err != nil {
			r.close()
			return nil, err
		}
		r.orgs = append(r.orgs, id)
		r.tokens = append(r.tokens, tok)
	}
	return r, nil
}

func (r *tradingRig) token(ctx context.Context, username string) (string, error) {
	var out struct{ Token string }
	code, err := r.do(ctx, "", "POST", "/api/v1/tokens", map[string]string{"username": username, "password": ltPassword}, &out)
	if err != nil || code != http.StatusCreated {
		return "", fmt.Errorf("token for %s: %d %v", username, code, err)
	}
	return out.Token, nil
}

// do sends a JSON request and decodes the answer into out.
func (r *tradingRig) do(ctx context.Context, token, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, err
		}
	} else if resp.StatusCode >= 500 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, nil
}

// publish registers, accepts and publishes an engineering project with
// `lots` lots and the given deadline (Beijing time text), returning the lot ids.
func (r *tradingRig) publish(ctx context.Context, title string, lots int, tl map[string]string) ([]int64, error) {
	ag, err := r.token(ctx, "agency")
	if err != nil {
		return nil, err
	}
	st, err := r.token(ctx, "staff")
	if err != nil {
		return nil, err
	}
	// The deadline (the opening) must fall on a working day: moved to the
	// next one, with the sign-up end a minute before it.
	cal, err := r.svc.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	if d, err := time.ParseInLocation("2006-01-02 15:04", tl["deadline"], clock.Shanghai); err == nil {
		for !cal.IsWorkingDay(calendar.DateOf(d, clock.Shanghai)) {
			d = d.AddDate(0, 0, 1)
		}
		tl["deadline"], tl["signup_until"] = d.Format("2006-01-02 15:04"), d.Add(-time.Minute).Format("2006-01-02 15:04")
	}
	var ls []map[string]string
	for i := 0; i < lots; i++ {
		ls = append(ls, map[string]string{"name": fmt.Sprintf("第%d标段", i+1), "price": "1,000,000", "estimate": "1,000,000", "deposit": "20,000"})
	}
	var p trading.Project
	body := map[string]any{"kind": "engineering", "method": "open", "title": title, "owner_name": "压测招标人", "place": "第一开标室",
		"details":  map[string]string{"site": "示范市", "funding": "财政资金", "approval_no": "压测〔2026〕1号"},
		"timeline": tl, "lots": ls}
	if code, err := r.do(ctx, ag, "POST", "/api/v1/projects", body, &p); code != http.StatusCreated {
		return nil, fmt.Errorf("create project: %d %v", code, err)
	}
	if code, err := r.do(ctx, ag, "POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil, nil); code != http.StatusOK {
		return nil, fmt.Errorf("submit: %d %v", code, err)
	}
	if code, err := r.do(ctx, st, "POST", fmt.Sprintf("/api/v1/projects/%d/review", p.ID), map[string]bool{"accept": true}, nil); code != http.StatusOK {
		return nil, fmt.Errorf("accept: %d %v", code, err)
	}
	var res struct{ Project trading.Project }
	if code, err := r.do(ctx, ag, "POST", fmt.Sprintf("/api/v1/projects/%d/publish", p.ID), map[string]any{}, &res); code != http.StatusOK {
		return nil, fmt.Errorf("publish: %d %v", code, err)
	}
	var ids []int64
	for _, l := range res.Project.Lots {
		ids = append(ids, l.ID)
	}
	return ids, nil
}

// farTimeline is a valid timeline for a project published today (real clock).
func farTimeline(now time.Time, deadline time.Time) map[string]string {
	f := func(t time.Time) string { return t.In(clock.Shanghai).Format("2006-01-02 15:04") }
	return map[string]string{"docs_from": f(now.Add(time.Hour)), "docs_until": f(now.Add(8 * 24 * time.Hour)),
		"signup_until": f(deadline.Add(-time.Minute)), "deadline": f(deadline)}
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d)-1) * p)
	return d[i]
}

func machine() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s, %d CPU, %s/%s, %s", host, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// tradingSignups: sign-ups per second and p99 at `clients` concurrent
// clients (each its own bidder organisation, signing up for every lot of
// freshly published projects), next to the raw single-row INSERT rate of
// the same database at the same concurrency and count, in interleaved
// rounds of the same run (the machine may be shared). A third phase, for
// reference only, runs the database writes of a sign-up alone (its
// transaction: BEGIN, the sign-up row, the audit event, COMMIT, into copies
// of the two tables) without HTTP, authentication or sealing.
func tradingSignups(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("trading-signups", flag.ContinueOnError)
	clients := fs.Int("clients", 64, "concurrent clients (one bidder organisation each)")
	lots := fs.Int("lots", 100, "lots each client signs up for per round (50 per project)")
	rounds := fs.Int("rounds", 3, "interleaved rounds (raw INSERTs, sign-ups, the sign-up transaction alone)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the first round's HTTP sign-ups (only them) to this file")
	memprofile := fs.String("memprofile", "", "write the allocations of the first round's HTTP sign-ups (only them) to this file")
	batch := fs.Int("batch", 0, "sign-ups per group commit at most (0: the service's default)")
	flushers := fs.Int("flushers", 0, "group commits in flight at once (0: the service's default)")
	durable := fs.Bool("durable", false, "run the whole load run with innodb_flush_log_at_trx_commit = 1 (every commit written and flushed to disk, as a production server runs) instead of the private instance's 2, restored at the end; only on the private instance (it is a global setting)")
	five := fs.Bool("five", false, "write each group commit in five round trips (BEGIN, SELECT, INSERT, INSERT, COMMIT), as before session 4, instead of two on the multi-statement pool")
	clientKind := fs.String("client", "lean", "HTTP client of the load: lean (one keep-alive connection per client, no goroutines, see leanclient.go), std (Go's net/http client) or wrk (Debian's wrk in its own process, see wrkclient.go)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	clk := clock.Real{}
	r, err := newTradingRig(ctx, *clients, clk)
	if err != nil {
		return err
	}
	defer r.close()
	r.svc.SignupBatch, r.svc.SignupFlushers = *batch, *flushers
	if *five {
		r.svc.Multi = nil
	}
	if *durable && !r.private {
		return fmt.Errorf("-durable changes a global server setting: only on the private instance, not on TRADING_TEST_DSN")
	}
	if *durable {
		var was int
		if err := r.x.GetContext(ctx, &was, `SELECT @@GLOBAL.innodb_flush_log_at_trx_commit`); err != nil {
			return err
		}
		if _, err := r.x.ExecContext(ctx, `SET GLOBAL innodb_flush_log_at_trx_commit = 1`); err != nil {
			return fmt.Errorf("-durable: %w", err)
		}
		defer r.x.ExecContext(context.Background(), `SET GLOBAL innodb_flush_log_at_trx_commit = `+strconv.Itoa(was)) //nolint:errcheck // best effort
	}
	var flushSetting string
	if err := r.x.GetContext(ctx, &flushSetting, `SELECT CONCAT(@@GLOBAL.innodb_flush_log_at_trx_commit, IF(@@GLOBAL.innodb_flush_log_at_trx_commit = 1, ' (every commit flushed to disk)', ' (commits flushed about once a second)'))`); err != nil {
		return err
	}
	for _, q := range []string{
		`CREATE TABLE lt_raw (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, lot_id BIGINT NOT NULL, org_id BIGINT NOT NULL,
		created_at DATETIME(6) NOT NULL, UNIQUE KEY uq (lot_id, org_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		`CREATE TABLE lt_signups LIKE trading_signups`,
		`CREATE TABLE lt_audit LIKE audit_events`,
	} {
		if _, err := r.x.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	// The profile covers the first round's sign-ups only: the raw INSERTs
	// and the transaction alone would hide what a sign-up costs.
	var profile *os.File
	if *cpuprofile != "" {
		profile, err = os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer profile.Close()
	}
	if *clientKind != "lean" && *clientKind != "std" && *clientKind != "wrk" {
		return fmt.Errorf("-client: lean, std or wrk, not %q", *clientKind)
	}
	arr := &arrivals{}
	if *clientKind == "wrk" {
		if _, err := exec.LookPath("wrk"); err != nil {
			return fmt.Errorf("-client wrk needs wrk: apt-get install wrk")
		}
		r.ws.Echo.Use(arr.middleware)

	}
	lean := make([]*leanConn, *clients)
	for c := range lean {
		lean[c] = newLeanConn(r.base)
		defer lean[c].close()
	}
	// The floor of any sign-up over HTTP on this machine: a bare Echo
	// server (no middleware, no database) that reads the same request and
	// answers 201 with an answer of a sign-up's size, from the same lean
	// clients. Its Go CPU per request is what no sign-up can go below.
	bare := echo.New()
	bare.HideBanner, bare.HidePort = true, true
	bareAnswer := []byte(`{"id":1234567890123,"lot_id":1234,"project_id":567,"code":"GC-2026-0001","title":"报名压测项目0-0","lot_name":"第1标段","lot_status":"open","deadline":"2026-12-31T10:00:00+08:00","deposit_due":"0.00","signed_up_at":"2026-11-22T18:00:00.123456+08:00","receipts":[]}`)
	bare.POST("/api/v1/signups", func(c echo.Context) error {
		var req struct {
			LotID    int64  `json:"lot_id"`
			Declared []bool `json:"declared"`
		}
		if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil || req.LotID <= 0 {
			return c.NoContent(http.StatusBadRequest)
		}
		return c.JSONBlob(http.StatusCreated, bareAnswer)
	})
	bareLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	bareSrv := &http.Server{Handler: bare}
	go bareSrv.Serve(bareLn) //nolint:errcheck
	defer bareSrv.Close()
	bareLean := make([]*leanConn, *clients)
	for c := range bareLean {
		bareLean[c] = newLeanConn("http://" + bareLn.Addr().String())
		defer bareLean[c].close()
	}
	way := "two round trips per group commit"
	if r.svc.Multi == nil {
		way = "five round trips per group commit"
	}
	fmt.Printf("trading-signups  %s  %s  (load client: %s; %s; innodb_flush_log_at_trx_commit %s)\n", time.Now().UTC().Format("2006-01-02"), machine(), *clientKind, way, flushSetting)
	stats0 := r.x.Stats()
	dbPid := serverPid(ctx, r.x)

	// phase runs op for every client and lot, clients concurrently, and
	// returns its wall time, latencies and CPU per operation (Go, MariaDB).
	type result struct {
		dur          time.Duration
		lat          []time.Duration
		goCPU, dbCPU time.Duration // per operation
		statements   float64       // statements the database ran per operation
		allocs       float64       // Go heap allocations per operation (server and load client together)
		busy         float64       // share of the machine's CPU time that was not idle
		clientCPU    time.Duration // per operation, of a load client in its own process (wrk)
		p50, p99     time.Duration
		max          time.Duration
	}
	// measure runs drive (which returns the phase's duration, and its
	// latencies or, from wrk, its percentiles and own CPU) and adds what
	// the phase cost per operation.
	measure := func(n int, drive func() (result, error)) (result, error) {
		st0 := dbStatus(ctx, r.x)
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		goCPU0, dbCPU0 := processCPU(0), processCPU(dbPid)
		busy0, all0 := machineCPU()
		res, err := drive()
		nd := time.Duration(n)
		res.goCPU, res.dbCPU = (processCPU(0)-goCPU0)/nd, (processCPU(dbPid)-dbCPU0)/nd
		res.clientCPU /= nd
		if busy1, all1 := machineCPU(); all1 > all0 {
			res.busy = float64(busy1-busy0) / float64(all1-all0)
		}
		runtime.ReadMemStats(&ms1)
		res.allocs = float64(ms1.Mallocs-ms0.Mallocs) / float64(n)
		st1 := dbStatus(ctx, r.x)
		// Less the two SHOW STATUS of the measurement.
		res.statements = float64(st1["Questions"]-st0["Questions"]-1) / float64(n)
		if res.lat != nil {
			res.p50, res.p99, res.max = percentile(res.lat, 0.5), percentile(res.lat, 0.99), percentile(res.lat, 1)
		}
		return res, err
	}
	// phase runs op for every client and lot, clients concurrently.
	phase := func(lotIDs []int64, op func(c int, lot int64) error) (result, error) {
		return measure(*clients*len(lotIDs), func() (result, error) {
			lat := make([][]time.Duration, *clients)
			var wg sync.WaitGroup
			var firstErr atomic.Value
			start := time.Now()
			for c := 0; c < *clients; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for _, l := range lotIDs {
						t0 := time.Now()
						err := op(c, l)
						lat[c] = append(lat[c], time.Since(t0))
						if err != nil {
							firstErr.CompareAndSwap(nil, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			res := result{dur: time.Since(start), lat: []time.Duration{}}
			for _, l := range lat {
				res.lat = append(res.lat, l...)
			}
			if e, ok := firstErr.Load().(error); ok {
				return res, e
			}
			return res, nil
		})
	}

	// Warm-up, not measured: the first round would otherwise pay for
	// opening the database pool's connections and warming the server in
	// its raw INSERTs, and for the server's first reads (lots, sessions)
	// in its sign-ups.
	{
		now := clk.Now()
		lotIDs, err := r.publish(ctx, "报名压测预热项目", 5, farTimeline(now, now.Add(40*24*time.Hour)))
		if err != nil {
			return err
		}
		// The raw INSERTs speed up over their first few thousand
		// statements (a cold first round measured them 25 % slower, which
		// flattered its sign-ups): a round's worth of them first.
		for i := 0; i < max(1, *lots/len(lotIDs)); i++ {
			if _, err := phase(lotIDs, func(c int, l int64) error {
				_, err := r.x.ExecContext(ctx, `INSERT INTO lt_raw (lot_id, org_id, created_at) VALUES (?, ?, ?)`, -l-int64(i)*1000000, c, time.Now().UTC())
				return err
			}); err != nil {
				return err
			}
		}
		if _, err := phase(lotIDs, func(c int, l int64) error {
			code, body, err := lean[c].do("POST", "/api/v1/signups", r.tokens[c], fmt.Appendf(nil, `{"lot_id":%d,"declared":[]}`, l))
			if code != http.StatusCreated {
				return fmt.Errorf("warm-up sign-up: %d %v %s", code, err, body)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	warm := *clients * 5

	var rawRates, rates, txRates, floorRates, ceilings []float64
	var all, suP99 []time.Duration
	total := 0
	for round := 0; round < *rounds; round++ {
		now := clk.Now()
		var lotIDs []int64
		for len(lotIDs) < *lots {
			n := min(50, *lots-len(lotIDs))
			ids, err := r.publish(ctx, fmt.Sprintf("报名压测项目%d-%d", round, len(lotIDs)), n, farTimeline(now, now.Add(40*24*time.Hour)))
			if err != nil {
				return err
			}
			lotIDs = append(lotIDs, ids...)
		}
		n := *clients * len(lotIDs)
		total += n

		// Raw single-row INSERTs: same count, same concurrency, autocommit.
		raw, err := phase(lotIDs, func(c int, l int64) error {
			_, err := r.x.ExecContext(ctx, `INSERT INTO lt_raw (lot_id, org_id, created_at) VALUES (?, ?, ?)`, l, c, time.Now().UTC())
			return err
		})
		if err != nil {
			return err
		}

		// Sign-ups through HTTP.
		if profile != nil && round == 0 {
			if err := pprof.StartCPUProfile(profile); err != nil {
				return err
			}
		}
		var allocs0 bytes.Buffer
		if *memprofile != "" && round == 0 {
			runtime.MemProfileRate = 512
			runtime.GC()
			if err := pprof.Lookup("allocs").WriteTo(&allocs0, 0); err != nil {
				return err
			}
		}
		var su result
		c0, r0, f0 := r.svc.SignupBatches()
		if *clientKind == "wrk" {
			su, err = measure(n, func() (result, error) {
				w, err := runWrk(ctx, r.base, *clients, r.tokens, lotIDs, arr)
				return result{dur: w.dur, p50: w.p50, p99: w.p99, max: w.max, clientCPU: w.cpu}, err
			})
		} else {
			su, err = phase(lotIDs, func(c int, l int64) error {
				if *clientKind == "std" {
					code, err := r.do(ctx, r.tokens[c], "POST", "/api/v1/signups", map[string]any{"lot_id": l, "declared": []bool{}}, nil)
					if code != http.StatusCreated {
						return fmt.Errorf("sign-up: %d %v", code, err)
					}
					return nil
				}
				code, body, err := lean[c].do("POST", "/api/v1/signups", r.tokens[c], fmt.Appendf(nil, `{"lot_id":%d,"declared":[]}`, l))
				if code != http.StatusCreated {
					return fmt.Errorf("sign-up: %d %v %s", code, err, body)
				}
				return nil
			})
		}
		if profile != nil && round == 0 {
			pprof.StopCPUProfile()
		}
		c1, r1, f1 := r.svc.SignupBatches()
		if *memprofile != "" && round == 0 {
			// Both snapshots: `go tool pprof -base <file>.before <file>`.
			runtime.GC()
			if err := os.WriteFile(*memprofile+".before", allocs0.Bytes(), 0o644); err != nil {
				return err
			}
			f, err := os.Create(*memprofile)
			if err != nil {
				return err
			}
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
			if err != nil {
				return err
			}
			runtime.MemProfileRate = 512 * 1024
		}
		if err != nil {
			return err
		}

		// The sign-up's transaction alone, with rows of the sizes just written.
		var sizes struct {
			Sealed  int `db:"sealed"`
			Summary int `db:"summary"`
		}
		if err := r.x.GetContext(ctx, &sizes, `SELECT (SELECT CAST(AVG(LENGTH(sealed)) AS SIGNED) FROM trading_signups) AS sealed,
			(SELECT CAST(AVG(LENGTH(summary)) AS SIGNED) FROM audit_events WHERE action = 'trading.sealed') AS summary`); err != nil {
			return err
		}
		sealed := bytes.Repeat([]byte{0xa5}, sizes.Sealed)
		summary := `{"sealed":"` + strings.Repeat("A", max(sizes.Summary-13, 0)) + `"}`
		tx, err := phase(lotIDs, func(c int, l int64) error {
			id := fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprint(round, c, l))))
			return db.Transact(ctx, r.x, nil, func(tx *sqlx.Tx) error {
				now := time.Now().UTC()
				if _, err := tx.ExecContext(ctx, `INSERT INTO lt_signups (id, lot_id, project_id, org_blind, owner_blind, sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
					(int64(round)<<40)|(int64(c)<<24)|l, l, 1, id, id, sealed, now); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO lt_audit (occurred_at, actor_user_id, actor, role, org_id, ip, action, object_type, object_id, project_id, summary)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, now, nil, "sealed", "sealed", nil, "", "trading.sealed", "sealed", id[:24], nil, summary)
				return err
			})
		})
		if err != nil {
			return err
		}

		// The bare Echo floor, same clients and count.
		floor, err := phase(lotIDs, func(c int, l int64) error {
			code, body, err := bareLean[c].do("POST", "/api/v1/signups", r.tokens[c], fmt.Appendf(nil, `{"lot_id":%d,"declared":[]}`, l))
			if code != http.StatusCreated {
				return fmt.Errorf("bare sign-up: %d %v %s", code, err, body)
			}
			return nil
		})
		if err != nil {
			return err
		}

		all = append(all, su.lat...)
		suP99 = append(suP99, su.p99)
		rate := func(res result) float64 { return float64(n) / res.dur.Seconds() }
		rawRates, rates, txRates = append(rawRates, rate(raw)), append(rates, rate(su)), append(txRates, rate(tx))
		fmt.Printf("round %d: raw INSERT %6.0f rows/s; sign-ups %5.0f /s (%.0f%% of raw), p50 %s p99 %s; sign-up transaction alone %5.0f /s\n",
			round+1, rate(raw), rate(su), 100*rate(su)/rate(raw), su.p50.Round(100*time.Microsecond), su.p99.Round(100*time.Microsecond), rate(tx))
		us := func(d time.Duration) string { return fmt.Sprintf("%4d µs", d.Microseconds()) }
		wrkCPU := ""
		if *clientKind == "wrk" {
			wrkCPU = " + wrk " + us(su.clientCPU)
		}
		fmt.Printf("         CPU per operation (Go + MariaDB): raw INSERT %s + %s; sign-up %s + %s%s; transaction alone %s + %s\n",
			us(raw.goCPU), us(raw.dbCPU), us(su.goCPU), us(su.dbCPU), wrkCPU, us(tx.goCPU), us(tx.dbCPU))
		// At equal use of the cores a rate goes as 1 / (CPU per operation):
		// a sign-up costing only the bare request's Go CPU and its own
		// MariaDB CPU would reach this share of the raw INSERT rate.
		ceiling := float64(raw.goCPU+raw.dbCPU) / float64(floor.goCPU+su.dbCPU)
		floorRates = append(floorRates, rate(floor))
		ceilings = append(ceilings, ceiling)
		fmt.Printf("         bare Echo POST (no middleware, no database) %5.0f /s, Go CPU %s per request; a sign-up with only that Go CPU and its own MariaDB CPU: at most %.0f%% of raw\n",
			rate(floor), us(floor.goCPU), 100*ceiling)
		fmt.Printf("         statements per operation: raw INSERT %.2f; sign-up %.2f; transaction alone %.2f\n",
			raw.statements, su.statements, tx.statements)
		fmt.Printf("         Go allocations per operation: raw INSERT %.0f; sign-up %.0f; transaction alone %.0f\n", raw.allocs, su.allocs, tx.allocs)
		fmt.Printf("         machine busy (all processes): raw INSERT %.0f%%; sign-ups %.0f%%; transaction alone %.0f%%\n", 100*raw.busy, 100*su.busy, 100*tx.busy)
		if !*five {
			fmt.Printf("         sign-up group commits in two round trips: %d committed, %d refused, %d failed (refused and failed ones took five)\n", c1-c0, r1-r0, f1-f0)
		}
	}
	var rows int
	if err := r.x.GetContext(ctx, &rows, `SELECT COUNT(*) FROM trading_signups`); err != nil {
		return err
	}
	median := func(v []float64) float64 { c := slices.Clone(v); slices.Sort(c); return c[len(c)/2] }
	fmt.Printf("clients %d, lots %d per round, %d rounds: sign-ups %d (rows %d, %d of them from the warm-up)\n", *clients, *lots, *rounds, total, rows, warm)
	latencies := fmt.Sprintf("all sign-ups p50 %s p99 %s max %s", percentile(all, 0.5).Round(100*time.Microsecond),
		percentile(all, 0.99).Round(100*time.Microsecond), percentile(all, 1).Round(100*time.Microsecond))
	if *clientKind == "wrk" { // wrk gives each round's percentiles, not the latencies
		latencies = fmt.Sprintf("highest round p99 %s", slices.Max(suP99).Round(100*time.Microsecond))
	}
	fmt.Printf("median: raw INSERT %.0f rows/s; sign-ups %.0f /s = %.0f%% of raw; %s; transaction alone %.0f /s = %.0f%% of raw\n",
		median(rawRates), median(rates), 100*median(rates)/median(rawRates), latencies,
		median(txRates), 100*median(txRates)/median(rawRates))
	fmt.Printf("median: bare Echo POST %.0f /s; ceiling of a sign-up (bare request's Go CPU + the sign-up's MariaDB CPU) %.0f%% of raw\n",
		median(floorRates), 100*median(ceilings))
	st := r.x.Stats()
	fmt.Printf("database pool (server and load share it): max open %d, connections opened %d, closed as surplus idle %d, waits %d (%s)\n",
		st.MaxOpenConnections, st.OpenConnections-stats0.OpenConnections+int(st.MaxIdleClosed-stats0.MaxIdleClosed+st.MaxIdleTimeClosed-stats0.MaxIdleTimeClosed+st.MaxLifetimeClosed-stats0.MaxLifetimeClosed),
		st.MaxIdleClosed-stats0.MaxIdleClosed, st.WaitCount-stats0.WaitCount, (st.WaitDuration - stats0.WaitDuration).Round(time.Millisecond))
	if rows != total+warm {
		return fmt.Errorf("expected %d sign-ups (%d of them in the warm-up), have %d rows", total+warm, warm, rows)
	}
	return nil
}

// patternReader yields n bytes of a repeated random block, unique per
// stream (the first 16 bytes are the stream's id).
type patternReader struct {
	block []byte
	id    []byte
	n     int64
	off   int64
}

func newPattern(block []byte, id string, n int64) *patternReader {
	return &patternReader{block: block, id: []byte(id), n: n}
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if rest := p.n - p.off; int64(len(b)) > rest {
		b = b[:rest]
	}
	k := 0
	for k < len(b) && p.off < int64(len(p.id)) {
		b[k] = p.id[p.off]
		k++
		p.off++
	}
	for k < len(b) {
		c := copy(b[k:], p.block[p.off%int64(len(p.block)):])
		k += c
		p.off += int64(c)
	}
	return k, nil
}

// upload streams a multipart upload of body to path.
func (r *tradingRig) upload(ctx context.Context, token, path, name string, body io.Reader) (int, []byte, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("file", name)
		if err == nil {
			_, err = io.Copy(fw, body)
		}
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(mw.Close())
	}()
	req, err := http.NewRequestWithContext(ctx, "POST", r.base+path, pr)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// tradingSurge: `n` uploads of `size` bytes by `clients` concurrent clients,
// started evenly over a window whose middle is the deadline, on the real
// clock; the schedule engine's CloseSubmissions runs at the deadline. It
// checks that no upload was accepted at or after the deadline, that every
// accepted upload has exactly one record and one stored file, and that a
// refused upload left nothing.
func tradingSurge(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("trading-surge", flag.ContinueOnError)
	n := fs.Int("n", 2000, "uploads")
	clients := fs.Int("clients", 2000, "concurrent clients")
	orgs := fs.Int("orgs", 50, "bidder organisations the clients act for (several files each)")
	size := fs.Int64("size", 1<<20, "bytes per upload")
	window := fs.Duration("window", 20*time.Second, "uploads start evenly over this window; the deadline is in its middle")
	slots := fs.Int("slots", 0, "the service's UploadSlots (0: its default)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the surge to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	clk := clock.Real{}
	r, err := newTradingRig(ctx, *orgs, clk)
	if err != nil {
		return err
	}
	defer r.close()
	now := clk.Now()
	// The announced deadline is far; the surge's deadline is set below.
	r.svc.UploadSlots = *slots
	lots, err := r.publish(ctx, "递交截止压测项目", 1, farTimeline(now, now.Add(40*24*time.Hour)))
	if err != nil {
		return err
	}
	lot := lots[0]
	for i, tok := range r.tokens {
		if code, err := r.do(ctx, tok, "POST", "/api/v1/signups", map[string]any{"lot_id": lot, "declared": []bool{}}, nil); code != http.StatusCreated {
			return fmt.Errorf("sign-up %d: %d %v", i, code, err)
		}
	}
	start := time.Now().Add(2 * time.Second)
	deadline := start.Add(*window / 2).UTC().Truncate(time.Microsecond)
	if _, err := r.x.ExecContext(ctx, `UPDATE trading_projects p JOIN trading_lots l ON l.project_id = p.id SET p.deadline = ?, p.signup_until = ? WHERE l.id = ?`,
		deadline, deadline.Add(-time.Second), lot); err != nil {
		return err
	}
	block := make([]byte, 1<<16)
	_, _ = crand.Read(block)
	type result struct {
		code     int
		sha      string
		received time.Time
		started  time.Time
		took     time.Duration
	}
	results := make([]result, *n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, *clients)
	var closeErr error
	var closeOnce sync.WaitGroup
	closeOnce.Add(1)
	go func() { // the schedule engine's call at the deadline
		defer closeOnce.Done()
		time.Sleep(time.Until(deadline))
		closeErr = r.svc.CloseSubmissions(ctx, lot)
	}()
	var heapPeak atomic.Uint64
	stopSampler := sampleHeap(&heapPeak)
	t0 := time.Now()
	for i := 0; i < *n; i++ {
		at := start.Add(time.Duration(int64(*window) * int64(i) / int64(*n)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(at))
			sem <- struct{}{}
			defer func() { <-sem }()
			res := result{started: time.Now()}
			defer func() { results[i].took = time.Since(res.started) }()
			code, body, err := r.upload(ctx, r.tokens[i%len(r.tokens)], fmt.Sprintf("/api/v1/bids/lots/%d/files", lot), fmt.Sprintf("bid-%d.bin", i),
				newPattern(block, fmt.Sprintf("upload-%012d", i), *size))
			res.code = code
			if err != nil {
				res.code = -1
			}
			if code == http.StatusCreated {
				var rec trading.Receipt
				_ = json.Unmarshal(body, &rec)
				res.sha, res.received = rec.SHA256, rec.ReceivedAt
			}
			results[i] = res
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	stopSampler()
	closeOnce.Wait()
	if closeErr != nil {
		return closeErr
	}
	var accepted, refused, other, late int
	shas := map[string]int{}
	for _, res := range results {
		switch res.code {
		case http.StatusCreated:
			accepted++
			shas[res.sha]++
			if !res.received.Before(deadline) {
				late++
			}
		case http.StatusConflict:
			refused++
		default:
			other++
		}
	}
	var rows, lateRows, distinctObj int
	r.x.GetContext(ctx, &rows, `SELECT COUNT(*) FROM trading_bid_files WHERE lot_id = ?`, lot)
	r.x.GetContext(ctx, &lateRows, `SELECT COUNT(*) FROM trading_bid_files WHERE lot_id = ? AND created_at >= ?`, lot, deadline)
	r.x.GetContext(ctx, &distinctObj, `SELECT COUNT(DISTINCT object) FROM trading_bid_files WHERE lot_id = ?`, lot)
	stored := 0
	filepath.WalkDir(r.files, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			stored++
		}
		return nil
	})
	dups := 0
	for _, c := range shas {
		if c > 1 {
			dups += c - 1
		}
	}
	fmt.Printf("trading-surge  %s  %s\n", time.Now().UTC().Format("2006-01-02"), machine())
	fmt.Printf("uploads %d × %d bytes, %d concurrent clients for %d organisations, window %s, deadline in its middle; took %s\n",
		*n, *size, *clients, len(r.tokens), *window, elapsed.Round(time.Millisecond))
	fmt.Printf("accepted %d, refused at/after the deadline %d, other %d\n", accepted, refused, other)
	fmt.Printf("late accepted (receipt ≥ deadline) %d, late rows %d; rows %d, distinct stored objects %d, files in the store %d, duplicate receipts %d\n",
		late, lateRows, rows, distinctObj, stored, dups)
	fmt.Printf("server+client heap peak %.1f MiB\n", float64(heapPeak.Load())/(1<<20))
	var before []time.Duration
	for _, res := range results {
		if res.started.Before(deadline) {
			before = append(before, res.took)
		}
	}
	fmt.Printf("uploads started before the deadline %d: time to answer p50 %s p90 %s max %s\n", len(before),
		percentile(before, 0.5).Round(time.Millisecond), percentile(before, 0.9).Round(time.Millisecond), percentile(before, 1).Round(time.Millisecond))
	lost := accepted - rows
	if late != 0 || lateRows != 0 || lost != 0 || dups != 0 || distinctObj != rows || stored != rows || other != 0 {
		return fmt.Errorf("surge invariant broken: late %d, late rows %d, lost %d, duplicates %d, objects %d, files %d, other %d", late, lateRows, lost, dups, distinctObj, stored, other)
	}
	fmt.Println("0 accepted late, 0 lost, 0 duplicated, 0 orphan files")
	return nil
}

// sampleHeap records the peak of HeapInuse+StackInuse until stopped.
func sampleHeap(peak *atomic.Uint64) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if v := m.HeapInuse + m.StackInuse; v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// tradingPortal: requests per second of the public announcement list page
// (GET /announcements with a text search and without), next to a bare Echo
// handler on the same machine in the same run, at `clients` keep-alive clients.
func tradingPortal(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("trading-portal", flag.ContinueOnError)
	clients := fs.Int("clients", 64, "concurrent keep-alive clients")
	requests := fs.Int("n", 20000, "requests per measurement")
	rounds := fs.Int("rounds", 3, "interleaved rounds (bare, page, search, API) per measurement")
	projects := fs.Int("projects", 300, "published projects in the list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	clk := clock.Real{}
	r, err := newTradingRig(ctx, 0, clk)
	if err != nil {
		return err
	}
	defer r.close()
	now := clk.Now()
	for i := 0; i < *projects; i++ {
		if _, err := r.publish(ctx, fmt.Sprintf("示范市第%d号道路改造工程", i), 1, farTimeline(now, now.Add(40*24*time.Hour))); err != nil {
			return err
		}
	}
	bare := echo.New()
	bare.HideBanner, bare.HidePort = true, true
	bare.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	bsrv := &http.Server{Handler: bare}
	go bsrv.Serve(ln) //nolint:errcheck
	defer bsrv.Close()

	run := func(url string) (float64, time.Duration, error) {
		var next atomic.Int64
		lat := make([][]time.Duration, *clients)
		var firstErr atomic.Value
		var wg sync.WaitGroup
		t0 := time.Now()
		for c := 0; c < *clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(*requests) {
					s := time.Now()
					resp, err := r.client.Get(url)
					if err != nil {
						firstErr.Store(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						firstErr.Store(fmt.Errorf("GET %s: %d", url, resp.StatusCode))
						return
					}
					lat[c] = append(lat[c], time.Since(s))
				}
			}()
		}
		wg.Wait()
		d := time.Since(t0)
		if e, ok := firstErr.Load().(error); ok {
			return 0, 0, e
		}
		var all []time.Duration
		for _, l := range lat {
			all = append(all, l...)
		}
		return float64(*requests) / d.Seconds(), percentile(all, 0.99), nil
	}
	fmt.Printf("trading-portal  %s  %s\n", time.Now().UTC().Format("2006-01-02"), machine())
	fmt.Printf("%d published projects, %d keep-alive clients, %d requests per measurement, %d interleaved rounds\n", *projects, *clients, *requests, *rounds)
	urls := []string{"http://" + ln.Addr().String() + "/", r.base + "/announcements",
		r.base + "/announcements?kind=engineering&status=open&q=" + url.QueryEscape("道路改造"), r.base + "/api/v1/announcements"}
	names := []string{"bare Echo handler", "/announcements", "/announcements?kind=…&status=open&q=道路改造", "/api/v1/announcements"}
	rates := make([][]float64, len(urls))
	p99s := make([][]time.Duration, len(urls))
	for round := 0; round < *rounds; round++ {
		// Interleaved, so that the other load on a shared machine hits
		// every URL alike.
		for i, u := range urls {
			rate, p99, err := run(u)
			if err != nil {
				return err
			}
			rates[i] = append(rates[i], rate)
			p99s[i] = append(p99s[i], p99)
		}
	}
	median := func(v []float64) float64 { c := slices.Clone(v); slices.Sort(c); return c[len(c)/2] }
	bareMed := median(rates[0])
	for i := range urls {
		fmt.Printf("%-44s median %7.0f req/s (rounds %s)  p99 median %s  %.0f%% of bare\n", names[i], median(rates[i]), fmtRates(rates[i]),
			percentile(p99s[i], 0.5).Round(10*time.Microsecond), 100*median(rates[i])/bareMed)
	}
	return nil
}

// processCPU is the user+system CPU time used so far by process pid (0: this
// process), read from /proc; 0 when it cannot be read (not Linux, remote
// database server).
func processCPU(pid int) time.Duration {
	if pid == 0 {
		pid = os.Getpid()
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th of them, in clock ticks (100 Hz on Linux).
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// serverPid is the database server's process id when it runs on this
// machine (its pid file is readable), else 0.
// machineCPU returns the machine's busy and total CPU time so far, in clock
// ticks, from the first line of /proc/stat (idle and iowait count as idle).
func machineCPU() (busy, total int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:] {
		var n int64
		fmt.Sscan(v, &n)
		// user nice system idle iowait irq softirq steal (guest time is in user)
		if i >= 8 {
			break
		}
		total += n
		if i != 3 && i != 4 {
			busy += n
		}
	}
	return busy, total
}

// dbStatus reads the server's global status counters.
func dbStatus(ctx context.Context, x *sqlx.DB) map[string]int64 {
	rows, err := x.QueryContext(ctx, `SHOW GLOBAL STATUS WHERE Variable_name = 'Questions'`)
	if err != nil {
		return map[string]int64{}
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var k string
		var v int64
		if rows.Scan(&k, &v) == nil {
			m[k] = v
		}
	}
	return m
}

func serverPid(ctx context.Context, x *sqlx.DB) int {
	var file string
	if err := x.GetContext(ctx, &file, `SELECT @@pid_file`); err != nil {
		return -1
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return -1
	}
	var pid int
	if _, err := fmt.Sscan(string(b), &pid); err != nil || pid <= 0 {
		return -1
	}
	return pid
}

func fmtRates(v []float64) string {
	var parts []string
	for _, x := range v {
		parts = append(parts, fmt.Sprintf("%.0f", x))
	}
	return strings.Join(parts, ", ")
}

// tradingUpload: one upload of `size` bytes through loopback HTTP into the
// sealed file store; MB/s and the process's peak heap, next to a small
// upload's peak (memory must not grow with the file size).
func tradingUpload(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("trading-upload", flag.ContinueOnError)
	size := fs.Int64("size", 200<<20, "bytes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	clk := clock.Real{}
	r, err := newTradingRig(ctx, 1, clk)
	if err != nil {
		return err
	}
	defer r.close()
	now := clk.Now()
	lots, err := r.publish(ctx, "大文件上传压测项目", 1, farTimeline(now, now.Add(40*24*time.Hour)))
	if err != nil {
		return err
	}
	if code, err := r.do(ctx, r.tokens[0], "POST", "/api/v1/signups", map[string]any{"lot_id": lots[0], "declared": []bool{}}, nil); code != http.StatusCreated {
		return fmt.Errorf("sign-up: %d %v", code, err)
	}
	block := make([]byte, 1<<16)
	_, _ = crand.Read(block)
	fmt.Printf("trading-upload  %s  %s\n", time.Now().UTC().Format("2006-01-02"), machine())
	for _, sz := range []int64{*size / 10, *size / 4, *size / 2, *size} {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		stop := sampleHeap(&peak)
		t0 := time.Now()
		code, body, err := r.upload(ctx, r.tokens[0], fmt.Sprintf("/api/v1/bids/lots/%d/files", lots[0]), "big.bin", newPattern(block, fmt.Sprintf("big-%d", sz), sz))
		d := time.Since(t0)
		stop()
		if err != nil || code != http.StatusCreated {
			return fmt.Errorf("upload: %d %v %s", code, err, body)
		}
		fmt.Printf("%4d MiB in %s: %.0f MB/s; heap+stack in use before %.1f MiB, peak %.1f MiB (growth %.1f MiB)\n", sz>>20, d.Round(time.Millisecond),
			float64(sz)/1e6/d.Seconds(), float64(base.HeapInuse+base.StackInuse)/(1<<20), float64(peak.Load())/(1<<20),
			float64(int64(peak.Load())-int64(base.HeapInuse+base.StackInuse))/(1<<20))
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmHWM") {
				fmt.Println("process peak RSS (server and client together):", strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")))
			}
		}
	}
	return nil
}
