package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
)

// The wrk load client: Debian's wrk (C, epoll, one thread per core) sends
// the sign-ups from its own process, so that the load's CPU is neither in
// the server's process nor in its Go scheduler, and is reported apart.
// Each request is one (bidder, lot) pair, each pair sent once: a Lua
// script reads the pairs, every wrk thread its share, and formats each
// request with that bidder's token. The phase ends when the server has
// answered the last sign-up with 201 (counted by a middleware of the
// run's own, see arrivals), not when wrk's fixed duration ends: wrk is
// then stopped with SIGINT and prints its latency figures.

const wrkScript = `
local reqs = {}
local next = 0
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local health

function init(args)
  -- Formatted here, not when the script loads: wrk sets the Host header
  -- only then (a request without it is refused).
  health = wrk.format("GET", "/healthz")
  local path, nthreads = args[1], tonumber(args[2])
  local mine = id or 0 -- set by setup, as a global of the thread
  -- wrk asks thread 0 for one request before the run to check it (and
  -- sends nothing): every thread starts with a health check for that.
  reqs[1] = health
  local i = 0
  for line in io.lines(path) do
    if i % nthreads == mine then
      local tok, lot = line:match("^(%S+) (%d+)$")
      reqs[#reqs + 1] = wrk.format("POST", "/api/v1/signups",
        { ["Authorization"] = "Bearer " .. tok, ["Content-Type"] = "application/json" },
        '{"lot_id":' .. lot .. ',"declared":[]}')
    end
    i = i + 1
  end
end

function request()
  next = next + 1
  if next > #reqs then
    -- Every pair of this thread was sent: health checks until the other
    -- thread is done too and the run stops wrk (stopping the thread here
    -- would close connections whose sign-ups are still being written).
    return health
  end
  return reqs[next]
end

function done(summary, latency, requests)
  io.write(string.format("WRK requests=%d status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d p50=%d p99=%d max=%d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`

// arrivals counts the server's 201 answers to sign-ups and closes done
// when the target is reached.
type arrivals struct {
	mu     sync.Mutex
	n      atomic.Int64
	target atomic.Int64
	done   chan struct{}
	at     time.Time
}

func (a *arrivals) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if c.Response().Status == 201 && c.Request().URL.Path == "/api/v1/signups" {
			if a.n.Add(1) == a.target.Load() {
				a.mu.Lock()
				a.at = time.Now()
				close(a.done)
				a.mu.Unlock()
			}
		}
		return err
	}
}

// wrkResult is what one wrk phase measured.
type wrkResult struct {
	dur           time.Duration // from starting wrk to the last sign-up's answer
	p50, p99, max time.Duration
	cpu           time.Duration // wrk's CPU time (user + system)
}

// runWrk signs up every token for every lot through wrk with `clients`
// connections and returns when all of them were answered.
func runWrk(ctx context.Context, base string, clients int, tokens []string, lotIDs []int64, arr *arrivals) (wrkResult, error) {
	dir, err := os.MkdirTemp("", "loadtest-wrk-")
	if err != nil {
		return wrkResult{}, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "signups.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		return wrkResult{}, err
	}
	var pairs strings.Builder
	// Lot-major order, as the Go clients go: every bidder on lot 1, then lot 2.
	for _, l := range lotIDs {
		for _, t := range tokens {
			fmt.Fprintf(&pairs, "%s %d\n", t, l)
		}
	}
	pairsFile := filepath.Join(dir, "pairs")
	if err := os.WriteFile(pairsFile, []byte(pairs.String()), 0o644); err != nil {
		return wrkResult{}, err
	}
	threads := 2
	target := int64(len(tokens) * len(lotIDs))
	arr.mu.Lock()
	arr.n.Store(0)
	arr.target.Store(target)
	arr.done = make(chan struct{})
	arr.mu.Unlock()

	cmd := exec.CommandContext(ctx, "wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(clients), "-d", "300s", "--timeout", "10s",
		"-s", script, base, "--", pairsFile, strconv.Itoa(threads))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return wrkResult{}, err
	}
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return wrkResult{}, fmt.Errorf("start wrk (apt-get install wrk): %w", err)
	}
	var res wrkResult
	var failed error
	// Stalled: no sign-up answered for 10 s.
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	last := int64(-1)
wait:
	for {
		select {
		case <-arr.done:
			arr.mu.Lock()
			res.dur = arr.at.Sub(start)
			arr.mu.Unlock()
			break wait
		case <-tick.C:
			if n := arr.n.Load(); n == last {
				failed = fmt.Errorf("wrk: %d of %d sign-ups answered 201, none in the last 10 s", n, target)
				break wait
			} else {
				last = n
			}
		case <-ctx.Done():
			failed = ctx.Err()
			break wait
		}
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	sc := bufio.NewScanner(out)
	var line string
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "WRK ") {
			line = sc.Text()
		}
	}
	if err := cmd.Wait(); err != nil && failed == nil {
		failed = fmt.Errorf("wrk: %w", err)
	}
	if st := cmd.ProcessState; st != nil {
		res.cpu = st.UserTime() + st.SystemTime()
	}
	if failed != nil {
		return res, failed
	}
	f := map[string]int64{}
	for _, kv := range strings.Fields(strings.TrimPrefix(line, "WRK ")) {
		k, v, _ := strings.Cut(kv, "=")
		f[k], _ = strconv.ParseInt(v, 10, 64)
	}
	if line == "" {
		return res, fmt.Errorf("wrk printed no summary")
	}
	if bad := f["status_errors"] + f["connect_errors"] + f["read_errors"] + f["write_errors"] + f["timeouts"]; bad > 0 {
		return res, fmt.Errorf("wrk: %s", line)
	}
	res.p50, res.p99, res.max = time.Duration(f["p50"])*time.Microsecond, time.Duration(f["p99"])*time.Microsecond, time.Duration(f["max"])*time.Microsecond
	return res, nil
}
