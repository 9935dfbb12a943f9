package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/db"
	"ggzy/money"
	"ggzy/problem"
)

// GroundOther is the ground of a fail not among the seven of 实施条例 51
// (a criterion of the tender documents); the reason then says which.
const GroundOther = "其他（招标文件规定的资格、符合性条件）"

// Grounds are the grounds offered for a fail.
func Grounds() []string { return append(slices.Clone(RejectionGrounds), GroundOther) }

// ReviewInput is one member's pass or fail of one bid on one qualification
// criterion.
type ReviewInput struct {
	BidID       int64  `json:"bid_id"`
	CriterionID int64  `json:"criterion_id"`
	Pass        bool   `json:"pass"`
	Ground      string `json:"ground"`
	Reason      string `json:"reason"`
}

func (s *Service) ready(l *lotRow, m *memberRow) error {
	if l.State != StateEvaluating {
		return stateConflict(l, "不能评审")
	}
	if !m.DeclaredAt.Valid {
		return problem.New(problem.Conflict, "declaration_first", "请先签署承诺书和回避声明")
	}
	if !l.ChairMemberID.Valid {
		return problem.New(problem.Conflict, "chair_first", "请先推选主任委员")
	}
	return nil
}

// criterionOf reads a criterion of the lot; NotFound for another lot's.
func criterionOf(ctx context.Context, q sqlx.QueryerContext, lotID, id int64, field string) (*Criterion, error) {
	var c struct {
		Name string `db:"name"`
		Kind string `db:"kind"`
		Max  int64  `db:"max_points"`
	}
	err := sqlx.GetContext(ctx, q, &c, `SELECT name, kind, max_points FROM evaluation_criteria WHERE id = ? AND lot_id = ?`, id, lotID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.InvalidField(field, "criterion_unknown", "评审因素不存在")
	}
	if err != nil {
		return nil, err
	}
	return &Criterion{ID: id, Name: c.Name, Kind: c.Kind, Max: Points(c.Max)}, nil
}

// validBid checks that the bid was read out at the opening of this lot.
func validBid(ctx context.Context, q sqlx.QueryerContext, lotID, id int64) (*bidRow, error) {
	var b bidRow
	err := sqlx.GetContext(ctx, q, &b, `SELECT id, bid_ref, org_id, org_name, price, duration, quality, deposit, unseal, unseal_note,
		signed_in_at, confirm, confirmed_at FROM evaluation_bids WHERE id = ? AND lot_id = ?`, id, lotID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && b.Unseal != UnsealOK) {
		return nil, problem.InvalidField("bid_id", "bid_unknown", "投标不存在或未唱标")
	}
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// SaveReview records (or changes) a member's pass or fail. Every fail needs
// its ground and a written reason.
func (s *Service) SaveReview(ctx context.Context, token string, lotID int64, in ReviewInput) error {
	var f problem.Fields
	reason := text(&f, "reason", in.Reason, !in.Pass, 1000, "不通过的理由")
	ground := strings.TrimSpace(in.Ground)
	if !in.Pass && !slices.Contains(Grounds(), ground) {
		f.Add("ground", "ground_required", "请选择否决依据（实施条例第五十一条所列情形之一或招标文件规定的条件）")
	}
	if in.Pass {
		ground, reason = "", ""
	}
	if err := f.Err(); err != nil {
		return err
	}
	return s.expertTx(ctx, token, lotID, func(tx *sqlx.Tx, l *lotRow, m *memberRow, now time.Time) error {
		if err := s.ready(l, m); err != nil {
			return err
		}
		if l.ReviewedAt.Valid {
			return problem.New(problem.Conflict, "reviews_confirmed", "初步评审结果已汇总确认，不能再修改")
		}
		c, err := criterionOf(ctx, tx, lotID, in.CriterionID, "criterion_id")
		if err != nil {
			return err
		}
		if c.Kind != KindQualification {
			return problem.InvalidField("criterion_id", "criterion_not_review", "该因素不是资格或符合性审查因素")
		}
		if _, err := validBid(ctx, tx, lotID, in.BidID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_reviews (member_id, bid_id, criterion_id, lot_id, pass, ground, reason, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE pass = VALUES(pass), ground = VALUES(ground), reason = VALUES(reason), updated_at = VALUES(updated_at)`,
			m.ID, in.BidID, in.CriterionID, lotID, in.Pass, ground, reason, now); err != nil {
			return fmt.Errorf("save review: %w", err)
		}
		return record(ctx, tx, now, l, "evaluation.review.save", map[string]any{"member": m.ID, "bid": in.BidID, "criterion": in.CriterionID, "pass": in.Pass})
	})
}

type reviewRow struct {
	MemberID    int64  `db:"member_id"`
	BidID       int64  `db:"bid_id"`
	CriterionID int64  `db:"criterion_id"`
	Pass        bool   `db:"pass"`
	Ground      string `db:"ground"`
	Reason      string `db:"reason"`
}

// ConfirmReviews closes the qualification and preliminary review (the
// chair): every active member must have judged every read-out bid on every
// qualification criterion. A bid fails a criterion when more than half of
// the members fail it (少数服从多数); the reasons given are kept.
func (s *Service) ConfirmReviews(ctx context.Context, token string, lotID int64) error {
	return s.expertTx(ctx, token, lotID, func(tx *sqlx.Tx, l *lotRow, m *memberRow, now time.Time) error {
		if err := s.ready(l, m); err != nil {
			return err
		}
		if l.ChairMemberID.Int64 != m.ID {
			return problem.New(problem.Forbidden, "chair_only", "只有主任委员可以汇总初步评审结果")
		}
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		if l.ReviewedAt.Valid {
			return problem.New(problem.Conflict, "reviews_confirmed", "初步评审结果已汇总确认")
		}
		ms, err := loadMembers(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		act := activeMembers(ms)
		for _, am := range act {
			if !am.DeclaredAt.Valid {
				return problem.New(problem.Conflict, "declarations_missing", fmt.Sprintf("%s尚未签署承诺书", am.Name))
			}
		}
		bids, err := loadBids(ctx, tx, lotID)
		if err != nil {
			return err
		}
		crit, err := criteria(ctx, tx, lotID)
		if err != nil {
			return err
		}
		var rows []reviewRow
		if err := tx.SelectContext(ctx, &rows, `SELECT r.member_id, r.bid_id, r.criterion_id, r.pass, r.ground, r.reason FROM evaluation_reviews r
			JOIN evaluation_members m ON m.id = r.member_id WHERE r.lot_id = ? AND m.state = 'active'`, lotID); err != nil {
			return err
		}
		type key struct{ bid, crit int64 }
		have := map[int64]int{}
		fails := map[key][]reviewRow{}
		for _, r := range rows {
			have[r.MemberID]++
			if !r.Pass {
				fails[key{r.BidID, r.CriterionID}] = append(fails[key{r.BidID, r.CriterionID}], r)
			}
		}
		var quals []Criterion
		for _, c := range crit {
			if c.Kind == KindQualification {
				quals = append(quals, c)
			}
		}
		valid := 0
		for _, b := range bids {
			if b.Unseal == UnsealOK {
				valid++
			}
		}
		for _, am := range act {
			if have[am.ID] < valid*len(quals) {
				return problem.New(problem.Conflict, "reviews_incomplete", fmt.Sprintf("%s尚未完成全部投标的初步评审（%d/%d）", am.Name, have[am.ID], valid*len(quals)))
			}
		}
		qualified := 0
		for _, b := range bids {
			if b.Unseal != UnsealOK {
				continue
			}
			var why []string
			for _, c := range quals {
				fs := fails[key{b.ID, c.ID}]
				if 2*len(fs) > len(act) {
					why = append(why, fmt.Sprintf("%s：%s（%s）", c.Name, fs[0].Ground, fs[0].Reason))
				}
			}
			if len(why) == 0 {
				qualified++
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_results (lot_id, bid_id, qualified, rejection) VALUES (?, ?, ?, ?)
				ON DUPLICATE KEY UPDATE qualified = VALUES(qualified), rejection = VALUES(rejection)`, lotID, b.ID, len(why) == 0, db.Clip(strings.Join(why, "；"), 2000)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET reviewed_at = ?, updated_at = ? WHERE lot_id = ?`, now, now, lotID); err != nil {
			return err
		}
		return record(ctx, tx, now, l, "evaluation.review.confirm", map[string]any{"bids": valid, "qualified": qualified})
	})
}

// ScoreInput is one member's score of one bid on one scored criterion.
type ScoreInput struct {
	BidID       int64  `json:"bid_id"`
	CriterionID int64  `json:"criterion_id"`
	Points      string `json:"points"` // e.g. "8.5"
	Reason      string `json:"reason"` // required when the score deviates (checked at the summary)
}

// SaveScore records (or changes) a member's score: 0 ≤ points ≤ the
// criterion's maximum, on a bid that passed the preliminary review. Every
// keystroke of the terminal page may call it.
func (s *Service) SaveScore(ctx context.Context, token string, lotID int64, in ScoreInput) error {
	var f problem.Fields
	p, err := ParsePoints(in.Points)
	if err != nil {
		f.AddErr("points", err)
	}
	reason := text(&f, "reason", in.Reason, false, 1000, "评分说明")
	if err := f.Err(); err != nil {
		return err
	}
	return s.expertTx(ctx, token, lotID, func(tx *sqlx.Tx, l *lotRow, m *memberRow, now time.Time) error {
		if err := s.ready(l, m); err != nil {
			return err
		}
		if !l.ReviewedAt.Valid {
			return problem.New(problem.Conflict, "reviews_open", "初步评审结果汇总确认后方可详细评审打分")
		}
		c, err := criterionOf(ctx, tx, lotID, in.CriterionID, "criterion_id")
		if err != nil {
			return err
		}
		if c.Kind != KindScore {
			return problem.InvalidField("criterion_id", "criterion_not_scored", "该因素不由专家打分")
		}
		if p > c.Max {
			return problem.InvalidField("points", "points_above_max", fmt.Sprintf("「%s」满分为%s分，评分不能超过满分", c.Name, c.Max))
		}
		var qualified bool
		err = tx.GetContext(ctx, &qualified, `SELECT qualified FROM evaluation_results WHERE lot_id = ? AND bid_id = ?`, lotID, in.BidID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !qualified) {
			return problem.InvalidField("bid_id", "bid_not_qualified", "该投标未通过初步评审，不进入详细评审")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_scores (member_id, bid_id, criterion_id, lot_id, points, reason, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE points = VALUES(points), reason = VALUES(reason), updated_at = VALUES(updated_at)`,
			m.ID, in.BidID, in.CriterionID, lotID, int64(p), reason, now); err != nil {
			return fmt.Errorf("save score: %w", err)
		}
		// The score itself stays out of the audit summary (confidential
		// until the result); the event says who changed which cell when.
		return record(ctx, tx, now, l, "evaluation.score.save", map[string]any{"member": m.ID, "bid": in.BidID, "criterion": in.CriterionID})
	})
}

type scoreRow struct {
	MemberID    int64  `db:"member_id"`
	BidID       int64  `db:"bid_id"`
	CriterionID int64  `db:"criterion_id"`
	Points      int64  `db:"points"`
	Reason      string `db:"reason"`
}

func activeScores(ctx context.Context, q sqlx.QueryerContext, lotID int64) ([]scoreRow, error) {
	var rows []scoreRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT s.member_id, s.bid_id, s.criterion_id, s.points, s.reason FROM evaluation_scores s
		JOIN evaluation_members m ON m.id = s.member_id WHERE s.lot_id = ? AND s.voided = 0 AND m.state = 'active'`, lotID); err != nil {
		return nil, fmt.Errorf("scores of lot %d: %w", lotID, err)
	}
	return rows, nil
}

// Flag is a score that deviates from the other members' mean by more than
// the limit and so needs a written reason.
type Flag struct {
	MemberID    int64  `json:"member_id"`
	Member      string `json:"member,omitempty"`
	BidID       int64  `json:"bid_id"`
	CriterionID int64  `json:"criterion_id"`
	Points      Points `json:"points"`
	HasReason   bool   `json:"has_reason"`
}

type cell struct{ bid, crit int64 }

func flags(rows []scoreRow, limit Points) []Flag {
	by := map[cell][]scoreRow{}
	for _, r := range rows {
		k := cell{r.BidID, r.CriterionID}
		by[k] = append(by[k], r)
	}
	var out []Flag
	for _, rs := range by {
		for i, r := range rs {
			others := make([]Points, 0, len(rs)-1)
			for j, o := range rs {
				if j != i {
					others = append(others, Points(o.Points))
				}
			}
			if Deviates(Points(r.Points), others, limit) {
				out = append(out, Flag{MemberID: r.MemberID, BidID: r.BidID, CriterionID: r.CriterionID, Points: Points(r.Points), HasReason: r.Reason != ""})
			}
		}
	}
	slices.SortFunc(out, func(a, b Flag) int {
		if a.MemberID != b.MemberID {
			return int(a.MemberID - b.MemberID)
		}
		if a.BidID != b.BidID {
			return int(a.BidID - b.BidID)
		}
		return int(a.CriterionID - b.CriterionID)
	})
	return out
}

// Summarise computes the result (the chair): every active member has scored
// every qualified bid on every scored criterion, every deviating score has
// its reason; the experts' scores are combined by the lot's rule, the price
// score follows the announced formula, and the bids are ranked with the
// stated tie-breaks; at most three are recommended.
func (s *Service) Summarise(ctx context.Context, token string, lotID int64) error {
	return s.expertTx(ctx, token, lotID, func(tx *sqlx.Tx, l *lotRow, m *memberRow, now time.Time) error {
		if err := s.ready(l, m); err != nil {
			return err
		}
		if l.ChairMemberID.Int64 != m.ID {
			return problem.New(problem.Forbidden, "chair_only", "只有主任委员可以汇总评分")
		}
		if !l.ReviewedAt.Valid {
			return problem.New(problem.Conflict, "reviews_open", "请先汇总确认初步评审结果")
		}
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		ms, err := loadMembers(ctx, tx, lotID, true) // waits for saves in flight
		if err != nil {
			return err
		}
		if l.State != StateEvaluating {
			return stateConflict(l, "不能汇总")
		}
		act := activeMembers(ms)
		names := map[int64]string{}
		for _, am := range act {
			names[am.ID] = am.Name
		}
		crit, err := criteria(ctx, tx, lotID)
		if err != nil {
			return err
		}
		bids, err := loadBids(ctx, tx, lotID)
		if err != nil {
			return err
		}
		var res []struct {
			BidID     int64 `db:"bid_id"`
			Qualified bool  `db:"qualified"`
		}
		if err := tx.SelectContext(ctx, &res, `SELECT bid_id, qualified FROM evaluation_results WHERE lot_id = ?`, lotID); err != nil {
			return err
		}
		qual := map[int64]bool{}
		for _, r := range res {
			qual[r.BidID] = r.Qualified
		}
		var qbids []bidRow
		for _, b := range bids {
			if qual[b.ID] {
				qbids = append(qbids, b)
			}
		}
		if len(qbids) == 0 {
			return problem.New(problem.Conflict, "no_qualified_bid", "没有通过初步评审的投标，应作评标失败处理")
		}
		scores, err := activeScores(ctx, tx, lotID)
		if err != nil {
			return err
		}
		var scored []Criterion
		var price *Criterion
		for i, c := range crit {
			switch c.Kind {
			case KindScore:
				scored = append(scored, c)
			case KindPrice:
				price = &crit[i]
			}
		}
		got := map[cell][]Points{}
		for _, r := range scores {
			if qual[r.BidID] {
				got[cell{r.BidID, r.CriterionID}] = append(got[cell{r.BidID, r.CriterionID}], Points(r.Points))
			}
		}
		var f problem.Fields
		for _, b := range qbids {
			for _, c := range scored {
				if n := len(got[cell{b.ID, c.ID}]); n < len(act) {
					f.Add(fmt.Sprintf("score_%d_%d", b.ID, c.ID), "scores_missing", fmt.Sprintf("「%s」的「%s」还差%d位专家评分", b.OrgName, c.Name, len(act)-n))
				}
			}
		}
		for _, fl := range flags(scores, Points(l.Deviation)) {
			if !fl.HasReason && qual[fl.BidID] {
				f.Add(fmt.Sprintf("reason_%d_%d_%d", fl.MemberID, fl.BidID, fl.CriterionID), "deviation_reason_required",
					fmt.Sprintf("%s对投标%d的评分%s分偏离其他专家平均分超过%s分，须书面说明理由", names[fl.MemberID], fl.BidID, fl.Points, Points(l.Deviation)))
			}
		}
		if err := f.Err(); err != nil {
			pe, _ := problem.As(err)
			return &problem.Error{Kind: problem.Conflict, Code: "summary_blocked", Message: "评分尚未齐全或偏离评分缺少理由，不能汇总：" + pe.Fields[0].Message, Fields: pe.Fields}
		}
		lowest := money.Fen(0)
		for _, b := range qbids {
			if lowest == 0 || money.Fen(b.Price) < lowest {
				lowest = money.Fen(b.Price)
			}
		}
		cands := make([]Candidate, 0, len(qbids))
		for _, b := range qbids {
			c := Candidate{BidID: b.BidRef, Bidder: b.OrgName, Price: money.Fen(b.Price)}
			for _, sc := range scored {
				c.Technical += Aggregate(got[cell{b.ID, sc.ID}], l.Aggregation)
			}
			if price != nil && l.Method == Comprehensive {
				c.PricePoints = PriceScore(lowest, c.Price, price.Max)
			}
			c.Total = c.Technical + c.PricePoints
			cands = append(cands, c)
		}
		ranked := Rank(l.Method, cands)
		byRef := map[int64]int64{}
		for _, b := range qbids {
			byRef[b.BidRef] = b.ID
		}
		for _, c := range ranked {
			if _, err := tx.ExecContext(ctx, `UPDATE evaluation_results SET technical = ?, price_points = ?, total = ?, rank_no = ?, tie_broken = ?, candidate = ?
				WHERE lot_id = ? AND bid_id = ?`, int64(c.Technical), int64(c.PricePoints), int64(c.Total), c.Rank, c.TieBroken, c.Rank <= 3, lotID, byRef[c.BidID]); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET state = ?, summarised_at = ?, updated_at = ? WHERE lot_id = ?`, StateSigning, now, now, lotID); err != nil {
			return err
		}
		return record(ctx, tx, now, l, "evaluation.summary", map[string]any{"qualified": len(qbids), "candidates": len(Candidates(ranked))})
	})
}

// FailEvaluation ends the evaluation without candidates (the chair, with the
// committee's reason): every bid rejected, or too few valid bids left to
// compete (否决全部投标). The members then sign the failed-evaluation report.
func (s *Service) FailEvaluation(ctx context.Context, token string, lotID int64, reason string) error {
	var f problem.Fields
	reason = text(&f, "reason", reason, true, 500, "评标失败的理由")
	if err := f.Err(); err != nil {
		return err
	}
	return s.expertTx(ctx, token, lotID, func(tx *sqlx.Tx, l *lotRow, m *memberRow, now time.Time) error {
		if err := s.ready(l, m); err != nil {
			return err
		}
		if l.ChairMemberID.Int64 != m.ID {
			return problem.New(problem.Forbidden, "chair_only", "只有主任委员可以作出评标失败的结论")
		}
		if !l.ReviewedAt.Valid {
			return problem.New(problem.Conflict, "reviews_open", "请先汇总确认初步评审结果")
		}
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		if _, err := loadMembers(ctx, tx, lotID, true); err != nil {
			return err
		}
		if l.State != StateEvaluating {
			return stateConflict(l, "不能作出评标失败的结论")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_results SET candidate = 0, rank_no = 0 WHERE lot_id = ?`, lotID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET state = ?, outcome_reason = ?, summarised_at = ?, updated_at = ? WHERE lot_id = ?`,
			StateSigning, reason, now, now, lotID); err != nil {
			return err
		}
		return record(ctx, tx, now, l, "evaluation.fail", map[string]any{"reason": reason})
	})
}

// SignInput is a member's signature of the report: agreement, or a written
// dissent.
type SignInput struct {
	Agree   bool   `json:"agree"`
	Dissent string `json:"dissent"`
}

// Sign records the member's signature of the evaluation report, once.
func (s *Service) Sign(ctx context.Context, token string, lotID int64, in SignInput) error {
	var f problem.Fields
	dissent := text(&f, "dissent", in.Dissent, !in.Agree, 2000, "不同意见及理由")
	if in.Agree {
		dissent = ""
	}
	if err := f.Err(); err != nil {
		return err
	}
	return s.expertTx(ctx, token, lotID, func(tx *sqlx.Tx, l *lotRow, m *memberRow, now time.Time) error {
		if l.State != StateSigning {
			return stateConflict(l, "不能签署评标报告")
		}
		if m.Signature != "" {
			return problem.New(problem.Conflict, "already_signed", "您已签署评标报告，不能重复签署")
		}
		sig := SignAgree
		if !in.Agree {
			sig = SignDissent
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_members SET signature = ?, dissent = ?, signed_at = ? WHERE id = ?`, sig, dissent, now, m.ID); err != nil {
			return err
		}
		return record(ctx, tx, now, l, "evaluation.report.sign", map[string]any{"member": m.ID, "signature": sig})
	})
}

// CloseReport closes the report (the chair). A member who neither signed
// nor wrote a dissent is recorded as refusing, which counts as agreement
// (评标委员会成员拒绝签字又不书面说明其不同意见和理由的，视为同意评标结果).
// A failed evaluation ends in StateFailedEval and the lot is returned for
// re-tendering. The evaluation report (评标报告), or the failed-evaluation
// report, is issued in the same transaction.
func (s *Service) CloseReport(ctx context.Context, token string, lotID int64) error {
	li, err := s.lotInfo(ctx, lotID)
	if err != nil {
		return err
	}
	var failed string
	err = s.expertTx(ctx, token, lotID, func(tx *sqlx.Tx, l *lotRow, m *memberRow, now time.Time) error {
		failed = ""
		if l.ChairMemberID.Int64 != m.ID {
			return problem.New(problem.Forbidden, "chair_only", "只有主任委员可以结束评标")
		}
		if m.Signature == "" {
			return problem.New(problem.Conflict, "chair_signs_first", "主任委员请先签署评标报告")
		}
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		if l.State != StateSigning {
			return stateConflict(l, "不能结束评标")
		}
		res, err := tx.ExecContext(ctx, `UPDATE evaluation_members SET signature = 'refused', signed_at = ? WHERE lot_id = ? AND state = 'active' AND signature = ''`, now, lotID)
		if err != nil {
			return err
		}
		refused, _ := res.RowsAffected()
		state := StateConcluded
		if l.OutcomeReason != "" {
			state, failed = StateFailedEval, l.OutcomeReason
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET state = ?, concluded_at = ?, updated_at = ? WHERE lot_id = ?`, state, now, now, lotID); err != nil {
			return err
		}
		if err := record(ctx, tx, now, l, "evaluation.report.close", map[string]any{"state": state, "refused_counted_as_agreement": refused}); err != nil {
			return err
		}
		kind := DocEvaluationReport
		if failed != "" {
			kind = DocFailedReport
		}
		return s.issueTx(ctx, tx, now, li, lotID, kind)
	})
	if err == nil && failed != "" && s.Retender != nil {
		if err := s.Retender.Retender(ctx, lotID, "评标失败："+failed); err != nil {
			return fmt.Errorf("return lot %d for re-tendering: %w", lotID, err)
		}
	}
	return err
}
