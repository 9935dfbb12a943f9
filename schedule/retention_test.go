package schedule

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type fakeFiles struct {
	mu      sync.Mutex
	deleted []string
	fail    bool
}

func (f *fakeFiles) Delete(ctx context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("录像服务器不可达")
	}
	f.deleted = append(f.deleted, ref)
	return nil
}

// Nothing inside its retention is deleted, everything past it is, each
// deletion is in the audit trail, and a second run deletes nothing.
func TestRetentionSweepKeepsEverythingInsideRetention(t *testing.T) {
	s, clk := testService(t)
	ctx := context.Background()
	files := &fakeFiles{}
	s.RecordingFiles = files
	now := clk.Now()
	// Class evaluation_audio: default 60 days. A copy of it at 10 days.
	if err := s.SetRetention(ctx, "evaluation_audio", 10); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.SetRetention(ctx, "evaluation_audio", 60) })
	add := func(class, ref string, at time.Time) int64 {
		id, err := s.AddRecording(ctx, RecordingInput{Class: class, ProjectID: 9, Ref: ref, RecordedAt: at.Format(time.RFC3339Nano)})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	day := 24 * time.Hour
	add("opening_video", "rec://open/keep-exactly-60d", now.Add(-60*day))
	add("opening_video", "rec://open/keep-59d", now.Add(-59*day))
	add("opening_video", "rec://open/drop-60d-1s", now.Add(-60*day-time.Second))
	add("opening_video", "rec://open/drop-200d", now.Add(-200*day))
	add("evaluation_audio", "rec://audio/drop-11d", now.Add(-11*day))
	add("evaluation_audio", "rec://audio/keep-9d", now.Add(-9*day))
	add("procurement_file", "rec://file/keep-5y", now.Add(-5*365*day))

	res, err := s.SweepRetention(ctx, "2026-03-02T02:30:00+08:00")
	if err != nil {
		t.Fatal(err)
	}
	if res["opening_video"] != 2 || res["evaluation_audio"] != 1 || res["procurement_file"] != 0 {
		t.Fatalf("deleted %v", res)
	}
	kept, err := s.Recordings(ctx, "opening_video", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, r := range kept {
		refs = append(refs, r.Ref)
	}
	for _, want := range []string{"rec://open/keep-exactly-60d", "rec://open/keep-59d"} {
		found := false
		for _, r := range refs {
			found = found || r == want
		}
		if !found {
			t.Errorf("%s was deleted inside its retention (kept: %v)", want, refs)
		}
	}
	if len(files.deleted) != 3 {
		t.Errorf("files deleted %v", files.deleted)
	}
	var logged int
	if err := s.DB.Get(&logged, `SELECT COUNT(*) FROM audit_events WHERE action = 'recording.delete' AND summary LIKE '%rec://%drop%'`); err != nil {
		t.Fatal(err)
	}
	if logged != 3 {
		t.Errorf("%d deletions in the audit trail, want 3", logged)
	}
	again, err := s.SweepRetention(ctx, "again")
	if err != nil || again["opening_video"]+again["evaluation_audio"] != 0 {
		t.Fatalf("second sweep %v %v", again, err)
	}

	// When the file store fails nothing is marked deleted and the job fails (to be retried).
	add("opening_video", "rec://open/drop-later", now.Add(-70*day))
	files.fail = true
	if _, err := s.SweepRetention(ctx, "failing"); err == nil {
		t.Fatal("sweep with a failing file store succeeded")
	}
	var left int
	if err := s.DB.Get(&left, `SELECT COUNT(*) FROM recordings WHERE ref = 'rec://open/drop-later' AND deleted_at IS NULL`); err != nil || left != 1 {
		t.Fatalf("entry of an undeleted file marked deleted: %d %v", left, err)
	}
	files.fail = false
	if _, err := s.SweepRetention(ctx, "after"); err != nil {
		t.Fatal(err)
	}

	_, err = s.AddRecording(ctx, RecordingInput{Class: "nope", Ref: "x", RecordedAt: "2026-03-01 10:00"})
	wantProblem(t, err, "recording_class_not_found")
	_, err = s.AddRecording(ctx, RecordingInput{Class: "opening_video", RoomID: 1 << 40, Ref: "x", RecordedAt: "2026-03-01 10:00"})
	wantProblem(t, err, "room_not_found")
	wantProblem(t, s.SetRetention(ctx, "opening_video", 0), "retention_invalid")
}

type fakeStats struct{ rows []MonthlyTotal }

func (f fakeStats) MonthlyTotals(ctx context.Context) ([]MonthlyTotal, error) { return f.rows, nil }

// The nightly jobs run through the engine once per night.
func TestNightlyJobsThroughEngine(t *testing.T) {
	s, clk := testService(t)
	s.Statistics = fakeStats{rows: []MonthlyTotal{{Kind: "engineering", Month: "2026-02", Projects: 3, AmountFen: 123_456_00}}}
	e := testEngine(t, s.DB, clk, "nightly")
	if err := s.RegisterJobs(e); err != nil {
		t.Fatal(err)
	}
	sweep(t, e)                                           // schedules the next nights
	clk.Set(time.Date(2026, 3, 2, 19, 0, 0, 0, time.UTC)) // 03:00 on the 3rd
	res := sweep(t, e)
	if res.Succeeded != 2 {
		t.Fatalf("nightly sweep %+v", res)
	}
	totals, runs, err := s.MonthlyStatistics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(totals) == 0 || totals[0].AmountFen != 123_456_00 || len(runs) == 0 || runs[0].Source != "trading" {
		t.Fatalf("statistics %v runs %v", totals, runs)
	}
	// Without a source the job says it computed nothing.
	s.Statistics = nil
	run, err := s.ComputeStatistics(context.Background(), "manual")
	if err != nil || run.Source != "none" || run.Rows != 0 || run.Note == "" {
		t.Fatalf("run without source %+v %v", run, err)
	}
}
