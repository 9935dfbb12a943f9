package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"ggzy/minutes"
)

const minutesUsage = "usage: trading minutes sample --kind " + "evaluation-report|failed-evaluation-report|opening-record|award-notice|draw-record" + " --out FILE"

// minutesCommand: `trading minutes sample --kind K --out FILE` renders a
// fixed sample document (30 bidders, 9 experts, 10 criteria) for
// inspection and benchmarks. It needs no database.
func minutesCommand(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "sample" {
		return exitError{code: 2, msg: minutesUsage}
	}
	fs := flag.NewFlagSet("minutes sample", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	kind := fs.String("kind", "", "one of "+strings.Join(minutes.SampleKinds, ", "))
	out := fs.String("out", "", "file to write the PDF to (- for stdout)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 || *kind == "" || *out == "" {
		return exitError{code: 2, msg: minutesUsage}
	}
	doc, err := minutes.Sample(*kind)
	if err != nil {
		return exitError{code: 2, msg: err.Error() + "\n" + minutesUsage}
	}
	var buf bytes.Buffer
	if err := doc.Render(&buf); err != nil {
		return fmt.Errorf("render sample %s: %w", *kind, err)
	}
	if *out == "-" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write sample %s: %w", *kind, err)
	}
	fmt.Fprintf(stdout, "%s: %d bytes\n", *out, buf.Len())
	return nil
}
