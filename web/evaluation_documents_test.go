package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ggzy/evaluation"
	"ggzy/evaluation/evaltest"
)

// pdfText is the text of a PDF as pdftotext reads it, white space removed
// so that strings are found across the layout's line breaks. Without
// poppler the calling (sub)test is skipped locally and fails under CI=true.
func pdfText(t testing.TB, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext (poppler-utils) is required under CI")
		}
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

// wantPDF checks a PDF answer: 200, application/pdf, and the SHA-256 of
// the bytes equal to the X-Content-SHA256 header and, when sha is given, to
// it (the value recorded with the project).
func wantPDF(t testing.TB, r response, sha string) []byte {
	t.Helper()
	if r.Code != http.StatusOK {
		t.Fatalf("status %d: %.300s", r.Code, r.Body.String())
	}
	if ct := r.Header().Get("Content-Type"); ct != "application/pdf" {
		t.Fatalf("Content-Type %q", ct)
	}
	body := r.Body.Bytes()
	if !bytes.HasPrefix(body, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.40q", body)
	}
	sum := sha256.Sum256(body)
	got := hex.EncodeToString(sum[:])
	if h := r.Header().Get(headerSHA256); h != got {
		t.Fatalf("%s %q, SHA-256 of the bytes %s", headerSHA256, h, got)
	}
	if sha != "" && got != sha {
		t.Fatalf("downloaded SHA-256 %s, recorded %s", got, sha)
	}
	return body
}

// issued returns the SHA-256 recorded for the lot's latest document of kind
// and how many rows the kind has.
func (f *evalFixture) issued(t testing.TB, kind string) (sha string, rows int) {
	t.Helper()
	rows = f.e.count(`SELECT COUNT(*) FROM issued_documents WHERE lot_id = ? AND kind = ? AND project_id = ?`, f.lot, kind, f.project)
	if rows == 0 {
		t.Fatalf("no %s issued for lot %d", kind, f.lot)
	}
	if err := f.e.db.Get(&sha, `SELECT sha256 FROM issued_documents WHERE lot_id = ? AND kind = ? ORDER BY id DESC LIMIT 1`, f.lot, kind); err != nil {
		t.Fatal(err)
	}
	return sha, rows
}

func (f *evalFixture) docPath(kind string) string {
	return fmt.Sprintf("/evaluation/lots/%d/documents/%s.pdf", f.lot, kind)
}

func (f *evalFixture) docAPI(kind string) string { return "/api/v1" + f.docPath(kind) }

// scoreEvenly has every member give every qualified bid the same scores,
// better bids first, so that no score deviates.
func (f *evalFixture) scoreEvenly(t testing.TB, committee []string, d evaluation.Desk, bids int) {
	t.Helper()
	for _, x := range committee {
		for i, b := range d.Bids[:bids] {
			for _, c := range d.ScoredCriteria() {
				p := c.Max*80/100 - Points(i*50)
				mustOK(t, f.desk(x, http.MethodPut, "/scores", map[string]any{"bid_id": b.ID, "criterion_id": c.ID, "points": p.String()}))
			}
		}
	}
}

// TestEvaluationDocumentsHTTP follows a lot from the opening to the award
// and checks the PDF minutes each step issues: the opening record, the
// evaluation report and the award notice are recorded with the project
// once each, download with the recorded SHA-256, read back with the
// expected text, and only to those the rules allow.
func TestEvaluationDocumentsHTTP(t *testing.T) {
	e := newEnv(t)
	f := newEvalFixture(t, e, 5)
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5"}
	d := f.openAndSeat(t, committee)

	// The opening record is issued when the opening closes; the lot's
	// bidders, its agency, staff and supervisors may download it.
	sha, rows := f.issued(t, evaluation.DocOpeningRecord)
	if rows != 1 {
		t.Fatalf("opening record rows: %d", rows)
	}
	for _, c := range []*client{f.bidder("bidder2"), e.api("agency"), e.api("staff"), e.api("supervisor")} {
		wantPDF(t, c.get(f.docAPI(evaluation.DocOpeningRecord)), sha)
	}
	wantStatus(t, e.api("agency2").get(f.docAPI(evaluation.DocOpeningRecord)), http.StatusNotFound, "document_not_found")
	wantStatus(t, e.api("staff").get(f.docAPI(evaluation.DocEvaluationReport)), http.StatusNotFound, "document_not_issued")
	wantStatus(t, e.api("staff").get(fmt.Sprintf("/api/v1/evaluation/lots/%d/documents/opening_record.txt", f.lot)), http.StatusNotFound, "document_not_found")
	opening := wantPDF(t, e.browser("bidder3").get(f.docPath(evaluation.DocOpeningRecord)), sha)
	t.Run("opening record text", func(t *testing.T) {
		text := pdfText(t, opening)
		for _, want := range []string{"开标记录表", "GC2026-0007", "投标单位05有限公司", "9,000,000.00", "示范市城市建设投资有限公司"} {
			if !strings.Contains(text, want) {
				t.Errorf("opening record lacks %q", want)
			}
		}
	})

	// The evaluation: bid 5 rejected, the others scored, summary, signatures.
	f.reviewAll(t, committee, d, map[int64]bool{d.Bids[4].ID: true})
	mustOK(t, f.desk("expert1", http.MethodPost, "/reviews/confirm", nil))
	d = f.deskView(t, "expert1")
	f.scoreEvenly(t, committee, d, 4)
	mustOK(t, f.desk("expert1", http.MethodPost, "/summary", nil))
	d = f.deskView(t, "expert1")
	top := d.Results[0]
	for _, x := range committee[:4] {
		mustOK(t, f.desk(x, http.MethodPost, "/signature", map[string]any{"agree": true}))
	}
	mustOK(t, f.desk("expert5", http.MethodPost, "/signature", map[string]any{"agree": false, "dissent": "第二名技术方案评分偏低"}))
	mustOK(t, f.desk("expert1", http.MethodPost, "/close", nil))

	// The report is issued at the close; staff and supervisors download it;
	// the agency and the bidders may not before publication and award.
	sha, rows = f.issued(t, evaluation.DocEvaluationReport)
	if rows != 1 {
		t.Fatalf("evaluation report rows: %d", rows)
	}
	report := wantPDF(t, e.api("staff").get(f.docAPI(evaluation.DocEvaluationReport)), sha)
	wantPDF(t, e.browser("supervisor").get(f.docPath(evaluation.DocEvaluationReport)), sha)
	wantStatus(t, f.bidder("bidder1").get(f.docAPI(evaluation.DocEvaluationReport)), http.StatusNotFound, "document_not_found")
	wantStatus(t, e.api("agency").get(f.docAPI(evaluation.DocEvaluationReport)), http.StatusNotFound, "document_not_found")
	if r := e.browser("bidder1").get(f.docPath(evaluation.DocEvaluationReport)); r.Code != http.StatusNotFound {
		t.Fatalf("bidder's browser gets the report: %d", r.Code)
	}
	t.Run("evaluation report text", func(t *testing.T) {
		text := pdfText(t, report)
		for _, want := range []string{"评标报告", "GC2026-0007", "投标单位02有限公司", top.Bidder, top.Price.Upper(), "专家1", "第二名技术方案评分偏低",
			"资质证书已过有效期", evaluation.RejectionGrounds[2]} {
			if !strings.Contains(text, want) {
				t.Errorf("evaluation report lacks %q", want)
			}
		}
	})

	// Issuing the same bytes again adds no row and returns the first record.
	ctx := context.Background()
	again, err := e.deps.Evaluation.Issue(ctx, f.project, f.lot, evaluation.DocEvaluationReport, func(w io.Writer) error { _, err := w.Write(report); return err })
	if err != nil {
		t.Fatal(err)
	}
	if _, n := f.issued(t, evaluation.DocEvaluationReport); n != 1 || again.SHA256 != sha {
		t.Fatalf("issued again: %d rows, %s", n, again.SHA256)
	}

	// The lot page links what the viewer may download.
	if r := e.browser("staff").get(fmt.Sprintf("/evaluation/lots/%d", f.lot)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), f.docPath(evaluation.DocEvaluationReport)) {
		t.Fatalf("staff lot page lacks the report link: %d", r.Code)
	}
	if r := e.browser("bidder1").get(fmt.Sprintf("/evaluation/lots/%d", f.lot)); r.Code != http.StatusOK ||
		!strings.Contains(r.Body.String(), f.docPath(evaluation.DocOpeningRecord)) || strings.Contains(r.Body.String(), evaluation.DocEvaluationReport) {
		t.Fatalf("bidder lot page: %d", r.Code)
	}
	var list struct {
		Documents []struct {
			Kind   string `json:"kind"`
			SHA256 string `json:"sha256"`
			URL    string `json:"url"`
		} `json:"documents"`
	}
	r := f.bidder("bidder1").get(fmt.Sprintf("/api/v1/evaluation/lots/%d/documents", f.lot))
	mustOK(t, r)
	r.decode(t, &list)
	if len(list.Documents) != 1 || list.Documents[0].Kind != evaluation.DocOpeningRecord || list.Documents[0].URL != f.docAPI(evaluation.DocOpeningRecord) {
		t.Fatalf("bidder's document list: %s", r.Body.String())
	}

	// Publicity, then the award: the notice is issued; the agency may now
	// read the report, the winner his notice, nobody else the notice.
	mustOK(t, e.api("agency").json(http.MethodPost, f.path("/publicity"), nil))
	e.clock.Advance(4 * 24 * time.Hour)
	if err := e.deps.Evaluation.EndPublicity(ctx, f.lot); err != nil {
		t.Fatal(err)
	}
	agencyAPI := e.api("agency")
	r = agencyAPI.json(http.MethodPost, f.path("/award"), nil)
	mustOK(t, r)
	var award evaluation.Award
	r.decode(t, &award)
	notice, rows := f.issued(t, evaluation.DocAwardNotice)
	if rows != 1 {
		t.Fatalf("award notice rows: %d", rows)
	}
	wantPDF(t, agencyAPI.get(f.docAPI(evaluation.DocEvaluationReport)), sha)
	winner, loser := "", ""
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("bidder%d", i)
		if _, org := userID(t, e, name); org == award.OrgID {
			winner = name
		} else if loser == "" {
			loser = name
		}
	}
	body := wantPDF(t, e.api(winner).get(f.docAPI(evaluation.DocAwardNotice)), notice)
	wantStatus(t, e.api(loser).get(f.docAPI(evaluation.DocAwardNotice)), http.StatusNotFound, "document_not_found")
	wantStatus(t, e.api(winner).get(f.docAPI(evaluation.DocEvaluationReport)), http.StatusNotFound, "document_not_found")
	t.Run("award notice text", func(t *testing.T) {
		text := pdfText(t, body)
		for _, want := range []string{"中标通知书", award.Winner, award.Price.Upper(), "GC2026-0007"} {
			if !strings.Contains(text, want) {
				t.Errorf("award notice lacks %q", want)
			}
		}
	})
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE project_id = ? AND action = 'document.issue'`, f.project); n != 3 {
		t.Errorf("document.issue events: %d, want 3", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE project_id = ? AND action = 'document.download'`, f.project); n != 9 {
		t.Errorf("document.download events: %d, want 9 (one per successful download)", n)
	}
}

// TestEvaluationFailedDocumentsHTTP: a 流标 at the opening issues its
// opening record; a failed evaluation issues the failed-evaluation report,
// which only staff and supervisors may read.
func TestEvaluationFailedDocumentsHTTP(t *testing.T) {
	e := newEnv(t)

	t.Run("failed opening", func(t *testing.T) {
		f := newEvalFixture(t, e, 5)
		_, o1 := userID(t, e, "bidder1")
		_, o2 := userID(t, e, "bidder2")
		f.w.SetBids(f.lot, evaltest.Bids(2, []int64{o1, o2}, 9_000_000_00))
		mustOK(t, e.api("staff").json(http.MethodPost, f.path("/opening"), nil))
		sha, rows := f.issued(t, evaluation.DocOpeningRecord)
		if rows != 1 {
			t.Fatalf("rows %d", rows)
		}
		pdf := wantPDF(t, f.bidder("bidder1").get(f.docAPI(evaluation.DocOpeningRecord)), sha)
		t.Run("text", func(t *testing.T) {
			if text := pdfText(t, pdf); !strings.Contains(text, "流标") || !strings.Contains(text, "投标单位02有限公司") {
				t.Errorf("failed opening record: %s", text)
			}
		})
	})

	t.Run("failed evaluation", func(t *testing.T) {
		f := newEvalFixture(t, e, 5)
		committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5"}
		d := f.openAndSeat(t, committee)
		f.reviewAll(t, committee, d, map[int64]bool{d.Bids[0].ID: true, d.Bids[1].ID: true, d.Bids[2].ID: true})
		mustOK(t, f.desk("expert1", http.MethodPost, "/reviews/confirm", nil))
		mustOK(t, f.desk("expert1", http.MethodPost, "/failure", map[string]any{"reason": "通过初步评审的投标仅2家，明显缺乏竞争，否决全部投标"}))
		for _, x := range committee {
			mustOK(t, f.desk(x, http.MethodPost, "/signature", map[string]any{"agree": true}))
		}
		mustOK(t, f.desk("expert1", http.MethodPost, "/close", nil))
		sha, rows := f.issued(t, evaluation.DocFailedReport)
		if rows != 1 || e.count(`SELECT COUNT(*) FROM issued_documents WHERE lot_id = ? AND kind = ?`, f.lot, evaluation.DocEvaluationReport) != 0 {
			t.Fatalf("failed report rows %d", rows)
		}
		pdf := wantPDF(t, e.api("supervisor").get(f.docAPI(evaluation.DocFailedReport)), sha)
		wantStatus(t, e.api("agency").get(f.docAPI(evaluation.DocFailedReport)), http.StatusNotFound, "document_not_found")
		wantStatus(t, f.bidder("bidder4").get(f.docAPI(evaluation.DocFailedReport)), http.StatusNotFound, "document_not_found")
		t.Run("text", func(t *testing.T) {
			if text := pdfText(t, pdf); !strings.Contains(text, "评标失败报告") || !strings.Contains(text, "明显缺乏竞争") {
				t.Errorf("failed report: %s", text)
			}
		})
	})
}
