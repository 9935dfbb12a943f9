package trading

// The supervisors' per-project archive (一项一档, DOMAIN.md §8): every
// project of every kind and status, failed and terminated ones included,
// and what the trading area holds of one project — its registration with
// the review history, its announcements and the rule checks against the
// rule version it was registered under. Nothing sealed is read here: the
// sign-ups, deposits and bids of a lot reach the archive only through
// LotOpening, which refuses them before the lot closes.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// ArchivePageSize is how many projects one page of the archive list holds.
const ArchivePageSize = 50

// ArchiveOutcomes are the lot outcomes the archive list filters by, with
// "retender" for a lot the opening returned for re-tendering (流标).
var ArchiveOutcomes = map[string]string{
	OutcomeAwarded: "中标（成交）", OutcomeAgreement: "协议转让", OutcomeCompetition: "竞价成交",
	OutcomeFailed: "废标", OutcomeTerminated: "终止", OutcomeUnsold: "流拍", OutcomeNoDeal: "未成交",
	"retender": "开标流标（重新招标）",
}

// ArchiveFilter selects projects for the archive list.
type ArchiveFilter struct {
	Kind    string // a kind, or empty for all
	Status  string // a project status, or empty for all
	Outcome string // a lot outcome (ArchiveOutcomes): projects with such a lot
	Text    string // part of the code or title
	Page    int    // from 1
}

// Validate checks a filter; each bad value is named by its query field.
func (f *ArchiveFilter) Validate() error {
	var fs problem.Fields
	if f.Kind != "" {
		if _, ok := KindNames[f.Kind]; !ok {
			fs.Add("kind", "kind_unknown", "交易类型不正确")
		}
	}
	if f.Status != "" {
		if _, ok := StatusNames[f.Status]; !ok {
			fs.Add("status", "status_unknown", "项目状态不正确")
		}
	}
	if f.Outcome != "" {
		if _, ok := ArchiveOutcomes[f.Outcome]; !ok {
			fs.Add("outcome", "outcome_unknown", "交易结果不正确")
		}
	}
	f.Text = strings.TrimSpace(f.Text)
	if utf8.RuneCountInString(f.Text) > 50 {
		fs.Add("q", "too_long", "搜索词不能超过50个字")
	}
	if f.Page == 0 {
		f.Page = 1
	}
	if f.Page < 1 || f.Page > 10000 {
		fs.Add("page", "page_invalid", "页码应为1到10000之间的整数")
	}
	return fs.Err()
}

// ArchiveEntry is one project of the archive list with its lots' results.
type ArchiveEntry struct {
	Project
	LotCount int      `json:"lot_count"`
	Outcomes []string `json:"outcomes"` // Chinese names of the lots' outcomes, in lot order
}

// ArchivePage is one page of the archive list.
type ArchivePage struct {
	Entries []ArchiveEntry `json:"projects"`
	Total   int            `json:"total"`
	Page    int            `json:"page"`
	Pages   int            `json:"pages"`
}

func requireSupervisor(ctx context.Context) error {
	if !audit.ActorFrom(ctx).Has(accounts.RoleSupervisor) {
		return problem.New(problem.Forbidden, "forbidden", "只有监督人员可以查阅交易档案")
	}
	return nil
}

// ArchiveProjects lists projects of every kind and status for supervisors,
// newest first, one page at a time.
func (s *Service) ArchiveProjects(ctx context.Context, f ArchiveFilter) (*ArchivePage, error) {
	if err := requireSupervisor(ctx); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	where := ` WHERE 1=1`
	var args []any
	if f.Kind != "" {
		where += ` AND p.kind = ?`
		args = append(args, f.Kind)
	}
	if f.Status != "" {
		where += ` AND p.status = ?`
		args = append(args, f.Status)
	}
	switch f.Outcome {
	case "":
	case "retender":
		where += ` AND EXISTS (SELECT 1 FROM trading_lots l WHERE l.project_id = p.id AND l.retender_at IS NOT NULL)`
	default:
		where += ` AND EXISTS (SELECT 1 FROM trading_lots l WHERE l.project_id = p.id AND l.outcome = ?)`
		args = append(args, f.Outcome)
	}
	if f.Text != "" {
		where += ` AND (p.title LIKE ? OR p.code LIKE ?)`
		args = append(args, db.LikeContains(f.Text), db.LikeContains(f.Text))
	}
	out := &ArchivePage{Page: f.Page, Entries: []ArchiveEntry{}}
	if err := s.DB.GetContext(ctx, &out.Total, `SELECT COUNT(*) FROM trading_projects p`+where, args...); err != nil {
		return nil, fmt.Errorf("count archive projects: %w", err)
	}
	out.Pages = (out.Total + ArchivePageSize - 1) / ArchivePageSize
	var rows []projectRow
	q := `SELECT ` + prefixed("p.", projectColumns) + ` FROM trading_projects p` + where + ` ORDER BY p.id DESC LIMIT ? OFFSET ?`
	if err := s.DB.SelectContext(ctx, &rows, q, append(args, ArchivePageSize, (f.Page-1)*ArchivePageSize)...); err != nil {
		return nil, fmt.Errorf("list archive projects: %w", err)
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	// Every read by a supervisor is recorded (DOMAIN.md §8), the list too:
	// who looked for what and which projects the page showed.
	if err := audit.Record(ctx, s.DB, s.Clock.Now(), audit.Event{Action: "archive.list", ObjectType: "project", ObjectID: fmt.Sprint(len(rows)),
		Summary: map[string]any{"kind": f.Kind, "status": f.Status, "outcome": f.Outcome, "q": f.Text, "page": f.Page, "total": out.Total, "projects": ids}}); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return out, nil
	}
	byID := map[int64]int{}
	for i := range rows {
		byID[rows[i].ID] = i
		out.Entries = append(out.Entries, ArchiveEntry{Project: *rows[i].project(), Outcomes: []string{}})
	}
	lq, largs, err := sqlx.In(`SELECT project_id, outcome, retender_at IS NOT NULL AS retendered FROM trading_lots WHERE project_id IN (?) ORDER BY project_id, lot_no`, ids)
	if err != nil {
		return nil, err
	}
	var lots []struct {
		ProjectID  int64  `db:"project_id"`
		Outcome    string `db:"outcome"`
		Retendered bool   `db:"retendered"`
	}
	if err := s.DB.SelectContext(ctx, &lots, s.DB.Rebind(lq), largs...); err != nil {
		return nil, fmt.Errorf("lots of archive projects: %w", err)
	}
	for _, l := range lots {
		e := &out.Entries[byID[l.ProjectID]]
		e.LotCount++
		switch {
		case l.Outcome != "":
			e.Outcomes = append(e.Outcomes, OutcomeName(e.Kind, e.Method, l.Outcome))
		case l.Retendered:
			e.Outcomes = append(e.Outcomes, ArchiveOutcomes["retender"])
		}
	}
	return out, nil
}

// prefixed qualifies each column of a column list with prefix.
func prefixed(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// ProjectRecord is what the trading area holds of one project for its
// archive.
type ProjectRecord struct {
	Project       *Project       `json:"project"` // with its review history
	Announcements []Announcement `json:"announcements"`
	// RuleSetID is the rule version the project was registered under
	// (0 for a draft never submitted); RuleChecks are its rules checked
	// again against the registered timeline and lots, with the publication
	// (or else the submission) as the announcement day.
	RuleSetID  int64     `json:"rule_set_id"`
	RuleChecks []Finding `json:"rule_checks"`
	AnnounceAt time.Time `json:"rule_check_announce_at,omitzero"`
	// SelectionID is the fixed-price selection of the project (0: none).
	SelectionID int64 `json:"fixedprice_selection_id,omitempty"`
}

// ProjectRecord returns a project's registration, announcements and rule
// checks to a supervisor; an unknown project is NotFound.
func (s *Service) ProjectRecord(ctx context.Context, id int64) (*ProjectRecord, error) {
	if err := requireSupervisor(ctx); err != nil {
		return nil, err
	}
	p, err := s.Project(ctx, id)
	if err != nil {
		return nil, err
	}
	rec := &ProjectRecord{Project: p, RuleSetID: p.RuleSetID, Announcements: []Announcement{}, RuleChecks: []Finding{}}
	if err := s.DB.SelectContext(ctx, &rec.Announcements, `SELECT id, project_id, type, code, kind, method, title, body,
		COALESCE(deadline, published_at) AS deadline, published_at FROM trading_announcements WHERE project_id = ? ORDER BY published_at, id`, id); err != nil {
		return nil, fmt.Errorf("announcements of project %d: %w", id, err)
	}
	if p.RuleSetID != 0 {
		rec.AnnounceAt = p.PublishedAt
		if rec.AnnounceAt.IsZero() {
			rec.AnnounceAt = p.SubmittedAt
		}
		rs, err := loadRuleSet(ctx, s.DB, p.RuleSetID)
		if err != nil {
			return nil, err
		}
		cal, err := s.calendar(ctx)
		if err != nil {
			return nil, err
		}
		if fs := checkRules(rs, cal, p, map[string]time.Time{"announce": rec.AnnounceAt}); fs != nil {
			rec.RuleChecks = fs
		}
	}
	err = s.DB.GetContext(ctx, &rec.SelectionID, `SELECT id FROM fixedprice_selections WHERE project_id = ?`, id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("selection of project %d: %w", id, err)
	}
	return rec, nil
}

// RecordArchiveExport writes the audit event of a supervisor's export of
// a project's archive (who exported which project, with the chain head the
// export names and the documents it holds).
func (s *Service) RecordArchiveExport(ctx context.Context, projectID int64, summary map[string]any) error {
	if err := requireSupervisor(ctx); err != nil {
		return err
	}
	return audit.Record(ctx, s.DB, s.Clock.Now(), audit.Event{Action: "archive.export", ObjectType: "project",
		ObjectID: fmt.Sprint(projectID), ProjectID: projectID, Summary: summary})
}

// ProjectIDByCode finds a project by its code (public on its
// announcements); NotFound when no project has it.
func (s *Service) ProjectIDByCode(ctx context.Context, code string) (int64, error) {
	var ids []int64
	if err := s.DB.SelectContext(ctx, &ids, `SELECT id FROM trading_projects WHERE code = ?`, code); err != nil {
		return 0, fmt.Errorf("project by code: %w", err)
	}
	if len(ids) == 0 {
		return 0, problem.InvalidField("project", "project_not_found", "没有编号为“"+code+"”的项目")
	}
	return ids[0], nil
}
