package trading

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"ggzy/problem"
)

// eventKinds says which room events a kind of trading holds (the schedule's
// event kinds): bids are opened and evaluated in every kind that tenders;
// experts are drawn for engineering and procurement evaluations;
// negotiations and consultations (谈判、磋商) are procurement methods; land
// and property rights are auctioned (a 挂牌 listing ends in on-site bidding).
var eventKinds = map[string]map[string]bool{
	Engineering: {"opening": true, "evaluation": true, "draw": true},
	Procurement: {"opening": true, "evaluation": true, "draw": true, "negotiation": true},
	Land:        {"opening": true, "evaluation": true, "auction": true},
	Property:    {"opening": true, "evaluation": true, "auction": true},
}

// ProjectEvent returns the title to show for a room booking of event kind
// for a project (schedule.ProjectEvents): a project must have been handed
// to the centre (a draft, or one returned for correction, is the agency's),
// not be finished (its result published), and be of a kind that holds such
// an event.
func (s *Service) ProjectEvent(ctx context.Context, projectID int64, kind string) (string, error) {
	var p struct {
		Kind   string         `db:"kind"`
		Status string         `db:"status"`
		Title  string         `db:"title"`
		Code   sql.NullString `db:"code"`
	}
	err := s.DB.GetContext(ctx, &p, `SELECT kind, status, title, code FROM trading_projects WHERE id = ?`, projectID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (p.Status == StatusDraft || p.Status == StatusReturned)) {
		return "", problem.New(problem.NotFound, "project_not_found", fmt.Sprintf("项目 %d 不存在或尚未进场登记（草稿或已退回修改）", projectID))
	}
	if err != nil {
		return "", fmt.Errorf("project %d: %w", projectID, err)
	}
	if p.Status == StatusResult {
		return "", problem.New(problem.Conflict, "project_finished", "该项目已公布交易结果，不再安排场地")
	}
	if !eventKinds[p.Kind][kind] {
		return "", problem.New(problem.Invalid, "event_kind_mismatch", KindNames[p.Kind]+"项目不安排该事项")
	}
	if p.Code.Valid {
		return p.Code.String + " " + p.Title, nil
	}
	return p.Title, nil
}

// ProjectTitle returns the title of a project handed to the centre at any
// stage since (schedule.ProjectEvents: a recording names its project).
func (s *Service) ProjectTitle(ctx context.Context, projectID int64) (string, error) {
	var title string
	err := s.DB.GetContext(ctx, &title, `SELECT title FROM trading_projects WHERE id = ? AND status <> ?`, projectID, StatusDraft)
	if errors.Is(err, sql.ErrNoRows) {
		return "", problem.New(problem.NotFound, "project_not_found", fmt.Sprintf("项目 %d 不存在", projectID))
	}
	if err != nil {
		return "", fmt.Errorf("project %d: %w", projectID, err)
	}
	return title, nil
}
