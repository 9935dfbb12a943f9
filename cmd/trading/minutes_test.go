package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// `trading minutes sample` needs no database and writes the PDF.
func TestMinutesSampleCommand(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, kind := range []string{"evaluation-report", "opening-record", "award-notice", "draw-record", "failed-evaluation-report"} {
		t.Run(kind, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), kind+".pdf")
			var stdout bytes.Buffer
			if err := run(context.Background(), []string{"minutes", "sample", "--kind", kind, "--out", out}, &stdout, noEnv); err != nil {
				t.Fatal(err)
			}
			pdf, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 10_000 {
				t.Errorf("%s: %d bytes, not a PDF", out, len(pdf))
			}
		})
	}
}

func TestMinutesSampleCommandUsage(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, args := range [][]string{
		{"minutes"},
		{"minutes", "print"},
		{"minutes", "sample", "--kind", "evaluation-report"},
		{"minutes", "sample", "--kind", "no-such-kind", "--out", filepath.Join(t.TempDir(), "x.pdf")},
		{"minutes", "sample", "--out", "x.pdf"},
	} {
		err := run(context.Background(), args, &bytes.Buffer{}, noEnv)
		var ee exitError
		if !errors.As(err, &ee) || ee.code != 2 {
			t.Errorf("%q: err = %v; want a usage error (exit 2)", args, err)
		}
	}
}
