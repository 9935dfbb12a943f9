package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"ggzy/audit"
	"ggzy/clock"
)

// postFile submits a multipart form with one file, and the CSRF token, as a
// browser's file form does.
func (c *client) postFile(path, field, name string, content []byte) response {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.WriteField(csrfField, c.csrf()); err != nil {
		c.e.t.Fatal(err)
	}
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		c.e.t.Fatal(err)
	}
	fw.Write(content) //nolint:errcheck // a bytes.Buffer
	w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

// A supervisor downloads the chain's checkpoints, keeps the file, and later
// checks it against the chain: through the API and through the page's form.
func TestAuditCheckpointsDownloadAndCheck(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// A day of its own: other tests of the package share the database.
	e.clock.Advance(311 * 24 * time.Hour)
	e.sealAndVerify()
	if taken, err := (&audit.Sealer{DB: e.db, Clock: e.clock, Log: slog.Default()}).Checkpoint(ctx); err != nil || !taken {
		t.Fatalf("checkpoint: %v %v", taken, err)
	}
	day := e.clock.Now().In(clock.Shanghai).Format(time.DateOnly)
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := e.db.Get(&head, `SELECT seq, hash FROM audit_checkpoints WHERE day = ?`, day); err != nil {
		t.Fatal(err)
	}

	sup := e.api("supervisor")
	r := sup.get("/api/v1/audit/checkpoints?download=1")
	if r.Code != http.StatusOK || !strings.Contains(r.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %q %s", r.Code, r.Header().Get("Content-Disposition"), r.Body.String())
	}
	saved := r.Body.Bytes()
	var file checkpointFile
	r.decode(t, &file)
	found := false
	for _, cp := range file.Checkpoints {
		if cp.Day == day {
			found = cp.Seq == head.Seq && cp.Hash == head.Hash
		}
	}
	if !found {
		t.Fatalf("today's checkpoint %s %+v not in the download: %s", day, head, saved)
	}

	type result struct {
		OK      bool `json:"ok"`
		ChainOK bool `json:"chain_ok"`
		Results []struct {
			Day       string `json:"day"`
			Seq       int64  `json:"seq"`
			Status    string `json:"status"`
			FoundHash string `json:"found_hash"`
		} `json:"results"`
	}
	checks := func() int { return e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'audit.anchor_check'`) }
	before := checks()
	check := func(body any) (response, result) {
		t.Helper()
		r := sup.json(http.MethodPost, "/api/v1/audit/checkpoints/check", body)
		var res result
		if r.Code == http.StatusOK {
			r.decode(t, &res)
		}
		return r, res
	}
	// The file as downloaded.
	var asSaved any
	if err := json.Unmarshal(saved, &asSaved); err != nil {
		t.Fatal(err)
	}
	r, res := check(asSaved)
	if r.Code != http.StatusOK || !res.OK || !res.ChainOK || len(res.Results) != len(file.Checkpoints) {
		t.Fatalf("check of the downloaded file: %d %s", r.Code, r.Body.String())
	}
	// A saved hash the chain no longer has at that seq (as after a rewrite
	// with recomputed hashes), and a seq the chain no longer reaches.
	other := strings.Repeat("ab", 32)
	r, res = check(map[string]any{"checkpoints": []map[string]any{
		{"day": day, "seq": head.Seq, "hash": other},
		{"day": "2099-01-01", "seq": head.Seq + 1000000, "hash": head.Hash},
		{"day": day, "seq": head.Seq, "hash": head.Hash},
	}})
	if r.Code != http.StatusOK || res.OK || !res.ChainOK || len(res.Results) != 3 ||
		res.Results[0].Status != audit.AnchorAltered || res.Results[0].FoundHash != head.Hash ||
		res.Results[1].Status != audit.AnchorMissing || res.Results[2].Status != audit.AnchorOK {
		t.Fatalf("check of a list that does not hold: %d %s", r.Code, r.Body.String())
	}
	if got := checks(); got != before+2 {
		t.Fatalf("checks recorded: %d, want %d", got, before+2)
	}

	// Bad input: each refused with its field, and no check recorded.
	for _, tc := range []struct {
		body        any
		code, field string
	}{
		{map[string]any{"checkpoints": []any{}}, "checkpoints_required", "checkpoints"},
		{map[string]any{}, "checkpoints_required", "checkpoints"},
		{map[string]any{"checkpoints": []map[string]any{{"seq": 1, "hash": strings.ToUpper(head.Hash)}}}, "hash_invalid", "checkpoints[0].hash"},
		{map[string]any{"checkpoints": []map[string]any{{"seq": 1, "hash": head.Hash}, {"seq": 0, "hash": head.Hash}}}, "seq_invalid", "checkpoints[1].seq"},
		{map[string]any{"checkpoints": []map[string]any{{"seq": "1", "hash": head.Hash}}}, "", ""},
	} {
		r, _ := check(tc.body)
		if r.Code != http.StatusBadRequest {
			t.Errorf("%v: %d %s, want 400", tc.body, r.Code, r.Body.String())
			continue
		}
		var ae apiError
		r.decode(t, &ae)
		if tc.code != "" && (ae.Error.Code != tc.code && !hasField(ae, tc.field, tc.code)) {
			t.Errorf("%v: %s, want %s on %s", tc.body, r.Body.String(), tc.code, tc.field)
		}
		if tc.field != "" && !hasField(ae, tc.field, tc.code) {
			t.Errorf("%v: %s, want field %s", tc.body, r.Body.String(), tc.field)
		}
	}
	if got := checks(); got != before+2 {
		t.Fatalf("refused checks were recorded: %d, want %d", got, before+2)
	}

	// The page: today's checkpoint listed as holding; the form checks a
	// saved file and names what is wrong with one that is not a file of
	// checkpoints.
	b := e.browser("supervisor")
	r = b.get("/supervision/audit")
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), head.Hash) || !strings.Contains(r.Body.String(), "一致") {
		t.Fatalf("audit page: %d", r.Code)
	}
	// The page's download link works with the page's session.
	if r := b.get("/supervision/audit/checkpoints.json"); r.Code != http.StatusOK || !bytes.Equal(r.Body.Bytes(), saved) {
		t.Fatalf("download from the page: %d %s", r.Code, r.Body.String())
	}
	r = b.postFile("/supervision/audit/checkpoints/check", "file", "audit-checkpoints.json", saved)
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "核对通过") {
		t.Fatalf("form check of the saved file: %d %s", r.Code, r.Body.String())
	}
	altered := bytes.ReplaceAll(saved, []byte(head.Hash), []byte(other))
	r = b.postFile("/supervision/audit/checkpoints/check", "file", "audit-checkpoints.json", altered)
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "核对未通过") || !strings.Contains(r.Body.String(), "不一致") {
		t.Fatalf("form check of an altered file: %d %s", r.Code, r.Body.String())
	}
	r = b.postFile("/supervision/audit/checkpoints/check", "file", "notes.txt", []byte("not json"))
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "不是本系统下载的审计链存证文件") {
		t.Fatalf("form check of a file that is not checkpoints: %d", r.Code)
	}
	// No CSRF token: refused before anything is read.
	req := httptest.NewRequest(http.MethodPost, "/supervision/audit/checkpoints/check", strings.NewReader("x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := b.do(req); r.Code != http.StatusForbidden {
		t.Fatalf("form without CSRF token: %d", r.Code)
	}
	if got := checks(); got != before+4 {
		t.Fatalf("checks recorded: %d, want %d", got, before+4)
	}
}

func hasField(ae apiError, field, code string) bool {
	for _, f := range ae.Error.Fields {
		if f.Name == field && (code == "" || f.Code == code) {
			return true
		}
	}
	return false
}

// TestAuditCheckpointsFileWithMoreAfterIt: a saved file that holds more
// than the one downloaded list (a second download appended to it, or
// anything else) is refused by the page, as by the API and the command
// line; the page checked the first list only and said every checkpoint
// held (found by an exploratory run).
func TestAuditCheckpointsFileWithMoreAfterIt(t *testing.T) {
	e := newEnv(t)
	e.sealAndVerify()
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := e.db.Get(&head, `SELECT seq, hash FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(checkpointFile{Checkpoints: []apiCheckpoint{{Day: "2026-03-01", Seq: head.Seq, Hash: head.Hash}}})
	altered, _ := json.Marshal(checkpointFile{Checkpoints: []apiCheckpoint{{Day: "2026-03-02", Seq: head.Seq, Hash: strings.Repeat("0", 64)}}})
	page := e.browser("supervisor")
	if r := page.postFile("/supervision/audit/checkpoints/check", "file", "ok.json", append(good, "\n\n"...)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "核对通过") {
		t.Fatalf("one list and blank lines: %d", r.Code)
	}
	for name, content := range map[string][]byte{
		"two lists":  append(append(good, '\n'), altered...),
		"text after": append(good, "\n另存于2026年3月"...),
		"a stray }":  append(good, '}'),
	} {
		r := page.postFile("/supervision/audit/checkpoints/check", "file", "saved.json", content)
		if r.Code != http.StatusBadRequest || strings.Contains(r.Body.String(), "核对通过") || !strings.Contains(r.Body.String(), "存证记录之后还有其他内容") {
			t.Errorf("%s: %d, passed %v", name, r.Code, strings.Contains(r.Body.String(), "核对通过"))
		}
	}
}

// The audit log filters by days in Asia/Shanghai, both included: an event
// at 23:30 on 4 March in Shanghai (15:30 UTC) is on the 4th, one at 00:30
// on the 5th (16:30 UTC on the 4th) on the 5th.
func TestAuditLogDateFilter(t *testing.T) {
	e := newEnv(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{Username: "date-filter-test", Role: "staff"})
	for _, at := range []time.Time{
		time.Date(2031, 3, 4, 15, 30, 0, 0, time.UTC),
		time.Date(2031, 3, 4, 16, 30, 0, 0, time.UTC),
	} {
		if err := audit.Record(ctx, e.db, at, audit.Event{Action: "test.date", ObjectType: "test", ObjectID: at.Format(time.RFC3339)}); err != nil {
			t.Fatal(err)
		}
	}
	sup := e.api("supervisor")
	count := func(q string) int {
		t.Helper()
		var out struct {
			Events []struct {
				OccurredAt time.Time `json:"occurred_at"`
			} `json:"events"`
		}
		r := sup.json(http.MethodGet, "/api/v1/audit/events?actor=date-filter-test&"+q, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", q, r.Code, r.Body.String())
		}
		r.decode(t, &out)
		return len(out.Events)
	}
	for q, want := range map[string]int{"": 2, "from=2031-03-04&to=2031-03-04": 1, "from=2031-03-05": 1, "to=2031-03-04": 1,
		"from=2031-03-04&to=2031-03-05": 2, "from=2031-03-06": 0} {
		if got := count(q); got != want {
			t.Errorf("?%s: %d events, want %d", q, got, want)
		}
	}
	if page := e.browser("supervisor").get("/supervision/audit?actor=date-filter-test&from=2031-03-05"); page.Code != http.StatusOK ||
		!strings.Contains(page.Body.String(), `name="from" value="2031-03-05"`) {
		t.Errorf("audit page with a date filter: %d", page.Code)
	}
}
