package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/problem"
)

// auditFilter reads the archive's filters. A filter that cannot be read is
// refused with its field: ignoring it would show the unfiltered archive as
// if it were the filtered one.
func auditFilter(c echo.Context) (audit.Filter, error) {
	f := audit.Filter{Action: strings.TrimSpace(c.QueryParam("action")), Actor: strings.TrimSpace(c.QueryParam("actor")),
		ObjectType: strings.TrimSpace(c.QueryParam("object_type")), ObjectID: strings.TrimSpace(c.QueryParam("object_id"))}
	var fs problem.Fields
	for name, v := range map[string]string{"action": f.Action, "actor": f.Actor, "object_type": f.ObjectType, "object_id": f.ObjectID} {
		if utf8.RuneCountInString(v) > 64 {
			fs.Add(name, "too_long", "筛选条件不能超过64个字")
		}
	}
	num := func(name string, max int64) int64 {
		v := strings.TrimSpace(c.QueryParam(name))
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > max {
			fs.Add(name, "number_invalid", fmt.Sprintf("应为1到%d之间的整数", max))
		}
		return n
	}
	f.ProjectID = num("project_id", 1<<53)
	f.BeforeID = num("before_id", 1<<62)
	f.Limit = int(num("limit", 1000))
	// Days in Asia/Shanghai, both included.
	var from, to calendar.Date
	if v := strings.TrimSpace(c.QueryParam("from")); v != "" {
		d, err := parseUserDate(v)
		fs.AddErr("from", err)
		from, f.Since = d, d.In(clock.Shanghai)
	}
	if v := strings.TrimSpace(c.QueryParam("to")); v != "" {
		d, err := parseUserDate(v)
		fs.AddErr("to", err)
		to, f.Until = d, d.AddDays(1).In(clock.Shanghai)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && to.Before(from) {
		fs.Add("to", "range_invalid", "结束日期不能早于开始日期")
	}
	return f, fs.Err()
}

func (s *Server) auditPage(c echo.Context) error {
	ctx := c.Request().Context()
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	if f.Limit == 0 || f.Limit > 500 {
		f.Limit = auditPageSize
	}
	events, err := s.Audit.List(ctx, f)
	if err != nil {
		return err
	}
	// Older events: the same filters before the last one shown.
	older := ""
	if len(events) == f.Limit {
		q := c.QueryParams()
		q.Set("before_id", strconv.FormatInt(events[len(events)-1].ID, 10))
		older = "/supervision/audit?" + q.Encode()
	}
	exportQ := c.QueryParams()
	exportQ.Del("before_id")
	exportQ.Del("limit")
	// The chain is walked on request (the button), daily and with every
	// export, not on every view: a year's chain takes seconds to walk.
	last, err := s.Audit.LatestVerification(ctx)
	if err != nil {
		return err
	}
	cps, cpStatus, err := s.Audit.Checkpoints(ctx, 30)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "audit", "审计日志", map[string]any{"Events": events, "Last": last, "Filter": f,
		"LastStale": last != nil && s.Clock.Now().Sub(last.FinishedAt) > verificationStale,
		"Older":     older, "Export": "/supervision/audit/export.xlsx?" + exportQ.Encode(), "ExportMax": audit.ExportMax,
		"From": strings.TrimSpace(c.QueryParam("from")), "To": strings.TrimSpace(c.QueryParam("to")),
		"Checkpoints": cps, "CheckpointStatus": cpStatus, "ActionNames": audit.ActionNames})
}

type apiEvent struct {
	ID         int64     `json:"id"`
	Seq        *int64    `json:"seq"`
	OccurredAt time.Time `json:"occurred_at"`
	Actor      string    `json:"actor"`
	Role       string    `json:"role"`
	OrgID      *int64    `json:"organisation_id"`
	IP         string    `json:"ip"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	ProjectID  *int64    `json:"project_id"`
	Summary    string    `json:"summary"`
	PrevHash   string    `json:"prev_hash,omitempty"`
	Hash       string    `json:"hash,omitempty"`
}

func ptr(v int64, ok bool) *int64 {
	if !ok {
		return nil
	}
	return &v
}

func (s *Server) apiAuditList(c echo.Context) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	events, err := s.Audit.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := make([]apiEvent, len(events))
	for i, e := range events {
		out[i] = apiEvent{ID: e.ID, Seq: ptr(e.Seq.Int64, e.Seq.Valid), OccurredAt: e.OccurredAt, Actor: e.Actor, Role: e.Role,
			OrgID: ptr(e.OrgID.Int64, e.OrgID.Valid), IP: e.IP, Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
			ProjectID: ptr(e.ProjectID.Int64, e.ProjectID.Valid), Summary: e.Summary, PrevHash: e.PrevHash.String, Hash: e.Hash.String}
	}
	return c.JSON(http.StatusOK, map[string]any{"events": out})
}

// auditPageSize is how many events the audit page lists at once.
const auditPageSize = 200

// auditExport downloads the filtered audit log as an Excel workbook (the
// newest audit.ExportMax events; the filters of the page).
func (s *Server) auditExport(c echo.Context) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	f.Limit = 0
	var buf bytes.Buffer
	if _, _, err := s.Audit.ExportXLSX(c.Request().Context(), f, func(r string) string { return accounts.RoleNames[r] }, &buf); err != nil {
		return err
	}
	name := "audit-log-" + s.Clock.Now().In(clock.Shanghai).Format("20060102-150405") + ".xlsx"
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

// verificationStale is how old the latest walk of the chain may be before
// the audit page asks for a new one (the daily walk runs after the day's
// first sealing).
const verificationStale = 36 * time.Hour

// walkTimeout bounds a walk of the whole chain asked for over HTTP; these
// routes skip the general request time-out (longWork).
const walkTimeout = 10 * time.Minute

// auditVerifyPage walks the whole chain now, records the walk and shows
// the audit page with it.
func (s *Server) auditVerifyPage(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), walkTimeout)
	defer cancel()
	if _, err := s.Audit.Verify(ctx, audit.ViaPage); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/supervision/audit#chain-status")
}

func (s *Server) apiAuditVerify(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), walkTimeout)
	defer cancel()
	v, err := s.Audit.Verify(ctx, audit.ViaAPI)
	if err != nil {
		return err
	}
	rep := v.Report()
	return c.JSON(http.StatusOK, map[string]any{"ok": rep.OK(), "events": rep.Events, "head_seq": rep.HeadSeq, "head_hash": rep.HeadHash,
		"stale_unsealed": rep.StaleUnseal, "bad_seq": rep.BadSeq, "bad_id": rep.BadID, "code": rep.Code, "message": rep.Message(), "reason": rep.Reason,
		"verification_id": v.ID, "started_at": v.StartedAt, "finished_at": v.FinishedAt})
}

// The chain's checkpoints: supervisors download them and keep them in
// their own files, then check a saved list against the chain (audit
// package, checkpoint.go). The file is the JSON the download gives.

type apiCheckpoint struct {
	Day     string     `json:"day"`
	Seq     int64      `json:"seq"`
	Hash    string     `json:"hash"`
	TakenAt *time.Time `json:"taken_at,omitempty"`
}

type checkpointFile struct {
	Checkpoints []apiCheckpoint `json:"checkpoints"`
}

// maxAnchors bounds a checked list: a checkpoint a day for 30 years.
const maxAnchors = 11000

func (s *Server) apiAuditCheckpoints(c echo.Context) error {
	return s.auditCheckpoints(c, c.QueryParam("download") == "1")
}

// auditCheckpointsDownload is the page's download link (the API takes
// tokens, the pages sessions).
func (s *Server) auditCheckpointsDownload(c echo.Context) error {
	return s.auditCheckpoints(c, true)
}

func (s *Server) auditCheckpoints(c echo.Context, download bool) error {
	cps, _, err := s.Audit.Checkpoints(c.Request().Context(), maxAnchors)
	if err != nil {
		return err
	}
	out := checkpointFile{Checkpoints: make([]apiCheckpoint, len(cps))}
	for i, cp := range cps {
		at := cp.TakenAt
		out.Checkpoints[i] = apiCheckpoint{Day: cp.Day.Format(time.DateOnly), Seq: cp.Seq, Hash: cp.Hash, TakenAt: &at}
	}
	if download {
		c.Response().Header().Set(echo.HeaderContentDisposition,
			`attachment; filename="audit-checkpoints-`+s.Clock.Now().In(clock.Shanghai).Format("20060102")+`.json"`)
	}
	return c.JSON(http.StatusOK, out)
}

// readAnchors checks a saved checkpoint list; every bad entry is named.
func readAnchors(f checkpointFile) ([]audit.Anchor, error) {
	var fs problem.Fields
	if len(f.Checkpoints) == 0 {
		fs.Add("checkpoints", "checkpoints_required", "存证文件中没有任何存证记录")
	}
	if len(f.Checkpoints) > maxAnchors {
		fs.Add("checkpoints", "too_many", fmt.Sprintf("一次最多核对%d条存证记录", maxAnchors))
		return nil, fs.Err()
	}
	as := make([]audit.Anchor, len(f.Checkpoints))
	for i, cp := range f.Checkpoints {
		if cp.Seq < 1 {
			fs.Add(fmt.Sprintf("checkpoints[%d].seq", i), "seq_invalid", "链头序号应为正整数")
		}
		if !audit.HashRe.MatchString(cp.Hash) {
			fs.Add(fmt.Sprintf("checkpoints[%d].hash", i), "hash_invalid", "链头哈希应为64位小写十六进制数")
		}
		if utf8.RuneCountInString(cp.Day) > 32 {
			fs.Add(fmt.Sprintf("checkpoints[%d].day", i), "too_long", "日期不能超过32个字")
		}
		as[i] = audit.Anchor{Day: cp.Day, Seq: cp.Seq, Hash: cp.Hash}
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	return as, nil
}

type apiAnchorResult struct {
	Day       string `json:"day"`
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	Status    string `json:"status"`
	FoundHash string `json:"found_hash,omitempty"`
}

func (s *Server) apiAuditAnchorsCheck(c echo.Context) error {
	var f checkpointFile
	if err := c.Bind(&f); err != nil {
		return err
	}
	as, err := readAnchors(f)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), walkTimeout)
	defer cancel()
	rep, rs, err := s.Audit.CheckAnchors(ctx, as)
	if err != nil {
		return err
	}
	out := make([]apiAnchorResult, len(rs))
	for i, r := range rs {
		out[i] = apiAnchorResult{Day: r.Day, Seq: r.Seq, Hash: r.Hash, Status: r.Status, FoundHash: r.Found}
	}
	return c.JSON(http.StatusOK, map[string]any{"ok": rep.OK() && audit.AnchorsOK(rs), "chain_ok": rep.OK(), "chain_reason": rep.Reason, "chain_code": rep.Code, "chain_message": rep.Message(),
		"head_seq": rep.HeadSeq, "head_hash": rep.HeadHash, "results": out})
}

// auditAnchorsCheckPage takes the saved file from a form ("file").
func (s *Server) auditAnchorsCheckPage(c echo.Context) error {
	again := func(err error) error {
		return s.formError(c, err, "audit_anchors", &Page{Title: "核对审计链存证", Data: map[string]any{}})
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return again(problem.InvalidField("file", "file_required", "请选择下载保存的存证文件（.json）"))
	}
	if fh.Size > 4<<20 {
		return again(problem.InvalidField("file", "file_too_large", "存证文件不能超过4MB"))
	}
	r, err := fh.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	// One JSON value and nothing after it, as the API and the command line
	// read it: a second list appended to the file (two downloads in one)
	// would go unchecked while the page said every checkpoint held.
	var f checkpointFile
	dec := json.NewDecoder(io.LimitReader(r, 4<<20))
	if err := dec.Decode(&f); err != nil {
		return again(problem.InvalidField("file", "file_not_checkpoints", "文件不是本系统下载的审计链存证文件（JSON）"))
	}
	if _, err := dec.Token(); err != io.EOF {
		return again(problem.InvalidField("file", "file_not_checkpoints", "文件不是本系统下载的审计链存证文件（JSON）：存证记录之后还有其他内容"))
	}
	as, err := readAnchors(f)
	if err != nil {
		return again(err)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), walkTimeout)
	defer cancel()
	rep, rs, err := s.Audit.CheckAnchors(ctx, as)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "audit_anchors", "核对审计链存证", map[string]any{"Report": rep, "Results": rs,
		"OK": rep.OK() && audit.AnchorsOK(rs), "File": fh.Filename})
}
