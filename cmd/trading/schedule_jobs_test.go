package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"ggzy/db/dbtest"
	"ggzy/filestore"
	"ggzy/schedule"
)

// The nightly jobs have their ports wired: statistics from trading, and the
// recordings' own file store for the retention sweep.
func TestScheduleJobsWired(t *testing.T) {
	getenv := testEnv(t, nil)
	a, err := wire(dbtest.DB(t), getenv, newLogger(os.Stderr, getenv))
	if err != nil {
		t.Fatal(err)
	}
	if a.schedule.Statistics == nil {
		t.Error("no statistics source wired: the nightly job computes nothing")
	}
	if a.schedule.RecordingFiles == nil {
		t.Error("no recording store wired: the retention sweep removes no file")
	}
}

// The retention sweep removes the stored file of a recording past its
// retention, logs every deletion, keeps a file another entry inside its
// retention still indexes, and leaves refs outside the store to the
// recording system.
func TestRetentionSweepRemovesStoredRecordings(t *testing.T) {
	ctx := context.Background()
	getenv := testEnv(t, nil)
	x := dbtest.DB(t)
	a, err := wire(x, getenv, newLogger(os.Stderr, getenv))
	if err != nil {
		t.Fatal(err)
	}
	store := filestore.Local{Root: filepath.Join(getenv("TRADING_VAR"), "recordings")}
	put := func(content string) string {
		key, _, err := store.Put(ctx, bytes.NewReader([]byte(content)))
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	exists := func(key string) bool {
		f, err := store.Open(ctx, key)
		if errors.Is(err, filestore.ErrNotFound) {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		return true
	}
	now := time.Now()
	day := 24 * time.Hour
	// The recordings' project: a registration handed to the centre.
	ins, err := x.Exec(`INSERT INTO organisations (name, uscc, kind, status, created_at) VALUES ('录像测试代理', '91469001MA5T000077', 'agency', 'active', ?)`, now.UTC())
	if err != nil {
		t.Fatal(err)
	}
	org, _ := ins.LastInsertId()
	ins, err = x.Exec(`INSERT INTO trading_projects (kind, method, title, agency_org_id, locality, status, details, eligibility, created_at, updated_at)
		VALUES ('engineering', 'open', '录像测试工程', ?, 'default', 'submitted', '{}', '[]', ?, ?)`, org, now.UTC(), now.UTC())
	if err != nil {
		t.Fatal(err)
	}
	project, _ := ins.LastInsertId()
	add := func(ref string, age time.Duration) int64 {
		id, err := a.schedule.AddRecording(ctx, schedule.RecordingInput{Class: "opening_video", ProjectID: project, Ref: ref,
			RecordedAt: now.Add(-age).Format(time.RFC3339Nano)})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	old := put("开标录像：已过保存期限")
	young := put("开标录像：保存期限内")
	shared := put("开标录像：同一文件两次登记")
	oldID := add(old, 61*day)
	add(young, 59*day)
	add(shared, 90*day)
	add(shared, 10*day) // the same bytes indexed again, inside retention
	add("rec://nvr-3/2026/opening.mp4", 61*day)

	res, err := a.schedule.SweepRetention(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if res["opening_video"] != 3 {
		t.Fatalf("deleted %v, want 3 opening_video entries", res)
	}
	if exists(old) {
		t.Error("the file past its retention is still stored")
	}
	if !exists(young) {
		t.Error("a file inside its retention was removed")
	}
	if !exists(shared) {
		t.Error("a file still indexed inside its retention was removed")
	}
	var summaries []string
	if err := x.Select(&summaries, `SELECT summary FROM audit_events WHERE action = 'recording.delete' AND project_id = ? ORDER BY id`, project); err != nil {
		t.Fatal(err)
	}
	if len(summaries) != 3 {
		t.Fatalf("%d deletions logged, want 3: %v", len(summaries), summaries)
	}
	var removed, kept int
	for _, s := range summaries {
		switch {
		case bytes.Contains([]byte(s), []byte(`"file_removed":true`)):
			removed++
		default:
			kept++
		}
	}
	if removed != 1 || kept != 2 {
		t.Errorf("logged %d removed, %d kept: %v", removed, kept, summaries)
	}
	var deletedAt *time.Time
	if err := x.Get(&deletedAt, `SELECT deleted_at FROM recordings WHERE id = ?`, oldID); err != nil || deletedAt == nil {
		t.Errorf("index entry of the removed file: %v %v", deletedAt, err)
	}
	// A second run removes nothing more; once the younger entry of the
	// shared file is past its retention too, the file goes.
	if again, err := a.schedule.SweepRetention(ctx, "again"); err != nil || again["opening_video"] != 0 {
		t.Fatalf("second sweep %v %v", again, err)
	}
	if _, err := x.Exec(`UPDATE recordings SET recorded_at = ? WHERE ref = ? AND deleted_at IS NULL`, now.Add(-61*day).UTC(), shared); err != nil {
		t.Fatal(err)
	}
	if _, err := a.schedule.SweepRetention(ctx, "later"); err != nil {
		t.Fatal(err)
	}
	if exists(shared) {
		t.Error("the shared file outlived its last entry")
	}
}
