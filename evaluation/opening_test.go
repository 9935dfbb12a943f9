package evaluation_test

import (
	"context"
	"os"
	"testing"
	"time"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db/dbtest"
	"ggzy/evaluation"
	"ggzy/evaluation/evaltest"
	"ggzy/money"
	"ggzy/problem"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

var (
	t0             = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai
	lotSeq   int64 = 5000
	staffCtx       = audit.WithActor(context.Background(), audit.Actor{UserID: 1, Username: "staff", Role: "staff", Roles: []string{"staff"}})
)

func setup(t testing.TB) (*evaluation.Service, *evaltest.World, *clock.Fake) {
	t.Helper()
	x := dbtest.DB(t)
	clk := clock.NewFake(t0)
	s := &evaluation.Service{DB: x, Clock: clk}
	w := evaltest.New()
	w.Wire(s)
	return s, w, clk
}

func newLot(w *evaltest.World) int64 {
	lotSeq++
	w.AddLot(lotSeq, evaluation.LotInfo{ProjectID: lotSeq * 10, ProjectCode: "GC2026-0001", Title: "示范道路改造工程", LotName: "第一标段",
		Kind: "engineering", AgencyOrgID: 77, Ceiling: money.Fen(1_000_000_00), Deadline: t0})
	return lotSeq
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Code != code {
		t.Fatalf("got %v, want problem %s", err, code)
	}
}

func TestOpeningWithFewerThanThreeBidsFails(t *testing.T) {
	s, w, _ := setup(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		bids  func() []evaluation.OpenedBid
		valid int
	}{
		{"two bids", func() []evaluation.OpenedBid { return evaltest.Bids(2, nil, 900_000_00) }, 0},
		{"one of three withdrawn by a failed unsealing", func() []evaluation.OpenedBid {
			b := evaltest.Bids(3, nil, 900_000_00)
			b[1].Unsealed, b[1].BidderFault, b[1].Failure, b[1].Price = false, true, "投标人CA证书错误", 0
			return b
		}, 0}, // counts as withdrawn: two bids left, none is read out
		{"one of three unsealing failed otherwise", func() []evaluation.OpenedBid {
			b := evaltest.Bids(3, nil, 900_000_00)
			b[2].Unsealed, b[2].Failure, b[2].Price = false, "文件损坏", 0
			return b
		}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lot := newLot(w)
			if err := s.SetPlan(staffCtx, lot, evaltest.Plan()); err != nil {
				t.Fatal(err)
			}
			w.SetBids(lot, tc.bids())
			if err := s.StartOpening(ctx, lot); err != nil {
				t.Fatal(err)
			}
			if err := s.StartOpening(ctx, lot); err != nil { // idempotent
				t.Fatal(err)
			}
			rec, err := s.Opening(staffCtx, lot)
			if err != nil {
				t.Fatal(err)
			}
			if !rec.Failed() || rec.Outcome == "" {
				t.Fatalf("state %s outcome %q, want 流标", rec.State, rec.Outcome)
			}
			if w.Retendered[lot] == "" {
				t.Error("lot not returned for re-tendering")
			}
			valid := 0
			for _, b := range rec.Bids {
				if b.Valid() {
					valid++
				}
				if tc.valid == 0 && b.Price != 0 {
					t.Errorf("a bid of a lot not opened shows its price %s", b.Price)
				}
			}
			if valid != tc.valid {
				t.Errorf("valid bids %d, want %d", valid, tc.valid)
			}
			if w.OpenCalls == 0 {
				t.Error("bids never unsealed")
			}
		})
	}
}

func TestOpeningBeforeDeadlineChangesNothing(t *testing.T) {
	s, w, clk := setup(t)
	lot := newLot(w)
	li, _ := w.LotInfo(context.Background(), lot)
	li.Deadline = t0.Add(time.Hour)
	w.AddLot(lot, li)
	w.SetBids(lot, evaltest.Bids(5, nil, 900_000_00))
	if err := s.StartOpening(context.Background(), lot); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.OpenNow(staffCtx, lot), "before_deadline")
	clk.Advance(time.Hour)
	if err := s.StartOpening(context.Background(), lot); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Opening(staffCtx, lot)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != evaluation.StateOpening || len(rec.Bids) != 5 {
		t.Fatalf("state %s with %d bids", rec.State, len(rec.Bids))
	}
	// No method was entered before the deadline: it may be entered once,
	// and is then fixed.
	if err := s.SetPlan(staffCtx, lot, evaltest.Plan()); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SetPlan(staffCtx, lot, evaltest.Plan()), "wrong_state")
}

func TestParsePoints(t *testing.T) {
	for in, want := range map[string]evaluation.Points{"0": 0, "8": 800, "8.5": 850, "8.25": 825, "100.00": 10000} {
		if got, err := evaluation.ParsePoints(in); err != nil || got != want {
			t.Errorf("ParsePoints(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, code := range map[string]string{"-1": "points_negative", "8.255": "points_invalid", "abc": "points_invalid", "": "points_invalid", "1e3": "points_invalid", ".5": "points_invalid"} {
		_, err := evaluation.ParsePoints(in)
		wantCode(t, err, code)
	}
}

func FuzzParsePoints(f *testing.F) {
	for _, s := range []string{"8.5", "-1", "100", "0.01", "9999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := evaluation.ParsePoints(s)
		if err == nil && p < 0 {
			t.Fatalf("ParsePoints(%q) = %d < 0", s, p)
		}
		if err == nil {
			if q, err := evaluation.ParsePoints(p.String()); err != nil || q != p {
				t.Fatalf("round trip of %q: %v %v", s, q, err)
			}
		}
	})
}

// BenchmarkOpening100Bids measures StartOpening (unseal through a fake
// BidOpener and record the 唱标 list) plus listing the opening record, for a
// lot with 100 bids.
func BenchmarkOpening100Bids(b *testing.B) {
	s, w, _ := setup(b)
	bids := evaltest.Bids(100, nil, 99_000_000_00)
	b.ResetTimer()
	for b.Loop() {
		lot := newLot(w)
		w.SetBids(lot, bids)
		if err := s.StartOpening(context.Background(), lot); err != nil {
			b.Fatal(err)
		}
		rec, err := s.Opening(staffCtx, lot)
		if err != nil || len(rec.Bids) != 100 {
			b.Fatalf("%v, %d bids", err, len(rec.Bids))
		}
	}
}
