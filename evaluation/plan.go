package evaluation

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// CriterionInput is one line of the evaluation method as entered.
type CriterionInput struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // qualification, score or price
	Max  string `json:"max"`  // points, e.g. "30" or "12.5"; empty for qualification
}

// PlanInput is the announced evaluation method of a lot (from the tender
// documents): the method, how the experts' scores are combined, the
// deviation that needs a written reason, and the criteria.
type PlanInput struct {
	Method      string           `json:"method"`
	Aggregation string           `json:"aggregation"`
	Deviation   string           `json:"deviation"` // points; empty: the setting
	Criteria    []CriterionInput `json:"criteria"`
}

const maxCriteria = 60

func (in *PlanInput) check(defDeviation Points) (Points, []Criterion, error) {
	var f problem.Fields
	if _, ok := MethodNames[in.Method]; !ok {
		f.Add("method", "method_unknown", "评标办法只能是综合评估法（comprehensive）或经评审的最低投标价法（lowest_price）")
	}
	if in.Aggregation == "" {
		in.Aggregation = AggMean
	}
	if in.Aggregation != AggMean && in.Aggregation != AggTrimmedMean {
		f.Add("aggregation", "aggregation_unknown", "汇总方式只能是算术平均（mean）或去掉一个最高分和一个最低分后平均（trimmed_mean）")
	}
	dev := defDeviation
	if in.Deviation != "" {
		p, err := ParsePoints(in.Deviation)
		if err != nil {
			f.AddErr("deviation", err)
		}
		dev = p
	}
	if len(in.Criteria) == 0 {
		f.Add("criteria", "required", "请至少填写一项评审因素")
	}
	if len(in.Criteria) > maxCriteria {
		f.Add("criteria", "too_many", fmt.Sprintf("评审因素不能超过%d项", maxCriteria))
	}
	var out []Criterion
	var sum Points
	prices := 0
	for i, c := range in.Criteria {
		field := fmt.Sprintf("criteria[%d]", i)
		name := text(&f, field+".name", c.Name, true, 200, "评审因素名称")
		cr := Criterion{Name: name, Kind: c.Kind}
		switch c.Kind {
		case KindQualification:
		case KindScore, KindPrice:
			if in.Method == LowestPrice {
				f.Add(field+".kind", "kind_not_in_method", "经评审的最低投标价法只设资格和符合性审查因素，不设打分项")
				break
			}
			p, err := ParsePoints(c.Max)
			if err != nil {
				f.AddErr(field+".max", err)
				break
			}
			if p <= 0 {
				f.Add(field+".max", "max_required", "请填写该项的满分")
				break
			}
			cr.Max = p
			sum += p
			if c.Kind == KindPrice {
				prices++
			}
		default:
			f.Add(field+".kind", "kind_unknown", "评审因素类型只能是 qualification（资格/符合性）、score（详细评审打分）或 price（价格分）")
		}
		out = append(out, cr)
	}
	if in.Method == Comprehensive && len(in.Criteria) > 0 {
		if prices != 1 {
			f.Add("criteria", "price_criterion", "综合评估法须设且只设一项价格分（按公式计算）")
		}
		if sum != 10000 {
			f.Add("criteria", "total_not_100", fmt.Sprintf("打分项和价格分的满分合计应为100分，现为%s分", sum))
		}
	}
	return dev, out, f.Err()
}

// SetPlan records a lot's evaluation method before its opening. The
// project's agency or centre staff may set it; it is fixed once the
// opening starts (a lot opened without one may have it entered once before
// the evaluation).
func (s *Service) SetPlan(ctx context.Context, lotID int64, in PlanInput) error {
	a := audit.ActorFrom(ctx)
	li, err := s.lotInfo(ctx, lotID)
	if err != nil {
		return err
	}
	if !isStaff(a) && !ownsLot(a, li) {
		return forbidden("只有本项目的招标代理机构或交易中心工作人员可以设置评标办法")
	}
	now := s.Clock.Now()
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		confirm, publicity, dev, err := s.settings(ctx, tx)
		if err != nil {
			return err
		}
		dev, crit, err := in.check(dev)
		if err != nil {
			return err
		}
		l, err := loadLot(ctx, tx, lotID, true)
		switch {
		case problem.Is(err, "evaluation_not_found"):
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_lots (lot_id, project_id, method, aggregation, deviation_limit, confirm_minutes,
				publicity_days, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				lotID, li.ProjectID, in.Method, in.Aggregation, int64(dev), confirm, publicity, StatePlanned, now, now); err != nil {
				return fmt.Errorf("insert evaluation of lot %d: %w", lotID, err)
			}
			l = &lotRow{LotID: lotID, ProjectID: li.ProjectID}
		case err != nil:
			return err
		case l.State != StatePlanned && !(l.Method == "" && (l.State == StateOpening || l.State == StateOpened)):
			// A lot opened without a method may have the announced one
			// entered once, before the evaluation starts (audited).
			return stateConflict(l, "开标后不能修改评标办法")
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET method = ?, aggregation = ?, deviation_limit = ?, updated_at = ? WHERE lot_id = ?`,
				in.Method, in.Aggregation, int64(dev), now, lotID); err != nil {
				return fmt.Errorf("update evaluation of lot %d: %w", lotID, err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM evaluation_criteria WHERE lot_id = ?`, lotID); err != nil {
				return fmt.Errorf("clear criteria of lot %d: %w", lotID, err)
			}
		}
		for i, c := range crit {
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_criteria (lot_id, position, name, kind, max_points) VALUES (?, ?, ?, ?, ?)`,
				lotID, i+1, c.Name, c.Kind, int64(c.Max)); err != nil {
				return fmt.Errorf("insert criterion: %w", err)
			}
		}
		return record(ctx, tx, now, l, "evaluation.plan.set", map[string]any{"method": in.Method, "aggregation": in.Aggregation,
			"deviation": dev.String(), "criteria": len(crit)})
	})
	if db.IsDuplicate(err) {
		return problem.New(problem.Conflict, "plan_concurrent", "评标办法正在被他人修改，请刷新后重试")
	}
	return err
}

// criteria lists a lot's criteria in order.
func criteria(ctx context.Context, q sqlx.QueryerContext, lotID int64) ([]Criterion, error) {
	var rows []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
		Kind string `db:"kind"`
		Max  int64  `db:"max_points"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, name, kind, max_points FROM evaluation_criteria WHERE lot_id = ? ORDER BY position`, lotID); err != nil {
		return nil, fmt.Errorf("criteria of lot %d: %w", lotID, err)
	}
	out := make([]Criterion, len(rows))
	for i, r := range rows {
		out[i] = Criterion{ID: r.ID, Name: r.Name, Kind: r.Kind, Max: Points(r.Max)}
	}
	return out, nil
}
