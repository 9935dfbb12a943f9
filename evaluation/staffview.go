package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/problem"
)

// What the centre's pages need beyond the steps themselves: the plan as it
// stands with the drawn committee, the list of lots in opening or
// evaluation, and the lot-checked forms of the objection answer and the end
// of the publicity.

// PlanView is a lot's evaluation plan as the plan page shows it.
type PlanView struct {
	LotID       int64       `json:"lot_id"`
	ProjectID   int64       `json:"project_id"`
	Title       string      `json:"title"`
	LotName     string      `json:"lot_name"`
	State       string      `json:"state"` // "" before a plan is set
	StateName   string      `json:"state_name"`
	Editable    bool        `json:"editable"`
	Method      string      `json:"method"`
	Aggregation string      `json:"aggregation"`
	Deviation   Points      `json:"deviation"`
	Criteria    []Criterion `json:"criteria"`
	// The committee from the expert draw: names for staff only (the agency
	// is a party and sees how many are drawn).
	CommitteeSize int      `json:"committee_size"`
	Committee     []Member `json:"committee,omitempty"`
	CommitteeNote string   `json:"committee_note,omitempty"`
}

// Plan returns the lot's plan (or the defaults before one is set) to staff
// and the project's agency.
func (s *Service) Plan(ctx context.Context, lotID int64) (*PlanView, error) {
	a := audit.ActorFrom(ctx)
	li, err := s.lotInfo(ctx, lotID)
	if err != nil {
		return nil, err
	}
	if !isStaff(a) && !ownsLot(a, li) {
		return nil, forbidden("只有本项目的招标代理机构或交易中心工作人员可以查看和设置评标办法")
	}
	_, _, dev, err := s.settings(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	v := &PlanView{LotID: lotID, ProjectID: li.ProjectID, Title: li.Title, LotName: li.LotName, Editable: true, Aggregation: AggMean,
		Deviation: dev, Criteria: []Criterion{}}
	l, err := loadLot(ctx, s.DB, lotID, false)
	switch {
	case problem.Is(err, "evaluation_not_found"):
	case err != nil:
		return nil, err
	default:
		v.State, v.StateName = l.State, StateNames[l.State]
		v.Editable = l.State == StatePlanned || (l.Method == "" && (l.State == StateOpening || l.State == StateOpened))
		v.Method, v.Aggregation, v.Deviation = l.Method, l.Aggregation, Points(l.Deviation)
		if v.Criteria, err = criteria(ctx, s.DB, lotID); err != nil {
			return nil, err
		}
	}
	if s.Committee != nil {
		ms, err := s.Committee.Members(ctx, lotID)
		if pr, ok := problem.As(err); ok {
			v.CommitteeNote = pr.Message
		} else if err != nil {
			return nil, fmt.Errorf("committee of lot %d: %w", lotID, err)
		}
		v.CommitteeSize = len(ms)
		if isStaff(a) {
			v.Committee = ms
		}
		if len(ms) == 0 && v.CommitteeNote == "" {
			v.CommitteeNote = "尚未完成评标专家抽取（或抽取结果尚未确认）"
		}
	}
	return v, nil
}

// LotSummary is one lot in opening, evaluation or publicity.
type LotSummary struct {
	LotID          int64  `json:"lot_id" db:"lot_id"`
	ProjectID      int64  `json:"project_id" db:"project_id"`
	Title          string `json:"title" db:"-"`
	LotName        string `json:"lot_name" db:"-"`
	State          string `json:"state" db:"state"`
	StateName      string `json:"state_name" db:"-"`
	OpenObjections int    `json:"open_objections" db:"open_objections"`
	ToForward      int    `json:"to_forward" db:"to_forward"`
}

// LotList lists the lots with an evaluation, most recently changed first:
// staff and supervisors (the supervisor finds the questions to forward).
func (s *Service) LotList(ctx context.Context) ([]LotSummary, error) {
	a := audit.ActorFrom(ctx)
	if !isStaff(a) && !isSupervisor(a) {
		return nil, forbidden("只有交易中心工作人员和监督人员可以查看开标评标一览")
	}
	out := []LotSummary{}
	if err := sqlx.SelectContext(ctx, s.DB, &out, `SELECT l.lot_id, l.project_id, l.state,
		(SELECT COUNT(*) FROM evaluation_objections o WHERE o.lot_id = l.lot_id AND o.answered_at IS NULL) AS open_objections,
		(SELECT COUNT(*) FROM evaluation_clarifications c WHERE c.lot_id = l.lot_id AND c.state = 'requested') AS to_forward
		FROM evaluation_lots l ORDER BY l.updated_at DESC, l.lot_id DESC LIMIT 200`); err != nil {
		return nil, fmt.Errorf("evaluation lots: %w", err)
	}
	for i := range out {
		out[i].StateName = StateNames[out[i].State]
		li, err := s.lotInfo(ctx, out[i].LotID)
		if _, ok := problem.As(err); ok {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i].Title, out[i].LotName = li.Title, li.LotName
	}
	return out, nil
}

// AnswerLotObjection is AnswerObjection for an objection named with its lot
// (the lot page's form): an objection of another lot is NotFound.
func (s *Service) AnswerLotObjection(ctx context.Context, lotID, objectionID int64, answer string) error {
	var lot int64
	err := s.DB.GetContext(ctx, &lot, `SELECT lot_id FROM evaluation_objections WHERE id = ?`, objectionID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && lot != lotID) {
		return problem.New(problem.NotFound, "objection_not_found", "异议不存在")
	}
	if err != nil {
		return fmt.Errorf("objection %d: %w", objectionID, err)
	}
	return s.AnswerObjection(ctx, objectionID, answer)
}

// lotOfClarification checks that the question belongs to the lot (forms of
// the lot page): a question of another lot is NotFound.
func (s *Service) lotOfClarification(ctx context.Context, lotID, id int64) error {
	var lot int64
	err := s.DB.GetContext(ctx, &lot, `SELECT lot_id FROM evaluation_clarifications WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && lot != lotID) {
		return problem.New(problem.NotFound, "clarification_not_found", "澄清事项不存在")
	}
	return err
}

// ForwardLotClarification is ForwardClarification checked against the lot.
func (s *Service) ForwardLotClarification(ctx context.Context, lotID, id int64, forward bool, note string) error {
	if err := s.lotOfClarification(ctx, lotID, id); err != nil {
		return err
	}
	return s.ForwardClarification(ctx, id, forward, note)
}

// AnswerLotClarification is AnswerClarification checked against the lot.
func (s *Service) AnswerLotClarification(ctx context.Context, lotID, id int64, answer string) error {
	if err := s.lotOfClarification(ctx, lotID, id); err != nil {
		return err
	}
	return s.AnswerClarification(ctx, id, answer)
}

// EndPublicityNow is the end of the publicity by staff, for when the timed
// event has not run yet: refused while the publicity runs, is paused by an
// objection, or is over already.
func (s *Service) EndPublicityNow(ctx context.Context, lotID int64) error {
	if !isStaff(audit.ActorFrom(ctx)) {
		return forbidden("只有交易中心工作人员可以结束公示")
	}
	now := s.Clock.Now()
	l, err := loadLot(ctx, s.DB, lotID, false)
	if err != nil {
		return err
	}
	switch {
	case l.State != StatePublicity:
		return stateConflict(l, "不能结束公示")
	case l.PausedAt.Valid:
		return problem.New(problem.Conflict, "publicity_paused", "公示因异议暂停，异议答复后继续计算公示期")
	case now.Before(l.PublicityEnd.Time):
		return problem.New(problem.Conflict, "publicity_running", "公示期未满，不能提前结束")
	}
	return s.EndPublicity(ctx, lotID)
}
