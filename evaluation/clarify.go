package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// Clarification states: the committee asks, the supervisor forwards (or
// refuses a question that would let a bidder change the substance of its
// bid), the bidder answers.
const (
	ClarifyRequested = "requested"
	ClarifyForwarded = "forwarded"
	ClarifyRefused   = "refused"
	ClarifyAnswered  = "answered"
)

// ClarifyStateNames are the Chinese names of the states.
var ClarifyStateNames = map[string]string{ClarifyRequested: "待监督人员转交", ClarifyForwarded: "已转交投标人", ClarifyRefused: "监督人员未转交", ClarifyAnswered: "投标人已答复"}

// Clarification is a question to a bidder (澄清).
type Clarification struct {
	ID             int64     `json:"id" db:"id"`
	LotID          int64     `json:"lot_id" db:"lot_id"`
	BidID          int64     `json:"bid_id" db:"bid_id"`
	Bidder         string    `json:"bidder" db:"org_name"`
	Question       string    `json:"question" db:"question"`
	State          string    `json:"state" db:"state"`
	SupervisorNote string    `json:"supervisor_note" db:"supervisor_note"`
	Answer         string    `json:"answer" db:"answer"`
	CreatedAt      time.Time `json:"created_at" db:"created_at"`
}

// StateName is the Chinese name of the state.
func (c Clarification) StateName() string { return ClarifyStateNames[c.State] }

const clarifySelect = `SELECT c.id, c.lot_id, c.bid_id, b.org_name, c.question, c.state, c.supervisor_note, c.answer, c.created_at
  FROM evaluation_clarifications c JOIN evaluation_bids b ON b.id = c.bid_id`

// AskClarification sends the committee's question about a bid to the
// supervisor, who passes it on.
func (s *Service) AskClarification(ctx context.Context, token string, lotID, bidID int64, question string) (int64, error) {
	var f problem.Fields
	question = text(&f, "question", question, true, 2000, "澄清问题")
	if err := f.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := s.expertTx(ctx, token, lotID, func(tx *sqlx.Tx, l *lotRow, m *memberRow, now time.Time) error {
		if err := s.ready(l, m); err != nil {
			return err
		}
		if _, err := validBid(ctx, tx, lotID, bidID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO evaluation_clarifications (lot_id, bid_id, member_id, question, state, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			lotID, bidID, m.ID, question, ClarifyRequested, now)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return record(ctx, tx, now, l, "evaluation.clarify.ask", map[string]any{"clarification": id, "bid": bidID})
	})
	return id, err
}

func lockClarification(ctx context.Context, tx *sqlx.Tx, id int64) (*Clarification, int64, error) {
	var c struct {
		Clarification
		OrgID int64 `db:"org_id"`
	}
	err := tx.GetContext(ctx, &c, `SELECT c.id, c.lot_id, c.bid_id, b.org_name, b.org_id, c.question, c.state, c.supervisor_note, c.answer, c.created_at
		FROM evaluation_clarifications c JOIN evaluation_bids b ON b.id = c.bid_id WHERE c.id = ? FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, problem.New(problem.NotFound, "clarification_not_found", "澄清事项不存在")
	}
	if err != nil {
		return nil, 0, err
	}
	return &c.Clarification, c.OrgID, nil
}

// ForwardClarification is the supervisor's decision on a question: forward
// it to the bidder, or refuse it with a note.
func (s *Service) ForwardClarification(ctx context.Context, id int64, forward bool, note string) error {
	a := audit.ActorFrom(ctx)
	if !isSupervisor(a) {
		return forbidden("澄清问题须经监督人员转交")
	}
	var f problem.Fields
	note = text(&f, "note", note, !forward, 500, "不予转交的理由")
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		c, _, err := lockClarification(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.State != ClarifyRequested {
			return problem.New(problem.Conflict, "clarification_handled", "该澄清事项已处理")
		}
		state := ClarifyForwarded
		if !forward {
			state = ClarifyRefused
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_clarifications SET state = ?, supervisor_note = ?, forwarded_at = ? WHERE id = ?`, state, note, now, id); err != nil {
			return err
		}
		l, err := loadLot(ctx, tx, c.LotID, false)
		if err != nil {
			return err
		}
		return record(ctx, tx, now, l, "evaluation.clarify.forward", map[string]any{"clarification": id, "state": state})
	})
}

// AnswerClarification is the bidder's written answer to a forwarded
// question.
func (s *Service) AnswerClarification(ctx context.Context, id int64, answer string) error {
	a := audit.ActorFrom(ctx)
	var f problem.Fields
	answer = text(&f, "answer", answer, true, 4000, "澄清答复")
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		c, org, err := lockClarification(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.Has(accounts.RoleBidder) || a.OrgID != org || c.State == ClarifyRequested || c.State == ClarifyRefused {
			return problem.New(problem.NotFound, "clarification_not_found", "澄清事项不存在")
		}
		if c.State != ClarifyForwarded {
			return problem.New(problem.Conflict, "clarification_answered", "该澄清事项已答复")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_clarifications SET state = ?, answer = ?, answered_at = ? WHERE id = ?`, ClarifyAnswered, answer, now, id); err != nil {
			return err
		}
		l, err := loadLot(ctx, tx, c.LotID, false)
		if err != nil {
			return err
		}
		return record(ctx, tx, now, l, "evaluation.clarify.answer", map[string]any{"clarification": id})
	})
}

// Clarifications lists a lot's clarifications: all for supervisors and
// staff, the forwarded ones of its own bid for a bidder.
func (s *Service) Clarifications(ctx context.Context, lotID int64) ([]Clarification, error) {
	a := audit.ActorFrom(ctx)
	if _, err := loadLot(ctx, s.DB, lotID, false); err != nil {
		return nil, err
	}
	query, args := clarifySelect+` WHERE c.lot_id = ?`, []any{lotID}
	switch {
	case isSupervisor(a) || isStaff(a):
	case a.Has(accounts.RoleBidder) && a.OrgID != 0:
		query += ` AND b.org_id = ? AND c.state IN ('forwarded', 'answered')`
		args = append(args, a.OrgID)
	default:
		return nil, errLotNotFound()
	}
	out := []Clarification{}
	if err := s.DB.SelectContext(ctx, &out, query+` ORDER BY c.id`, args...); err != nil {
		return nil, fmt.Errorf("clarifications of lot %d: %w", lotID, err)
	}
	return out, nil
}
