package web

// The supervisors' per-project archive (一项一档, DOMAIN.md §8): the list of
// every project, one project's archive assembled from what the areas
// already hold, and its export as a zip (issued PDFs, the project's audit
// events, a manifest with SHA-256 values and the chain head).
//
// Supervisors only. Staff run the steps the archive records (registration
// review, openings, draws, bookings) and are among those it holds to
// account; the archive carries the project's audit trail, which is the
// supervisors' alone (/supervision/audit), so staff get neither the page
// nor the export. They keep their working views of each step.
//
// Sealing: nothing here reads a sealed table. A lot's sign-ups, deposits
// and bids come from trading.LotOpening and evaluation.Opening, which
// refuse them before the lot closes; they are not even asked before then.
// A fixed-price selection has no lots: its applications, pool and draw
// come from trading.FixedPrice as its own pages show them to supervisors,
// the draw's secret only once it is revealed at the draw.

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/evaluation"
	"ggzy/expertpool"
	"ggzy/problem"
	"ggzy/schedule"
	"ggzy/trading"
)

var archiveNav = []NavItem{
	{Label: "交易档案", Href: "/supervision/projects", Roles: []string{supervisor}},
}

var archiveTasks = []Task{
	{Label: "查阅项目交易档案（一项一档）并导出", Href: "/supervision/projects", Hint: "登记、公告、开标记录、评标报告、抽取复核、文书哈希和审计事件；导出包含清单和审计链头", Roles: []string{supervisor}},
}

func (s *Server) archiveRoutes() {
	e := s.Echo
	sup := requireRoles(supervisor)
	e.GET("/supervision/projects", s.archiveList, sup)
	e.GET("/supervision/projects/:id", s.archiveProject, sup)
	e.GET("/supervision/projects/:id/archive.zip", s.archiveExport, sup)
	e.GET("/api/v1/supervision/projects/:id/archive", s.archiveExport, sup)
}

// archiveFilter reads the list's filters; a value that cannot be read is
// refused with its field rather than ignored.
func archiveFilter(c echo.Context) (trading.ArchiveFilter, error) {
	f := trading.ArchiveFilter{Kind: c.QueryParam("kind"), Status: c.QueryParam("status"), Outcome: c.QueryParam("outcome"), Text: c.QueryParam("q")}
	if p := c.QueryParam("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return f, problem.InvalidField("page", "page_invalid", "页码应为1到10000之间的整数")
		}
		f.Page = n
	}
	return f, f.Validate()
}

func (s *Server) archiveList(c echo.Context) error {
	f, err := archiveFilter(c)
	if err != nil {
		return err
	}
	page, err := s.Trading.ArchiveProjects(c.Request().Context(), f)
	if err != nil {
		return err
	}
	at := func(n int) string {
		q := url.Values{}
		for k, v := range map[string]string{"kind": f.Kind, "status": f.Status, "outcome": f.Outcome, "q": f.Text} {
			if v != "" {
				q.Set(k, v)
			}
		}
		q.Set("page", strconv.Itoa(n))
		return "/supervision/projects?" + q.Encode()
	}
	var prev, next string
	if page.Page > 1 {
		// Beyond the last page (an old link, a typed number) the way back
		// leads to the last page, not to the empty page before it.
		prev = at(min(page.Page-1, max(page.Pages, 1)))
	}
	if page.Page < page.Pages {
		next = at(page.Page + 1)
	}
	return s.render(c, http.StatusOK, "supervision_projects", "交易档案", withNames(map[string]any{"Page": page, "Filter": f,
		"Outcomes": trading.ArchiveOutcomes, "Prev": prev, "Next": next}))
}

// archiveLot is one lot of the archive.
type archiveLot struct {
	Lot            trading.Lot
	Closed         bool                       // submissions closed: the opening has taken place
	Signups        *trading.Opening           // sign-ups, deposits and receipts, after the close only
	Opening        *evaluation.OpeningRecord  // the opening record (唱标), after the opening only
	Result         *evaluation.Result         // evaluation result and award
	Clarifications []evaluation.Clarification // the committee's clarification questions
	Draws          []expertpool.Draw          // expert draws of the lot
}

// archiveSelection is the fixed-price selection (固定价比选) of a project
// registered that way: it has no lots, no staff acceptance and no rule
// version; its terms, applications, pool and draw are what its archive
// holds. Each part is read as the selection's own pages read it for a
// supervisor: the applications (which the selection does not seal), the
// pool and the commitment once frozen, the secret and the ranks only once
// drawn (DrawRoom keeps the sealed secret out).
type archiveSelection struct {
	Room   *trading.DrawRoom
	Apps   []trading.Application
	Awards []trading.Award // after the draw only
}

// archiveDoc is an issued document with its download link (the latest of
// its kind per lot is what the lot's download serves).
type archiveDoc struct {
	evaluation.IssuedDocument
	Name  string
	URL   string
	LotNo int // the lot's number in the project (第N标段), not its id
}

// archiveEventsShown is how many of the newest events the page lists; the
// audit page and the export hold them all.
const archiveEventsShown = 500

func (s *Server) archiveProject(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rec, err := s.Trading.ProjectRecord(ctx, id)
	if err != nil {
		return err
	}
	// orNone keeps a view a service refuses (a problem: not opened yet,
	// no evaluation, not computed) out of the archive; other errors fail.
	orNone := func(err error) error {
		if _, ok := problem.As(err); ok {
			return nil
		}
		return err
	}
	var fp *archiveSelection
	if rec.SelectionID != 0 {
		fp = &archiveSelection{}
		if fp.Room, err = s.FixedPrice.Room(ctx, rec.SelectionID); err != nil {
			return err
		}
		if fp.Apps, err = s.FixedPrice.Applications(ctx, rec.SelectionID); err != nil {
			return err
		}
		if fp.Room.Step == 3 {
			if fp.Awards, err = s.FixedPrice.Awards(ctx, rec.SelectionID); err != nil {
				return err
			}
		}
	}
	var lots []archiveLot
	for _, l := range rec.Project.Lots {
		al := archiveLot{Lot: l, Closed: l.Status == trading.LotClosed}
		if al.Closed {
			if al.Signups, err = s.Trading.LotOpening(ctx, l.ID); orNone(err) != nil {
				return err
			}
			if al.Opening, err = s.Evaluation.Opening(ctx, l.ID); orNone(err) != nil {
				return err
			}
			if al.Result, err = s.Evaluation.Result(ctx, l.ID); orNone(err) != nil {
				return err
			}
			if al.Clarifications, err = s.Evaluation.Clarifications(ctx, l.ID); orNone(err) != nil {
				return err
			}
		}
		if al.Draws, err = s.Experts.ListDraws(ctx, expertpool.DrawFilter{LotID: l.ID, Limit: 200}); err != nil {
			return err
		}
		lots = append(lots, al)
	}
	docs, err := s.archiveDocs(c, id)
	if err != nil {
		return err
	}
	for i := range docs {
		for _, l := range rec.Project.Lots {
			if l.ID == docs[i].LotID {
				docs[i].LotNo = l.No
			}
		}
	}
	bookings, err := s.Schedule.Bookings(ctx, schedule.BookingFilter{ProjectID: id, IncludeCancelled: true,
		From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	recordings, err := s.Schedule.ProjectRecordings(ctx, id)
	if err != nil {
		return err
	}
	// The read of the events is itself recorded with the project.
	events, err := s.Audit.List(ctx, audit.Filter{ProjectID: id, Limit: archiveEventsShown})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "supervision_project", "交易档案 · "+rec.Project.Title, withNames(map[string]any{
		"Rec": rec, "P": rec.Project, "Lots": lots, "FP": fp, "Documents": docs, "Bookings": bookings, "Recordings": recordings,
		"Events": events, "EventsMore": len(events) == archiveEventsShown, "AnnouncementTypes": trading.AnnouncementTypes,
		"DrawStatusNames": expertpool.DrawStatusNames, "DepositMethods": trading.DepositMethods, "ActionNames": audit.ActionNames,
	}))
}

// archiveDocs lists the project's issued documents; those a lot's download
// serves (the latest of each kind, kept in the file store) get its link.
func (s *Server) archiveDocs(c echo.Context, projectID int64) ([]archiveDoc, error) {
	docs, err := s.Evaluation.Documents(c.Request().Context(), projectID)
	if err != nil {
		return nil, err
	}
	latest := map[string]int64{}
	for _, d := range docs {
		if k := fmt.Sprint(d.LotID, d.Kind); d.ID > latest[k] {
			latest[k] = d.ID
		}
	}
	out := make([]archiveDoc, len(docs))
	for i, d := range docs {
		out[i] = archiveDoc{IssuedDocument: d, Name: d.Name()}
		if d.Stored && d.LotID != 0 && d.Kind != evaluation.DocDrawRecord && latest[fmt.Sprint(d.LotID, d.Kind)] == d.ID {
			out[i].URL = fmt.Sprintf("/evaluation/lots/%d/documents/%s.pdf", d.LotID, d.Kind)
		}
	}
	return out, nil
}

// The export (archive.zip). manifest.json lists every other file of the
// zip with its SHA-256 and size, the audit chain head at the export and
// the export time (UTC); events.json holds the project's audit events with
// every field their hash covers, so each can be checked against its
// prev_hash (audit.HashOf).

type manifestFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Issued documents: what the project's record says of them, and
	// whether the stored bytes still match it.
	Kind           string     `json:"kind,omitempty"`
	LotID          int64      `json:"lot_id,omitempty"`
	IssuedAt       *time.Time `json:"issued_at,omitempty"`
	RecordedSHA256 string     `json:"recorded_sha256,omitempty"`
	Intact         *bool      `json:"intact,omitempty"`
}

type manifestDoc struct {
	Kind           string    `json:"kind"`
	LotID          int64     `json:"lot_id,omitempty"`
	RecordedSHA256 string    `json:"recorded_sha256"`
	Size           int64     `json:"size"`
	IssuedAt       time.Time `json:"issued_at"`
}

type manifestProject struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	Title  string `json:"title"`
	Kind   string `json:"kind"`
	Method string `json:"method"`
	Status string `json:"status"`
}

type archiveManifest struct {
	Format       string          `json:"format"`
	Project      manifestProject `json:"project"`
	ExportedAt   time.Time       `json:"exported_at"`
	ExportedBy   string          `json:"exported_by"`
	AuditHead    auditHead       `json:"audit_head"`
	AuditChainOK bool            `json:"audit_chain_ok"`
	Files        []manifestFile  `json:"files"`
	NotStored    []manifestDoc   `json:"documents_not_stored"`
}

type auditHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// archiveEvent is an audit event with the fields its hash covers, times in
// the canonical form (UTC, microseconds).
type archiveEvent struct {
	ID          int64   `json:"id"`
	Seq         *int64  `json:"seq"`
	OccurredAt  string  `json:"occurred_at"`
	ActorUserID *int64  `json:"actor_user_id"`
	Actor       string  `json:"actor"`
	Role        string  `json:"role"`
	OrgID       *int64  `json:"org_id"`
	IP          string  `json:"ip"`
	Action      string  `json:"action"`
	ObjectType  string  `json:"object_type"`
	ObjectID    string  `json:"object_id"`
	ProjectID   *int64  `json:"project_id"`
	Summary     string  `json:"summary"`
	PrevHash    *string `json:"prev_hash"`
	Hash        *string `json:"hash"`
}

func archiveEventOf(r audit.Row) archiveEvent {
	opt := func(v int64, ok bool) *int64 {
		if !ok {
			return nil
		}
		return &v
	}
	str := func(v string, ok bool) *string {
		if !ok {
			return nil
		}
		return &v
	}
	return archiveEvent{ID: r.ID, Seq: opt(r.Seq.Int64, r.Seq.Valid), OccurredAt: r.OccurredAt.UTC().Format("2006-01-02T15:04:05.000000Z"),
		ActorUserID: opt(r.ActorUserID.Int64, r.ActorUserID.Valid), Actor: r.Actor, Role: r.Role, OrgID: opt(r.OrgID.Int64, r.OrgID.Valid), IP: r.IP,
		Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID, ProjectID: opt(r.ProjectID.Int64, r.ProjectID.Valid), Summary: r.Summary,
		PrevHash: str(r.PrevHash.String, r.PrevHash.Valid), Hash: str(r.Hash.String, r.Hash.Valid)}
}

// countingHash is a zip entry's writer that hashes and counts what passes.
type countingHash struct {
	w io.Writer
	h hash.Hash
	n int64
}

func newCountingHash(w io.Writer) *countingHash { return &countingHash{w: w, h: sha256.New()} }

func (c *countingHash) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

func (c *countingHash) sum() string { return hex.EncodeToString(c.h.Sum(nil)) }

// projectEvents reads every audit event of the project, oldest first, a
// page at a time (each read is recorded with the project).
func (s *Server) projectEvents(c echo.Context, projectID int64) ([]audit.Row, error) {
	const page = 500
	var all []audit.Row
	var before int64
	for {
		rows, err := s.Audit.List(c.Request().Context(), audit.Filter{ProjectID: projectID, BeforeID: before, Limit: page})
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
		if len(rows) < page {
			break
		}
		before = rows[len(rows)-1].ID
	}
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	return all, nil
}

func (s *Server) archiveExport(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rec, err := s.Trading.ProjectRecord(ctx, id)
	if err != nil {
		return err
	}
	p := rec.Project
	docs, err := s.Evaluation.Documents(ctx, id)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, walkTimeout)
	v, err := s.Audit.Verify(wctx, audit.ViaExport)
	cancel()
	if err != nil {
		return err
	}
	rep := v.Report()
	now := s.Clock.Now().UTC()
	m := archiveManifest{Format: "ggzy-project-archive/1", ExportedAt: now, ExportedBy: audit.ActorFrom(ctx).Username,
		Project:   manifestProject{ID: p.ID, Code: p.Code, Title: p.Title, Kind: p.Kind, Method: p.Method, Status: p.Status},
		AuditHead: auditHead{Seq: rep.HeadSeq, Hash: rep.HeadHash}, AuditChainOK: rep.OK(), Files: []manifestFile{}, NotStored: []manifestDoc{}}

	// Open every stored document before the answer starts, so that a
	// missing file is an error answer and not a cut-off zip.
	type openDoc struct {
		d  evaluation.IssuedDocument
		rc io.ReadCloser
	}
	var open []openDoc
	defer func() {
		for _, o := range open {
			o.rc.Close()
		}
	}()
	for _, d := range docs {
		rc, err := s.Evaluation.OpenIssued(ctx, d)
		if problem.Is(err, "document_not_stored") {
			m.NotStored = append(m.NotStored, manifestDoc{Kind: d.Kind, LotID: d.LotID, RecordedSHA256: d.SHA256, Size: d.Size, IssuedAt: d.IssuedAt})
			continue
		}
		if err != nil {
			return err
		}
		open = append(open, openDoc{d: d, rc: rc})
	}
	if err := s.Trading.RecordArchiveExport(ctx, id, map[string]any{"code": p.Code, "head_seq": rep.HeadSeq, "head_hash": rep.HeadHash,
		"documents": len(open), "documents_not_stored": len(m.NotStored)}); err != nil {
		return err
	}
	events, err := s.projectEvents(c, id)
	if err != nil {
		return err
	}

	name := p.Code
	if name == "" {
		name = "project-" + strconv.FormatInt(id, 10)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/zip")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="archive-`+name+`-`+now.In(clock.Shanghai).Format("20060102")+`.zip"`)
	h.Set("Cache-Control", "private, no-store")
	c.Response().WriteHeader(http.StatusOK)

	zw := zip.NewWriter(c.Response())
	fail := func(err error) error {
		// The answer has started: the zip stays without its central
		// directory (unreadable), and the error is logged here because
		// the error handler cannot answer any more.
		s.Log.ErrorContext(ctx, "archive export failed", "project", id, "err", err.Error())
		return err
	}
	// An entry's time in Beijing time: zip tools show the MS-DOS field
	// (Windows' own reader reads nothing else), which holds a wall clock
	// without a zone; the extended field keeps the instant.
	entry := func(name string, modified time.Time) (*countingHash, error) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified.In(clock.Shanghai)})
		if err != nil {
			return nil, err
		}
		return newCountingHash(w), nil
	}
	for _, o := range open {
		name := fmt.Sprintf("documents/%s-lot%d-%d.pdf", o.d.Kind, o.d.LotID, o.d.ID)
		w, err := entry(name, o.d.IssuedAt)
		if err != nil {
			return fail(err)
		}
		if _, err := io.Copy(w, o.rc); err != nil {
			return fail(fmt.Errorf("copy %s: %w", name, err))
		}
		at, intact := o.d.IssuedAt, w.sum() == o.d.SHA256
		m.Files = append(m.Files, manifestFile{Name: name, SHA256: w.sum(), Size: w.n, Kind: o.d.Kind, LotID: o.d.LotID, IssuedAt: &at,
			RecordedSHA256: o.d.SHA256, Intact: &intact})
	}
	w, err := entry("events.json", now)
	if err != nil {
		return fail(err)
	}
	out := make([]archiveEvent, len(events))
	for i, r := range events {
		out[i] = archiveEventOf(r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(map[string]any{"project_id": id, "events": out}); err != nil {
		return fail(err)
	}
	m.Files = append(m.Files, manifestFile{Name: "events.json", SHA256: w.sum(), Size: w.n})
	mw, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: now.In(clock.Shanghai)})
	if err != nil {
		return fail(err)
	}
	enc = json.NewEncoder(mw)
	enc.SetIndent("", " ")
	if err := enc.Encode(m); err != nil {
		return fail(err)
	}
	if err := zw.Close(); err != nil {
		return fail(err)
	}
	return nil
}
