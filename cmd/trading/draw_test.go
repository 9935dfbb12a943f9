package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db/dbtest"
	"ggzy/expertpool"
	"ggzy/notify"
	"ggzy/vault"
)

// TestLotteryCommandRFC3797Example checks `trading lottery` against the
// worked example of RFC 3797 §6.
func TestLotteryCommandRFC3797Example(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "rfc3797", "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Sources  [][]uint64 `json:"sources"`
		PoolSize int        `json:"pool_size"`
		Order    []int      `json:"order"`
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	args := []string{"lottery", "--pool", strconv.Itoa(ex.PoolSize), "--count", strconv.Itoa(len(ex.Order))}
	for _, src := range ex.Sources {
		var parts []string
		for _, n := range src {
			parts = append(parts, strconv.FormatUint(n, 10))
		}
		args = append(args, "--source", strings.Join(parts, " "))
	}
	var out bytes.Buffer
	if err := run(context.Background(), args, &out, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(ex.Order))
	for i, n := range ex.Order {
		want[i] = strconv.Itoa(n)
	}
	if got := out.String(); got != strings.Join(want, " ")+"\n" {
		t.Fatalf("got %q, want %q", got, strings.Join(want, " "))
	}
	if got := out.String(); got != "17 7 2 16 25 23 8 24 19 13 22\n" {
		t.Fatalf("got %q", got)
	}
}

func TestLotteryCommandRejectsBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"lottery", "--pool", "5", "--count", "6", "--source", "1"},
		{"lottery", "--pool", "5", "--count", "2"},
		{"lottery", "--pool", "5", "--count", "2", "--source", "1 x"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), args, &out, func(string) string { return "" })
		var ee exitError
		if !errors.As(err, &ee) || ee.code != 2 {
			t.Errorf("%v: got %v", args, err)
		}
	}
}

// TestDrawVerifyArchive re-checks an exported archive and refuses a
// tampered one with exit code 3.
func TestDrawVerifyArchive(t *testing.T) {
	doc := &expertpool.Document{Header: []string{"lot 1"}, Groups: []expertpool.PoolGroup{{No: 1, Specialty: "GC01", Primaries: 2, Backups: 1, Pool: []int64{11, 12, 13, 14, 15}}}}
	secret := "S0123ABCD"
	doc.Commitment = expertpool.Hash([]byte(secret))
	body := doc.Bytes()
	sources := []string{"7 3", secret}
	picks, err := expertpool.Choose(doc.Groups, sources)
	if err != nil {
		t.Fatal(err)
	}
	a := expertpool.Archive{DrawID: 9, PoolHash: expertpool.Hash(body), Commitment: doc.Commitment, Sources: sources, Result: picks, Document: string(body)}
	dir := t.TempDir()
	write := func(a expertpool.Archive) string {
		b, _ := json.Marshal(a)
		p := filepath.Join(dir, "a.json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"draw", "verify", "-archive", write(a)}, &out, func(string) string { return "" }); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "matches") {
		t.Fatalf("output %s", out.String())
	}
	a.Result[0].ExpertID = 99
	out.Reset()
	err = run(context.Background(), []string{"draw", "verify", "-archive", write(a)}, &out, func(string) string { return "" })
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 3 {
		t.Fatalf("tampered archive: %v\n%s", err, out.String())
	}
}

// links keeps the reply links of the expert notices.
type links struct {
	mu   sync.Mutex
	list []string
}

func (l *links) Notify(_ context.Context, m notify.Message) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, strings.TrimPrefix(m.Link, "https://x/r/"))
	return nil
}

// TestDrawVerifyChecksSupplementaryDraws: `trading draw verify <id>` of a
// first draw also re-checks its automatic supplementary draw, with the
// secret chain, and fails with exit code 3 once the supplementary draw's
// recorded derivation is altered.
func TestDrawVerifyChecksSupplementaryDraws(t *testing.T) {
	x := dbtest.DB(t)
	v, err := vault.New(bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	notes := &links{}
	svc := &expertpool.Service{DB: x, Clock: clk, Vault: v, Notifier: notes, ReplyURL: "https://x/r/"}
	ctx := audit.WithActor(context.Background(), audit.Actor{Username: "staff-test", Role: "staff", Roles: []string{"staff"}})
	const region = "469001"
	for i := range 12 {
		if _, err := svc.CreateExpert(ctx, expertpool.ExpertInput{Name: fmt.Sprintf("复核专家%d", i), IDNumber: expertpool.DemoIDNumber(region, "19750101", i),
			Phone: fmt.Sprintf("137%08d", 46900000+i), EmployerName: "某设计院", Category: expertpool.CategoryTechnical, Title: "高级工程师",
			TitleLevel: "副高级", YearsInField: 12, Region: region, Specialties: []string{"GC03"}}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := x.Exec(`INSERT INTO organisations (name, uscc, kind, status, created_at) VALUES ('复核测试招标人', '91469001MA5T000001', 'tenderer', 'active', ?)`, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	tenderer, _ := res.LastInsertId()
	prep, err := svc.Prepare(ctx, expertpool.DrawRequest{ProjectID: 1, LotID: 46901, TendererOrgID: tenderer, TradeKind: expertpool.KindEngineering,
		SessionStart: clk.Now().Add(24 * time.Hour), SessionEnd: clk.Now().Add(30 * time.Hour), Region: region, RegionRule: expertpool.RegionLocal,
		Quotas: []expertpool.Quota{{Specialty: "GC03", Count: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Run(ctx, prep.DrawID, []string{"27 18", "2 8"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Reply(ctx, notes.list[0], false, "出差"); err != nil { // no backup: an automatic supplementary draw
		t.Fatal(err)
	}
	var sup int64
	if err := x.Get(&sup, `SELECT id FROM expert_draws WHERE parent_draw_id = ? AND secret_chain_index = 1 AND status = 'drawn'`, prep.DrawID); err != nil {
		t.Fatalf("supplementary draw: %v", err)
	}
	getenv := testEnv(t, nil)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"draw", "verify", strconv.FormatInt(prep.DrawID, 10)}, &out, getenv); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{fmt.Sprintf("supplementary draw %d:", sup), "secret_chain", "witness_sources", "chain_order", "matches its archive"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := x.Exec(`UPDATE expert_draws SET secret_chain_index = 2 WHERE id = ?`, sup); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = x.Exec(`UPDATE expert_draws SET secret_chain_index = 1 WHERE id = ?`, sup) })
	for _, id := range []int64{prep.DrawID, sup} {
		out.Reset()
		err := run(context.Background(), []string{"draw", "verify", strconv.FormatInt(id, 10)}, &out, getenv)
		var ee exitError
		if !errors.As(err, &ee) || ee.code != 3 {
			t.Fatalf("draw %d with an altered derivation: %v\n%s", id, err, out.String())
		}
	}
}
