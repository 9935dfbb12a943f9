package evaluation

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/money"
)

// DeskMember is a committee member as the committee sees him.
type DeskMember struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Seq       int    `json:"seq"`
	State     string `json:"state"`
	Declared  bool   `json:"declared"`
	Voted     bool   `json:"voted"`
	Chair     bool   `json:"chair"`
	Signature string `json:"signature,omitempty"`
	Dissent   string `json:"dissent,omitempty"`
	Replaces  int64  `json:"replaces,omitempty"`
	Reason    string `json:"replaced_reason,omitempty"`
}

// SignatureName is the Chinese name of the signature.
func (m DeskMember) SignatureName() string {
	return map[string]string{SignAgree: "同意", SignDissent: "不同意（书面意见）", SignRefused: "拒绝签字且未说明理由，视为同意", "": "未签署"}[m.Signature]
}

// ReviewCell is one member's judgement of one bid on one criterion.
type ReviewCell struct {
	CriterionID int64  `json:"criterion_id"`
	Done        bool   `json:"done"`
	Pass        bool   `json:"pass"`
	Ground      string `json:"ground,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// ScoreCell is one member's score of one bid on one criterion.
type ScoreCell struct {
	CriterionID int64  `json:"criterion_id"`
	Max         Points `json:"max"`
	Value       string `json:"value"` // "" when not scored yet
	Reason      string `json:"reason,omitempty"`
	Flagged     bool   `json:"flagged"` // deviates from the others' mean now
}

// DeskBid is a bid on the expert's desk with his cells.
type DeskBid struct {
	OpenedBidView
	Qualified bool         `json:"qualified"`
	Rejection string       `json:"rejection,omitempty"`
	Reviews   []ReviewCell `json:"reviews"`
	Scores    []ScoreCell  `json:"scores,omitempty"`
}

// ResultLine is one bid of the result.
type ResultLine struct {
	BidID       int64     `json:"bid_id"`
	Bidder      string    `json:"bidder"`
	Price       money.Fen `json:"price_fen"`
	Qualified   bool      `json:"qualified"`
	Rejection   string    `json:"rejection,omitempty"`
	Technical   Points    `json:"technical"`
	PricePoints Points    `json:"price_points"`
	Total       Points    `json:"total"`
	Rank        int       `json:"rank"`
	TieBroken   string    `json:"tie_broken,omitempty"`
	Candidate   bool      `json:"candidate"`
}

// Desk is what an expert sees at the terminal.
type Desk struct {
	LotID            int64           `json:"lot_id"`
	ProjectID        int64           `json:"project_id"`
	Title            string          `json:"title"`
	LotName          string          `json:"lot_name"`
	State            string          `json:"state"`
	StateName        string          `json:"state_name"`
	Method           string          `json:"method"`
	MethodName       string          `json:"method_name"`
	Aggregation      string          `json:"aggregation"`
	Deviation        Points          `json:"deviation"`
	Me               DeskMember      `json:"me"`
	Members          []DeskMember    `json:"members"`
	ChairID          int64           `json:"chair_id"`
	IsChair          bool            `json:"is_chair"`
	Criteria         []Criterion     `json:"criteria"`
	AllBids          []OpenedBidView `json:"all_bids"` // the bidder list of the declaration
	Bids             []DeskBid       `json:"bids"`
	ReviewsConfirmed bool            `json:"reviews_confirmed"`
	Results          []ResultLine    `json:"results,omitempty"`
	Outcome          string          `json:"outcome,omitempty"`
	Clarifications   []Clarification `json:"clarifications"`
	Grounds          []string        `json:"grounds"`
	Now              time.Time       `json:"now"`
}

// Step names what the member has to do next (for the terminal page).
func (d *Desk) Step() string {
	switch {
	case d.State == StateEvaluating && d.Me.Declared && d.ChairID == 0:
		return "chair"
	case d.State == StateEvaluating && !d.Me.Declared:
		return "declare"
	case d.State == StateEvaluating && !d.ReviewsConfirmed:
		return "review"
	case d.State == StateEvaluating:
		return "score"
	case d.State == StateSigning:
		return "sign"
	}
	return "done"
}

// ScoredCriteria are the criteria the experts score.
func (d *Desk) ScoredCriteria() []Criterion { return kindOf(d.Criteria, KindScore) }

// ReviewCriteria are the pass/fail criteria.
func (d *Desk) ReviewCriteria() []Criterion { return kindOf(d.Criteria, KindQualification) }

func kindOf(cs []Criterion, kind string) []Criterion {
	var out []Criterion
	for _, c := range cs {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// Desk returns the expert's view of the lot at the terminal (the terminal
// rule applies to reading too).
func (s *Service) Desk(ctx context.Context, token string, lotID int64) (*Desk, error) {
	l, err := loadLot(ctx, s.DB, lotID, false)
	if err != nil {
		return nil, err
	}
	me, _, err := s.seat(ctx, l, token)
	if err != nil {
		return nil, err
	}
	li, err := s.lotInfo(ctx, lotID)
	if err != nil {
		return nil, err
	}
	d := &Desk{LotID: lotID, ProjectID: l.ProjectID, Title: li.Title, LotName: li.LotName, State: l.State, StateName: StateNames[l.State],
		Method: l.Method, MethodName: MethodNames[l.Method], Aggregation: l.Aggregation, Deviation: Points(l.Deviation), ChairID: l.ChairMemberID.Int64,
		IsChair: l.ChairMemberID.Int64 == me.ID, ReviewsConfirmed: l.ReviewedAt.Valid, Outcome: l.OutcomeReason, Grounds: Grounds(), Now: s.Clock.Now(),
		Members: []DeskMember{}, Bids: []DeskBid{}, AllBids: []OpenedBidView{}}
	ms, err := loadMembers(ctx, s.DB, lotID, false)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		dm := DeskMember{ID: m.ID, Name: m.Name, Seq: m.Seq, State: m.State, Declared: m.DeclaredAt.Valid, Voted: m.ChairVote.Valid,
			Chair: m.ID == d.ChairID, Signature: m.Signature, Dissent: m.Dissent, Replaces: m.ReplacesID.Int64, Reason: m.ReplacedReason}
		if m.ID == me.ID {
			d.Me = dm
		}
		d.Members = append(d.Members, dm)
	}
	if d.Criteria, err = criteria(ctx, s.DB, lotID); err != nil {
		return nil, err
	}
	bids, err := loadBids(ctx, s.DB, lotID)
	if err != nil {
		return nil, err
	}
	var reviews []reviewRow
	if err := s.DB.SelectContext(ctx, &reviews, `SELECT member_id, bid_id, criterion_id, pass, ground, reason FROM evaluation_reviews WHERE member_id = ?`, me.ID); err != nil {
		return nil, fmt.Errorf("reviews: %w", err)
	}
	type rk struct{ bid, crit int64 }
	rev := map[rk]reviewRow{}
	for _, r := range reviews {
		rev[rk{r.BidID, r.CriterionID}] = r
	}
	scores, err := activeScores(ctx, s.DB, lotID)
	if err != nil {
		return nil, err
	}
	mine := map[rk]scoreRow{}
	for _, sc := range scores {
		if sc.MemberID == me.ID {
			mine[rk{sc.BidID, sc.CriterionID}] = sc
		}
	}
	flagged := map[rk]bool{}
	for _, f := range flags(scores, Points(l.Deviation)) {
		if f.MemberID == me.ID {
			flagged[rk{f.BidID, f.CriterionID}] = true
		}
	}
	results, err := s.results(ctx, lotID)
	if err != nil {
		return nil, err
	}
	res := map[int64]ResultLine{}
	for _, r := range results {
		res[r.BidID] = r
	}
	for _, b := range bids {
		v := b.view(0)
		d.AllBids = append(d.AllBids, v)
		if b.Unseal != UnsealOK {
			continue
		}
		db := DeskBid{OpenedBidView: v, Qualified: res[b.ID].Qualified, Rejection: res[b.ID].Rejection}
		for _, c := range d.ReviewCriteria() {
			r, ok := rev[rk{b.ID, c.ID}]
			db.Reviews = append(db.Reviews, ReviewCell{CriterionID: c.ID, Done: ok, Pass: r.Pass, Ground: r.Ground, Reason: r.Reason})
		}
		if d.ReviewsConfirmed && db.Qualified {
			for _, c := range d.ScoredCriteria() {
				sc, ok := mine[rk{b.ID, c.ID}]
				cell := ScoreCell{CriterionID: c.ID, Max: c.Max, Reason: sc.Reason, Flagged: flagged[rk{b.ID, c.ID}]}
				if ok {
					cell.Value = Points(sc.Points).String()
				}
				db.Scores = append(db.Scores, cell)
			}
		}
		d.Bids = append(d.Bids, db)
	}
	if l.SummarisedAt.Valid {
		d.Results = ranked(results)
	}
	cl, err := s.lotClarifications(ctx, lotID)
	if err != nil {
		return nil, err
	}
	d.Clarifications = cl
	return d, nil
}

func (s *Service) lotClarifications(ctx context.Context, lotID int64) ([]Clarification, error) {
	out := []Clarification{}
	if err := s.DB.SelectContext(ctx, &out, clarifySelect+` WHERE c.lot_id = ? ORDER BY c.id`, lotID); err != nil {
		return nil, fmt.Errorf("clarifications of lot %d: %w", lotID, err)
	}
	return out, nil
}

func (s *Service) results(ctx context.Context, lotID int64) ([]ResultLine, error) {
	return loadResults(ctx, s.DB, lotID)
}

// loadResults reads a lot's result lines, ranked bids first.
func loadResults(ctx context.Context, q sqlx.QueryerContext, lotID int64) ([]ResultLine, error) {
	var rows []struct {
		BidID       int64  `db:"bid_id"`
		Bidder      string `db:"org_name"`
		Price       int64  `db:"price"`
		Qualified   bool   `db:"qualified"`
		Rejection   string `db:"rejection"`
		Technical   int64  `db:"technical"`
		PricePoints int64  `db:"price_points"`
		Total       int64  `db:"total"`
		Rank        int    `db:"rank_no"`
		TieBroken   string `db:"tie_broken"`
		Candidate   bool   `db:"candidate"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT r.bid_id, b.org_name, b.price, r.qualified, r.rejection, r.technical, r.price_points, r.total,
		r.rank_no, r.tie_broken, r.candidate FROM evaluation_results r JOIN evaluation_bids b ON b.id = r.bid_id
		WHERE r.lot_id = ? ORDER BY r.rank_no = 0, r.rank_no, b.bid_ref`, lotID); err != nil {
		return nil, fmt.Errorf("results of lot %d: %w", lotID, err)
	}
	out := make([]ResultLine, len(rows))
	for i, r := range rows {
		out[i] = ResultLine{BidID: r.BidID, Bidder: r.Bidder, Price: money.Fen(r.Price), Qualified: r.Qualified, Rejection: r.Rejection,
			Technical: Points(r.Technical), PricePoints: Points(r.PricePoints), Total: Points(r.Total), Rank: r.Rank, TieBroken: r.TieBroken, Candidate: r.Candidate}
	}
	return out, nil
}

func ranked(rs []ResultLine) []ResultLine { return rs }

// Result is the outcome of a lot's evaluation as the viewer may see it.
type Result struct {
	LotID          int64        `json:"lot_id"`
	ProjectID      int64        `json:"project_id"`
	State          string       `json:"state"`
	StateName      string       `json:"state_name"`
	Method         string       `json:"method"`
	Outcome        string       `json:"outcome_reason,omitempty"`
	Lines          []ResultLine `json:"results"`
	Members        []DeskMember `json:"members,omitempty"` // hidden from agencies and bidders until the award
	PublicityStart time.Time    `json:"publicity_start,omitzero"`
	PublicityEnd   time.Time    `json:"publicity_end,omitzero"`
	Paused         bool         `json:"paused"`
	Award          *Award       `json:"award,omitempty"`
}

// Result returns the evaluation result. Staff and supervisors see it (with
// the committee) once it is computed; the project's agency and the lot's
// bidders see the ranking and scores only from the candidate publicity on,
// and the committee's names only after the award. Before that they get
// NotFound: names and scores are confidential until the result is
// published.
func (s *Service) Result(ctx context.Context, lotID int64) (*Result, error) {
	a := audit.ActorFrom(ctx)
	l, err := loadLot(ctx, s.DB, lotID, false)
	if err != nil {
		return nil, err
	}
	published := l.State == StatePublicity || l.State == StatePublicityEnded || l.State == StateAwarded
	insider := isStaff(a) || isSupervisor(a)
	if !insider {
		if !published {
			return nil, errLotNotFound()
		}
		switch {
		case a.Has(accounts.RoleAgency):
			li, err := s.lotInfo(ctx, lotID)
			if err != nil {
				return nil, err
			}
			if !ownsLot(a, li) {
				return nil, errLotNotFound()
			}
		case a.Has(accounts.RoleBidder) && a.OrgID != 0:
			var n int
			if err := s.DB.GetContext(ctx, &n, `SELECT COUNT(*) FROM evaluation_bids WHERE lot_id = ? AND org_id = ?`, lotID, a.OrgID); err != nil {
				return nil, err
			}
			if n == 0 {
				return nil, errLotNotFound()
			}
		default:
			return nil, errLotNotFound()
		}
	}
	if !l.SummarisedAt.Valid {
		return nil, stateConflict(l, "评标结果尚未形成")
	}
	r := &Result{LotID: lotID, ProjectID: l.ProjectID, State: l.State, StateName: StateNames[l.State], Method: l.Method, Outcome: l.OutcomeReason,
		PublicityStart: l.PublicityStart.Time, PublicityEnd: l.PublicityEnd.Time, Paused: l.PausedAt.Valid}
	if r.Lines, err = s.results(ctx, lotID); err != nil {
		return nil, err
	}
	if insider || l.State == StateAwarded {
		ms, err := loadMembers(ctx, s.DB, lotID, false)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			r.Members = append(r.Members, DeskMember{ID: m.ID, Name: m.Name, Seq: m.Seq, State: m.State, Signature: m.Signature, Dissent: m.Dissent,
				Replaces: m.ReplacesID.Int64, Reason: m.ReplacedReason})
		}
	}
	if l.AwardBidID.Valid {
		for _, line := range r.Lines {
			if line.BidID == l.AwardBidID.Int64 {
				r.Award = &Award{LotID: lotID, ProjectID: l.ProjectID, BidID: line.BidID, Winner: line.Bidder, Price: line.Price, AwardedAt: l.AwardedAt.Time}
			}
		}
	}
	return r, nil
}
