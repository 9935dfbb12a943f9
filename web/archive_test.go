package web

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ggzy/audit"
	"ggzy/evaluation"
	"ggzy/expertpool"
	"ggzy/filestore"
	"ggzy/schedule"
	"ggzy/trading"
)

// archiveZip is an exported archive read back: each entry's bytes and the
// manifest.
type archiveZip struct {
	files    map[string][]byte
	manifest archiveManifest
}

// readArchive checks an export answer (200, a zip) and checks every file
// the manifest lists against the zip's entries: same names, SHA-256 and
// size, and nothing in the zip the manifest leaves out.
func readArchive(t testing.TB, r response) archiveZip {
	t.Helper()
	if r.Code != http.StatusOK {
		t.Fatalf("export: %d %.500s", r.Code, r.Body.String())
	}
	if ct := r.Header().Get("Content-Type"); ct != "application/zip" {
		t.Fatalf("Content-Type %q", ct)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.Body.Bytes()), int64(r.Body.Len()))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	a := archiveZip{files: map[string][]byte{}}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", f.Name, err)
		}
		a.files[f.Name] = b
	}
	mb, ok := a.files["manifest.json"]
	if !ok {
		t.Fatalf("no manifest.json in %v", names(a.files))
	}
	if err := json.Unmarshal(mb, &a.manifest); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	listed := map[string]bool{"manifest.json": true}
	for _, f := range a.manifest.Files {
		b, ok := a.files[f.Name]
		if !ok {
			t.Errorf("manifest lists %s, which the zip does not hold", f.Name)
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != f.SHA256 || int64(len(b)) != f.Size {
			t.Errorf("%s: zip entry SHA-256 %s size %d, manifest %s size %d", f.Name, got, len(b), f.SHA256, f.Size)
		}
		listed[f.Name] = true
	}
	for n := range a.files {
		if !listed[n] {
			t.Errorf("zip holds %s, which the manifest does not list", n)
		}
	}
	return a
}

func names(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestSupervisionArchiveSealedThenOpened follows one project: before the
// opening its archive (list, page, export) shows that it exists and what
// was published, and nothing of who signed up or bid or how many; after
// the opening the sign-ups, the opening record and its PDF are there, and
// the export's manifest matches its entries and names the chain head.
func TestSupervisionArchiveSealedThenOpened(t *testing.T) {
	e := newEnv(t)
	e.deps.Evaluation.Files = filestore.Local{Root: t.TempDir()} // issued documents are kept
	title := uniqueTitle("档案测试滨河道路工程")
	p := registerAndPublish(t, e, title)
	lot := p.Lots[0]

	e.clock.Set(sh("2026-03-05 10:00"))
	bidders := []string{"bidder1", "bidder2", "bidder3"}
	for i, u := range bidders {
		bid(t, e, u, lot, fmt.Sprintf("9,%d00,000.00", i+1))
		e.clock.Advance(time.Minute)
	}
	signUpAndDeposit(t, e, e.api("bidder4"), lot, "EG-ARCH-bidder4") // signed up, no bid
	var orgs []string
	for _, u := range append(bidders, "bidder4") {
		orgs = append(orgs, orgName(t, u))
	}
	noBidder := func(t *testing.T, where, body string) {
		t.Helper()
		for _, o := range orgs {
			if strings.Contains(body, o) {
				t.Errorf("%s names %s before the opening", where, o)
			}
		}
		for _, u := range append(bidders, "bidder4") {
			if strings.Contains(body, `"actor": "`+u+`"`) {
				t.Errorf("%s holds an event of %s before the opening", where, u)
			}
		}
	}
	sup := e.browser("supervisor")
	page := fmt.Sprintf("/supervision/projects/%d", p.ID)

	t.Run("before the opening", func(t *testing.T) {
		r := sup.get("/supervision/projects?q=" + url.QueryEscape(title))
		if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), title) || !strings.Contains(r.Body.String(), `href="`+page+`"`) {
			t.Fatalf("list: %d, has the project %v", r.Code, strings.Contains(r.Body.String(), title))
		}
		if r = sup.get("/supervision/projects?kind=engineering&status=published&q=" + url.QueryEscape(title)); !strings.Contains(r.Body.String(), title) {
			t.Errorf("filtered list misses the project")
		}
		if r = sup.get("/supervision/projects?kind=land&q=" + url.QueryEscape(title)); r.Code != http.StatusOK || strings.Contains(r.Body.String(), `href="`+page+`"`) {
			t.Errorf("land filter lists the engineering project: %d", r.Code)
		}
		r = sup.get(page)
		body := r.Body.String()
		if r.Code != http.StatusOK || !strings.Contains(body, title) || !strings.Contains(body, p.Code) {
			t.Fatalf("archive page: %d", r.Code)
		}
		for _, want := range []string{`data-testid="sealed"`, "/supervision/audit?project_id=" + fmt.Sprint(p.ID), "trading.project.publish", "受理", "交易公告"} {
			if !strings.Contains(body, want) {
				t.Errorf("archive page lacks %q", want)
			}
		}
		for _, not := range []string{`data-testid="signups"`, `data-testid="opening-record"`, "报名时间", "递交文件"} {
			if strings.Contains(body, not) {
				t.Errorf("archive page shows %q before the opening", not)
			}
		}
		noBidder(t, "archive page", body)

		a := readArchive(t, e.api("supervisor").get(fmt.Sprintf("/api/v1/supervision/projects/%d/archive", p.ID)))
		if len(a.files) != 2 || a.files["events.json"] == nil {
			t.Errorf("zip before the opening holds %v, want events.json and manifest.json only", names(a.files))
		}
		for n, b := range a.files {
			noBidder(t, n, string(b))
		}
		if a.manifest.Project.ID != p.ID || a.manifest.Project.Code != p.Code || a.manifest.ExportedBy != "supervisor" ||
			!a.manifest.ExportedAt.Equal(e.clock.Now()) || a.manifest.ExportedAt.Location() != time.UTC || a.manifest.AuditHead.Hash == "" {
			t.Errorf("manifest: %+v", a.manifest)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'archive.export' AND project_id = ? AND actor = 'supervisor'`, p.ID); n != 1 {
			t.Errorf("%d export events", n)
		}
	})

	// The opening: the deadline passes, the bids are unsealed, every
	// bidder confirms and staff close the opening, which issues the
	// opening record.
	e.clock.Set(sh("2026-03-30 09:30"))
	sweepDeadlines(t, e)
	for _, u := range bidders {
		mustOK(t, e.api(u).json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/lots/%d/confirmation", lot), map[string]any{"agree": true}))
	}
	mustOK(t, e.api("staff").json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/lots/%d/opening/close", lot), nil))
	var sha string
	if err := e.db.Get(&sha, `SELECT sha256 FROM issued_documents WHERE project_id = ? AND lot_id = ? AND kind = ?`, p.ID, lot, evaluation.DocOpeningRecord); err != nil {
		t.Fatalf("opening record not issued: %v", err)
	}
	rep := e.sealAndVerify()

	t.Run("after the opening", func(t *testing.T) {
		sup := e.browser("supervisor") // the first session has expired meanwhile
		r := sup.get(page)
		body := r.Body.String()
		if r.Code != http.StatusOK {
			t.Fatalf("archive page: %d", r.Code)
		}
		for _, o := range orgs {
			if !strings.Contains(body, o) {
				t.Errorf("archive page after the opening does not name %s", o)
			}
		}
		for _, want := range []string{`data-testid="signups"`, `data-testid="opening-record"`, "9,100,000.00", sha,
			fmt.Sprintf("/evaluation/lots/%d/documents/opening_record.pdf", lot)} {
			if !strings.Contains(body, want) {
				t.Errorf("archive page lacks %q", want)
			}
		}
		if strings.Contains(body, `data-testid="sealed"`) {
			t.Errorf("a lot closed at the deadline is still shown sealed")
		}

		a := readArchive(t, sup.get(page+"/archive.zip"))
		var doc *manifestFile
		for i, f := range a.manifest.Files {
			if f.Kind == evaluation.DocOpeningRecord {
				doc = &a.manifest.Files[i]
			}
		}
		if doc == nil {
			t.Fatalf("no opening record in %v", names(a.files))
		}
		if doc.SHA256 != sha || doc.RecordedSHA256 != sha || doc.Intact == nil || !*doc.Intact || doc.LotID != lot ||
			!bytes.HasPrefix(a.files[doc.Name], []byte("%PDF-")) {
			t.Errorf("opening record entry: %+v", *doc)
		}
		if a.manifest.AuditHead.Seq < rep.HeadSeq || !a.manifest.AuditChainOK {
			t.Errorf("audit head %+v, chain sealed up to %d", a.manifest.AuditHead, rep.HeadSeq)
		}
		var ev struct {
			ProjectID int64          `json:"project_id"`
			Events    []archiveEvent `json:"events"`
		}
		if err := json.Unmarshal(a.files["events.json"], &ev); err != nil {
			t.Fatal(err)
		}
		actions := map[string]bool{}
		var sealed int
		for i, x := range ev.Events {
			actions[x.Action] = true
			if x.ProjectID == nil || *x.ProjectID != p.ID {
				t.Errorf("event %d of another project", x.ID)
			}
			if i > 0 && x.ID <= ev.Events[i-1].ID {
				t.Errorf("events out of order at %d", x.ID)
			}
			if x.Seq != nil && (x.Hash == nil || x.PrevHash == nil) {
				t.Errorf("sealed event %d without its hashes", x.ID)
			}
			if x.Seq != nil {
				sealed++
			}
		}
		for _, want := range []string{"trading.project.create", "trading.project.publish", "trading.lot.close", "document.issue", "archive.export"} {
			if !actions[want] {
				t.Errorf("events.json lacks %s", want)
			}
		}
		if sealed == 0 {
			t.Errorf("no sealed event in events.json")
		}
	})
}

// TestSupervisionArchiveBadInput: an unknown project is a 404 problem, a
// filter that cannot be read a 400 naming its field.
func TestSupervisionArchiveBadInput(t *testing.T) {
	e := newEnv(t)
	api, sup := e.api("supervisor"), e.browser("supervisor")
	for _, path := range []string{"/supervision/projects/999999999", "/supervision/projects/999999999/archive.zip"} {
		wantStatus(t, sup.json(http.MethodGet, path, nil), http.StatusNotFound, "project_not_found")
	}
	wantStatus(t, api.json(http.MethodGet, "/api/v1/supervision/projects/999999999/archive", nil), http.StatusNotFound, "project_not_found")
	if r := sup.get("/supervision/projects/999999999"); r.Code != http.StatusNotFound {
		t.Errorf("page of an unknown project: %d", r.Code)
	}
	if r := sup.get("/supervision/projects/abc"); r.Code != http.StatusNotFound {
		t.Errorf("page of a bad id: %d", r.Code)
	}
	for _, tc := range []struct{ query, field string }{
		{"kind=ship", "kind"},
		{"status=archived", "status"},
		{"outcome=won", "outcome"},
		{"page=0", "page"},
		{"page=x", "page"},
		{"page=10001", "page"},
		{"q=" + strings.Repeat("档", 51), "q"},
	} {
		t.Run(tc.query[:min(len(tc.query), 12)], func(t *testing.T) {
			r := sup.json(http.MethodGet, "/supervision/projects?"+tc.query, nil)
			if r.Code != http.StatusBadRequest {
				t.Fatalf("%s: %d %s", tc.query, r.Code, r.Body.String())
			}
			var body apiError
			r.decode(t, &body)
			if len(body.Error.Fields) != 1 || body.Error.Fields[0].Name != tc.field {
				t.Errorf("%s: fields %+v, want %s", tc.query, body.Error.Fields, tc.field)
			}
			if r := sup.get("/supervision/projects?" + tc.query); r.Code != http.StatusBadRequest {
				t.Errorf("page with %s: %d", tc.query, r.Code)
			}
		})
	}
	// Filters that select nothing answer an empty list, not an error.
	if r := sup.get("/supervision/projects?kind=property&status=draft&outcome=retender&page=3"); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "没有符合条件的项目") {
		t.Errorf("empty list: %d", r.Code)
	}
}

// TestSupervisionArchivePageRendersEveryPart renders the archive page with
// every part filled (result, award, committee, clarifications, draws,
// bookings, recordings, documents), which the HTTP tests above reach only
// in part: a field the template names that does not exist fails here.
func TestSupervisionArchivePageRendersEveryPart(t *testing.T) {
	v, err := newViews(false)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := v.page("supervision_project")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 30, 1, 30, 0, 0, time.UTC)
	p := &trading.Project{ID: 7, Code: "GC-2026-0007", Kind: trading.Engineering, Method: "open", Title: "示范道路工程", Status: trading.StatusResult,
		Details: map[string]string{}, RuleSetID: 1, Reviews: []trading.Review{{Decision: "return", Items: []string{"缺少立项批文"}, ReviewedAt: at}, {Decision: "accept", ReviewedAt: at}},
		Lots: []trading.Lot{{ID: 70, No: 1, Name: "第一标段", Status: trading.LotClosed, ClosedAt: at, Outcome: trading.OutcomeAwarded, OutcomeName: "中标", Winner: "甲公司"}}}
	rec := &trading.ProjectRecord{Project: p, RuleSetID: 1, AnnounceAt: at, SelectionID: 3,
		RuleChecks: []trading.Finding{{RuleID: "eng_tender_period", Action: "warn", Message: "提示"}, {RuleID: "eng_doc_sale", Action: "block", Message: "发售期不足"},
			{RuleID: "eng_clarification", Action: "move", Message: "澄清晚于截止前15日"}},
		Announcements: []trading.Announcement{{ID: 1, Type: "clarification", Title: "澄清", Body: "澄清内容", PublishedAt: at}}}
	lots := []archiveLot{{Lot: p.Lots[0], Closed: true,
		Signups: &trading.Opening{LotID: 70, Entries: []trading.Entry{{OrgName: "甲公司", SignedUpAt: at, DepositCheck: "ok",
			Receipts: []trading.Receipt{{Name: "投标文件.pdf", SHA256: "ab", Size: 3, ReceivedAt: at, Status: "submitted"}}}}},
		Opening: &evaluation.OpeningRecord{LotID: 70, StateName: "开标结束", Bids: []evaluation.OpenedBidView{{Bidder: "甲公司", PriceText: "1.00", Unseal: evaluation.UnsealOK}},
			Objections: []evaluation.Objection{{Body: "异议", Answer: "答复"}}},
		Result: &evaluation.Result{StateName: "已定标", Lines: []evaluation.ResultLine{{Bidder: "甲公司", Rank: 1, Qualified: true, Candidate: true}},
			Members: []evaluation.DeskMember{{Name: "专家甲", State: "active", Dissent: "保留"}}, PublicityStart: at, PublicityEnd: at,
			Award: &evaluation.Award{Winner: "甲公司", AwardedAt: at}},
		Clarifications: []evaluation.Clarification{{Bidder: "甲公司", Question: "请澄清", State: "answered", Answer: "已澄清"}},
		Draws:          []expertpool.Draw{{ID: 5, Seq: 1, Status: expertpool.DrawPublished, SessionStart: at, PoolHash: "cd"}},
	}}
	data := withNames(map[string]any{"Rec": rec, "P": p, "Lots": lots,
		"Documents":  []archiveDoc{{IssuedDocument: evaluation.IssuedDocument{ID: 1, LotID: 70, Kind: evaluation.DocAwardNotice, SHA256: "ef", Stored: true, IssuedAt: at}, Name: "中标通知书", URL: "/evaluation/lots/70/documents/award_notice.pdf"}},
		"Bookings":   []schedule.Booking{{RoomName: "开标室一", EventKind: "opening", StartsAt: at, EndsAt: at, State: "cancelled", CancelReason: "改期"}},
		"Recordings": []schedule.Recording{{Class: "opening", Ref: "rec-1", RecordedAt: at}},
		"Events":     []audit.Row{{ID: 1, Action: "trading.project.create", OccurredAt: at}}, "EventsMore": true,
		"AnnouncementTypes": trading.AnnouncementTypes, "DrawStatusNames": expertpool.DrawStatusNames, "DepositMethods": trading.DepositMethods,
		"ActionNames": audit.ActionNames})
	var buf bytes.Buffer
	if err := tpl.ExecuteTemplate(&buf, "layout", &Page{Title: "交易档案", Data: data}); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{">block<", ">move<", "· submitted"} {
		if strings.Contains(buf.String(), code) {
			t.Errorf("page shows the code %q", code)
		}
	}
	for _, want := range []string{"不符合</span> 发售期不足", "顺延</span> 澄清晚于截止前15日", "· 已递交</div>", "缺少立项批文", "澄清内容", "投标文件.pdf", "异议", "专家甲", "请澄清", "/expert-draws/5/verify", "award_notice.pdf", "改期", "rec-1", "/fixedprice/3", "trading.project.create"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestSupervisionArchiveNamesNotCodes: after the opening the archive page
// tells a receipt's state in Chinese (已递交, 已替换) and an issued
// document's lot by its number in the project (第1标段（包）); it showed the
// stored codes "submitted", "replaced" and the lot's database id (found by
// an exploratory run).
func TestSupervisionArchiveNamesNotCodes(t *testing.T) {
	e := newEnv(t)
	e.deps.Evaluation.Files = filestore.Local{Root: t.TempDir()}
	p := registerAndPublish(t, e, uniqueTitle("档案名称测试滨河道路工程"))
	lot := p.Lots[0]
	e.clock.Set(sh("2026-03-05 10:00"))
	bidders := []string{"bidder1", "bidder2", "bidder3"}
	var first trading.Receipt
	for i, u := range bidders {
		rec := bid(t, e, u, lot, fmt.Sprintf("9,%d00,000.00", i+1))
		if i == 0 {
			first = rec
		}
	}
	// bidder1 replaces its file.
	r := e.api("bidder1").upload(fmt.Sprintf("/api/v1/bids/lots/%d/files?replace=%d", lot, first.FileID), "投标文件-修改.pdf", strings.NewReader("修改后的投标文件"))
	if r.Code != http.StatusCreated {
		t.Fatalf("replace: %d %s", r.Code, r.Body.String())
	}
	e.clock.Set(sh("2026-03-30 09:30"))
	sweepDeadlines(t, e)
	for _, u := range bidders {
		mustOK(t, e.api(u).json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/lots/%d/confirmation", lot), map[string]any{"agree": true}))
	}
	mustOK(t, e.api("staff").json(http.MethodPost, fmt.Sprintf("/api/v1/evaluation/lots/%d/opening/close", lot), nil))

	r = e.browser("supervisor").get(fmt.Sprintf("/supervision/projects/%d", p.ID))
	body := r.Body.String()
	if r.Code != http.StatusOK {
		t.Fatalf("archive page: %d", r.Code)
	}
	for _, code := range []string{"· submitted", "· replaced", "· withdrawn"} {
		if strings.Contains(body, code) {
			t.Errorf("archive page shows the receipt state %q", code)
		}
	}
	if n := strings.Count(body, "· 已递交</div>"); n != 3 || !strings.Contains(body, "· 已替换</div>") {
		t.Errorf("receipts: %d 已递交, 已替换 %v", n, strings.Contains(body, "· 已替换</div>"))
	}
	docs := body[strings.Index(body, `data-testid="documents"`):]
	docs = docs[:strings.Index(docs, "</table>")]
	if !strings.Contains(docs, "<td>第1标段（包）</td>") || strings.Contains(docs, fmt.Sprintf("<td>%d</td>", lot)) {
		t.Errorf("documents table names the lot by its id: %s", docs)
	}
}

// TestSupervisionArchiveZipTimesBeijing: the zip's entries carry Beijing
// time in the MS-DOS date and time that zip tools (Windows' own among them)
// show; they held UTC, eight hours early, so a document issued at 09:30
// showed 01:30 (found by an exploratory run).
func TestSupervisionArchiveZipTimesBeijing(t *testing.T) {
	e := newEnv(t)
	p := registerAndPublish(t, e, uniqueTitle("档案时间测试滨河道路工程"))
	e.clock.Set(sh("2026-03-05 10:20"))
	r := e.browser("supervisor").get(fmt.Sprintf("/supervision/projects/%d/archive.zip", p.ID))
	readArchive(t, r)
	zr, err := zip.NewReader(bytes.NewReader(r.Body.Bytes()), int64(r.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		d, tm := f.ModifiedDate, f.ModifiedTime
		got := fmt.Sprintf("%04d-%02d-%02d %02d:%02d", int(d>>9)+1980, d>>5&0xf, d&0x1f, tm>>11, tm>>5&0x3f)
		if got != "2026-03-05 10:20" {
			t.Errorf("%s: MS-DOS time %s, want 2026-03-05 10:20 (Beijing)", f.Name, got)
		}
		if !f.Modified.Equal(e.clock.Now().Truncate(time.Second)) {
			t.Errorf("%s: modified %v, want the instant %v", f.Name, f.Modified, e.clock.Now())
		}
	}
}

// TestSupervisionArchiveListBeyondLastPage: a page number past the last
// page says how many pages the matching projects fill and leads back to
// the last one; it said "没有符合条件的项目" while projects matched and its
// 上一页 led to another empty page (found by an exploratory run).
func TestSupervisionArchiveListBeyondLastPage(t *testing.T) {
	e := newEnv(t)
	title := uniqueTitle("档案分页测试滨河道路工程")
	registerAndPublish(t, e, title)
	sup := e.browser("supervisor")
	q := url.QueryEscape(title)
	r := sup.get("/supervision/projects?q=" + q + "&page=999")
	body := r.Body.String()
	if r.Code != http.StatusOK {
		t.Fatalf("page 999: %d", r.Code)
	}
	if strings.Contains(body, "没有符合条件的项目") || !strings.Contains(body, "第 999 页没有项目：符合条件的 1 个项目共 1 页") {
		t.Errorf("page 999 of one matching project: %s", body[strings.Index(body, `data-testid="archive-projects"`):])
	}
	if !strings.Contains(body, `href="/supervision/projects?page=1&amp;q=`+q+`" data-testid="page-prev"`) {
		t.Errorf("the way back does not lead to page 1")
	}
	if r := sup.get("/supervision/projects?q=" + url.QueryEscape(uniqueTitle("不存在的项目名称")) + "&page=3"); !strings.Contains(r.Body.String(), "没有符合条件的项目") {
		t.Errorf("no match: %d", r.Code)
	}
}
