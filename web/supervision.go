package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"ggzy/audit"
)

func auditFilter(c echo.Context) audit.Filter {
	f := audit.Filter{Action: strings.TrimSpace(c.QueryParam("action")), Actor: strings.TrimSpace(c.QueryParam("actor")),
		ObjectType: c.QueryParam("object_type"), ObjectID: c.QueryParam("object_id")}
	f.ProjectID, _ = strconv.ParseInt(c.QueryParam("project_id"), 10, 64)
	f.BeforeID, _ = strconv.ParseInt(c.QueryParam("before_id"), 10, 64)
	f.Limit, _ = strconv.Atoi(c.QueryParam("limit"))
	return f
}

func (s *Server) auditPage(c echo.Context) error {
	ctx := c.Request().Context()
	f := auditFilter(c)
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
	events, err := s.Audit.List(c.Request().Context(), auditFilter(c))
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
