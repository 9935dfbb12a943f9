package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/demo"
	"ggzy/evaluation"
	"ggzy/trading"
)

// The opening measurement of docs/PERFORMANCE.md (issue 7), with the real
// unsealing:
//
//	go test ./web/ -run '^$' -bench 'OpeningRealBids' -benchtime 3x -count 1
//
// Each iteration builds, with the timer stopped, a lot with 100 bids really
// submitted through the HTTP API (100 bidder organisations, each signed up
// with its deposit, a sealed bid form and one bid file of the size in the
// sub-benchmark's name, encrypted into the file store), moves the clock past
// the deadline and then times what the deadline handler
// (wiring.DeadlineHandler) does, step by step, and the 唱标 list:
//
//   - close-ms: trading.CloseSubmissions (lock, close, unseal every sign-up
//     and receipt for the archive, audit event);
//   - open-ms: evaluation.StartOpening through wiring.TradingBids, that is
//     trading.OpenBids (every bid form unsealed, every bid file decrypted in
//     full and checked against its receipt's SHA-256) and the opening's
//     transaction (100 evaluation_bids rows, state change, audit event);
//   - list-ms: GET /api/v1/evaluation/lots/:id/opening as staff, through the
//     whole middleware stack (in-process ServeHTTP, no network).
//
// ns/op is the sum of the three. The files were written seconds before, so
// they are read from the page cache, not the disk.

const openingBidders = 100

var (
	openingOrgsOnce sync.Once
	openingOrgsErr  error
	openingUsers    []string
)

// openingOrgs creates (once per package run) 100 bidder organisations with
// one bidder user each, through the accounts service with the fast argon2
// parameters of newEnv.
func openingOrgs(b *testing.B, e *env) []string {
	openingOrgsOnce.Do(func() {
		ctx := audit.WithActor(context.Background(), audit.System)
		for i := range openingBidders {
			org, err := e.deps.Accounts.CreateOrganisation(ctx, accounts.OrgInput{
				Name: fmt.Sprintf("开标压测第%03d建设工程有限公司", i+1), USCC: demo.USCC(fmt.Sprintf("91330100MC%07d", 500+i)),
				Kind: accounts.OrgBidder, ContactName: "联系人", ContactPhone: "0571-88880000"})
			if err != nil {
				openingOrgsErr = fmt.Errorf("organisation %d: %w", i+1, err)
				return
			}
			name := fmt.Sprintf("openbidder%03d", i+1)
			if _, err := e.deps.Accounts.CreateUser(ctx, accounts.UserInput{Username: name, DisplayName: "投标人", OrgID: org,
				Roles: []string{accounts.RoleBidder}, Password: testPassword}); err != nil {
				openingOrgsErr = fmt.Errorf("user %s: %w", name, err)
				return
			}
			openingUsers = append(openingUsers, name)
		}
	})
	if openingOrgsErr != nil {
		b.Fatal(openingOrgsErr)
	}
	return openingUsers
}

// openingLot publishes a project and has every user submit a bid on its
// first lot: sign-up, deposit, bid form, one bid file of size bytes (a
// per-bidder header followed by shared random bytes). It returns the lot
// and the clock is past its deadline.
func openingLot(b *testing.B, e *env, users []string, body []byte) int64 {
	e.clock.Set(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)) // back to the registration day
	p := publishProject(b, e, uniqueTitle("开标压测道路工程"))
	lot := p.Lots[0]
	e.clock.Set(sh("2026-03-05 10:00"))
	for i, u := range users {
		c := e.api(u)
		signUpAndDeposit(b, e, c, lot, fmt.Sprintf("EG-OPEN-%03d", i+1))
		price := fmt.Sprintf("%d.%02d", 8_000_000+i*7919, i%100)
		r := c.json("PUT", fmt.Sprintf("/api/v1/bids/lots/%d/form", lot), map[string]string{"price": price, "duration": "365日历天", "quality": "合格"})
		if r.Code != http.StatusCreated {
			b.Fatalf("bid form of %s: %d %s", u, r.Code, r.Body.String())
		}
		head := fmt.Sprintf("%%PDF-1.7 投标文件 %s 标段%d\n", u, lot)
		r = c.upload(fmt.Sprintf("/api/v1/bids/lots/%d/files", lot), "投标文件-"+u+".pdf",
			io.MultiReader(strings.NewReader(head), bytes.NewReader(body[len(head):])))
		if r.Code != http.StatusCreated {
			b.Fatalf("bid file of %s: %d %.500s", u, r.Code, r.Body.String())
		}
		e.clock.Advance(time.Second)
	}
	e.clock.Set(sh("2026-03-30 09:30").Add(time.Second))
	return lot
}

func loadavg() string {
	s, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(s))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func BenchmarkOpeningRealBids(b *testing.B) {
	for _, size := range []int{1 << 20, 10 << 20} {
		b.Run(fmt.Sprintf("file=%dMiB", size>>20), func(b *testing.B) {
			e := newEnv(b) // a fresh file store (b.TempDir) per run, removed after it
			users := openingOrgs(b, e)
			body := make([]byte, size)
			rng := rand.NewChaCha8([32]byte{7})
			_, _ = rng.Read(body)
			ctx := audit.WithActor(context.Background(), audit.System) // as the schedule engine runs the handler
			var closeD, openD, listD time.Duration
			b.ResetTimer()
			b.StopTimer()
			for range b.N {
				lot := openingLot(b, e, users, body)
				staff := e.api("staff")

				b.StartTimer()
				t0 := time.Now()
				if err := e.deps.Trading.CloseSubmissions(ctx, lot); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := e.deps.Evaluation.StartOpening(ctx, lot); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				r := staff.json("GET", fmt.Sprintf("/api/v1/evaluation/lots/%d/opening", lot), nil)
				t3 := time.Now()
				b.StopTimer()
				closeD += t1.Sub(t0)
				openD += t2.Sub(t1)
				listD += t3.Sub(t2)

				if r.Code != http.StatusOK {
					b.Fatalf("opening list: %d %.500s", r.Code, r.Body.String())
				}
				var rec evaluation.OpeningRecord
				r.decode(b, &rec)
				if rec.State != evaluation.StateOpening || len(rec.Bids) != len(users) {
					b.Fatalf("opening: state %s, %d bids", rec.State, len(rec.Bids))
				}
				for _, x := range rec.Bids {
					if x.Unseal != evaluation.UnsealOK || x.Price == 0 {
						b.Fatalf("bid not read out: %+v", x)
					}
				}
				if n := e.count(`SELECT COUNT(*) FROM trading_bid_files WHERE lot_id = ? AND status = ?`, lot, trading.BidSubmitted); n != len(users) {
					b.Fatalf("%d bid files", n)
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(closeD.Microseconds())/1000/n, "close-ms/op")
			b.ReportMetric(float64(openD.Microseconds())/1000/n, "open-ms/op")
			b.ReportMetric(float64(listD.Microseconds())/1000/n, "list-ms/op")
			b.ReportMetric(float64(len(users)*size)/(1<<20)/(openD.Seconds()/n), "unseal-MiB/s")
			fmt.Fprintf(os.Stderr, "%s: N=%d, %d bids × %d MiB, load average %s\n", b.Name(), b.N, len(users), size>>20, loadavg())
		})
	}
}
