package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"ggzy/audit"
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
	return f, fs.Err()
}

func (s *Server) auditPage(c echo.Context) error {
	ctx := c.Request().Context()
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	events, err := s.Audit.List(ctx, f)
	if err != nil {
		return err
	}
	rep, err := s.Audit.Verify(ctx)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "audit", "审计日志", map[string]any{"Events": events, "Report": rep, "Filter": f})
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

func (s *Server) apiAuditVerify(c echo.Context) error {
	rep, err := s.Audit.Verify(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ok": rep.OK(), "events": rep.Events, "head_seq": rep.HeadSeq, "head_hash": rep.HeadHash,
		"stale_unsealed": rep.StaleUnseal, "bad_seq": rep.BadSeq, "bad_id": rep.BadID, "reason": rep.Reason})
}
