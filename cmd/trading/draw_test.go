package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ggzy/expertpool"
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
