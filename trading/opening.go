package trading

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
	"ggzy/money"
	"ggzy/problem"
)

// CloseSubmissions closes a lot's submissions at its deadline; the schedule
// engine calls it for the event (DeadlineEvent, "lot:<id>"). It is
// idempotent: a closed lot stays closed, and a call before the deadline
// (one that moved after the event was scheduled) changes nothing. Closing
// ties the sealed audit events of the lot to the project's archive.
func (s *Service) CloseSubmissions(ctx context.Context, lotID int64) error {
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var st struct {
			ProjectID int64        `db:"project_id"`
			Status    string       `db:"status"`
			Deadline  sql.NullTime `db:"deadline"`
		}
		err := tx.GetContext(ctx, &st, `SELECT l.project_id, l.status, p.deadline FROM trading_lots l JOIN trading_projects p ON p.id = l.project_id
			WHERE l.id = ? FOR UPDATE`, lotID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // nothing to close (a deleted draft's lot)
		}
		if err != nil {
			return fmt.Errorf("lock lot %d: %w", lotID, err)
		}
		now := s.Clock.Now()
		if st.Status == LotClosed || st.Status == LotTerminated || !st.Deadline.Valid || now.Before(st.Deadline.Time) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_lots SET status = ?, closed_at = ? WHERE id = ?`, LotClosed, now, lotID); err != nil {
			return fmt.Errorf("close lot %d: %w", lotID, err)
		}
		refs, signups, files, withdrawn, err := s.lotSealedRefs(ctx, tx, st.ProjectID, lotID)
		if err != nil {
			return err
		}
		return audit.RecordAs(ctx, tx, audit.System, now, audit.Event{Action: "trading.lot.close", ObjectType: "lot", ObjectID: fmt.Sprint(lotID),
			ProjectID: st.ProjectID, Summary: map[string]any{"deadline": st.Deadline.Time, "signups": signups, "bid_files": files, "withdrawn": withdrawn, "sealed_refs": refs}})
	})
}

// lotSealedRefs gathers, unsealed, the audit references of everything sealed
// for a lot — sign-ups, bid files, withdrawals — which the event that ends
// the lot's sealing (its close, or its termination) records, so that the
// project's archive holds those sealed events; and their counts.
func (s *Service) lotSealedRefs(ctx context.Context, tx *sqlx.Tx, projectID, lotID int64) (refs []string, signups, files, withdrawn int, err error) {
	var srows []struct {
		Sealed []byte `db:"sealed"`
	}
	if err := tx.SelectContext(ctx, &srows, `SELECT sealed FROM trading_signups WHERE lot_id = ? ORDER BY created_at, id`, lotID); err != nil {
		return nil, 0, 0, 0, fmt.Errorf("sign-ups of lot %d: %w", lotID, err)
	}
	for _, r := range srows {
		var ss signupSealed
		if err := s.unseal("signup", projectID, r.Sealed, &ss); err != nil {
			return nil, 0, 0, 0, err
		}
		refs = append(refs, ss.AuditRef)
		signups++
	}
	var frows []struct {
		Sealed []byte `db:"sealed"`
		Status string `db:"status"`
	}
	if err := tx.SelectContext(ctx, &frows, `SELECT sealed, status FROM trading_bid_files WHERE lot_id = ? ORDER BY created_at, id`, lotID); err != nil {
		return nil, 0, 0, 0, fmt.Errorf("bid files of lot %d: %w", lotID, err)
	}
	for _, r := range frows {
		var rs receiptSealed
		if err := s.unseal("receipt", projectID, r.Sealed, &rs); err != nil {
			return nil, 0, 0, 0, err
		}
		refs = append(refs, rs.AuditRef)
		if r.Status == BidSubmitted {
			files++
		}
	}
	wrefs, withdrawn, err := s.withdrawnRefs(ctx, tx, projectID, lotID)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	return append(refs, wrefs...), signups, files, withdrawn, nil
}

// Entry is one bidder on a closed lot, as staff see it at the opening.
type Entry struct {
	SignupID      int64     `json:"signup_id"`
	OrgID         int64     `json:"org_id"`
	OrgName       string    `json:"org_name"`
	SignedUpAt    time.Time `json:"signed_up_at"`
	DepositDue    money.Fen `json:"deposit_due"`
	DepositMethod string    `json:"deposit_method"`
	DepositRef    string    `json:"deposit_reference"`
	DepositCheck  string    `json:"deposit_check"`
	RefundDue     string    `json:"refund_due,omitempty"`
	RefundedAt    time.Time `json:"refunded_at,omitzero"`
	Receipts      []Receipt `json:"receipts"`
}

// Opening is a closed lot with its bidders.
type Opening struct {
	LotID     int64     `json:"lot_id"`
	ProjectID int64     `json:"project_id"`
	Code      string    `json:"code"`
	Title     string    `json:"title"`
	LotName   string    `json:"lot_name"`
	ClosedAt  time.Time `json:"closed_at"`
	Entries   []Entry   `json:"entries"`
	// RetenderReason is set when the lot failed (流标 or a failed
	// evaluation) and was returned for re-tendering.
	RetenderReason string    `json:"retender_reason,omitempty"`
	RetenderAt     time.Time `json:"retender_at,omitzero"`
	// ChecksFinal: the deposit checks can no longer change (the opening
	// is closed or the result published).
	ChecksFinal bool `json:"checks_final,omitempty"`
}

// LotOpening unseals a closed lot's sign-ups, deposits and receipts for
// staff and supervisors. Before the lot closes the answer is the same for
// every lot, whether anyone signed up or not.
func (s *Service) LotOpening(ctx context.Context, lotID int64) (*Opening, error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleStaff) && !a.Has(accounts.RoleSupervisor) {
		return nil, problem.New(problem.Forbidden, "forbidden", "无权查看开标信息")
	}
	var l struct {
		ProjectID int64          `db:"project_id"`
		Name      string         `db:"name"`
		Status    string         `db:"status"`
		ClosedAt  sql.NullTime   `db:"closed_at"`
		Deposit   int64          `db:"deposit"`
		Code      sql.NullString `db:"code"`
		Title     string         `db:"title"`
		Reason    string         `db:"retender_reason"`
		Retender  sql.NullTime   `db:"retender_at"`
		Outcome   string         `db:"outcome"`
	}
	err := s.DB.GetContext(ctx, &l, `SELECT l.project_id, l.name, l.status, l.closed_at, l.deposit, p.code, p.title, l.retender_reason, l.retender_at, l.outcome
		FROM trading_lots l JOIN trading_projects p ON p.id = l.project_id WHERE l.id = ?`, lotID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && l.Status != LotClosed) {
		return nil, problem.New(problem.NotFound, "sealed_until_opening", "标段（包）不存在或尚未开标：开标前报名和递交情况保密")
	}
	if err != nil {
		return nil, fmt.Errorf("lot %d: %w", lotID, err)
	}
	o := &Opening{LotID: lotID, ProjectID: l.ProjectID, Code: l.Code.String, Title: l.Title, LotName: l.Name, ClosedAt: l.ClosedAt.Time, Entries: []Entry{},
		RetenderReason: l.Reason, RetenderAt: l.Retender.Time, ChecksFinal: l.Outcome != ""}
	if !o.ChecksFinal && s.OpeningClosed != nil {
		if o.ChecksFinal, err = s.OpeningClosed(ctx, lotID); err != nil {
			return nil, err
		}
	}
	var rows []signupRow
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+signupColumns+` FROM trading_signups WHERE lot_id = ? ORDER BY created_at, id`, lotID); err != nil {
		return nil, fmt.Errorf("sign-ups of lot %d: %w", lotID, err)
	}
	for _, r := range rows {
		e, err := s.entry(ctx, &r, money.Fen(l.Deposit))
		if err != nil {
			return nil, err
		}
		o.Entries = append(o.Entries, *e)
	}
	return o, nil
}

func (s *Service) entry(ctx context.Context, r *signupRow, due money.Fen) (*Entry, error) {
	var ss signupSealed
	if err := s.unseal("signup", r.ProjectID, r.Sealed, &ss); err != nil {
		return nil, err
	}
	e := &Entry{SignupID: r.ID, OrgID: ss.OrgID, SignedUpAt: r.CreatedAt, DepositDue: due, DepositCheck: r.DepositCheck, RefundedAt: r.RefundedAt.Time}
	if err := s.DB.GetContext(ctx, &e.OrgName, `SELECT name FROM organisations WHERE id = ?`, ss.OrgID); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("organisation %d: %w", ss.OrgID, err)
	}
	var err error
	if e.RefundDue, e.DepositMethod, e.DepositRef, e.Receipts, err = s.signupDetail(ctx, r); err != nil {
		return nil, err
	}
	return e, nil
}

// CheckDeposit records, at the opening, whether a sign-up's deposit matches
// the bank's or guarantor's record (ok or failed).
func (s *Service) CheckDeposit(ctx context.Context, signupID int64, result string) error {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleStaff) {
		return problem.New(problem.Forbidden, "forbidden", "只有交易中心工作人员可以核验保证金")
	}
	if result != "ok" && result != "failed" {
		return problem.InvalidField("result", "result_unknown", "核验结果只能是到账或未到账")
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var r struct {
			ProjectID int64  `db:"project_id"`
			LotID     int64  `db:"lot_id"`
			LotStatus string `db:"status"`
			Outcome   string `db:"outcome"`
			Declared  bool   `db:"declared"`
		}
		err := tx.GetContext(ctx, &r, `SELECT s.project_id, s.lot_id, l.status, l.outcome, s.deposit_sealed IS NOT NULL AS declared
			FROM trading_signups s JOIN trading_lots l ON l.id = s.lot_id WHERE s.id = ? FOR UPDATE`, signupID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && r.LotStatus != LotClosed) {
			return problem.New(problem.NotFound, "signup_not_found", "报名记录不存在或尚未开标")
		}
		if err != nil {
			return fmt.Errorf("sign-up %d: %w", signupID, err)
		}
		// The result counted the qualified bidders from these checks
		// (countQualified): a check changed afterwards would contradict
		// the published result.
		if r.Outcome != "" {
			return problem.New(problem.Conflict, "result_published", "该标段（包）已公告结果，保证金核验结果不能再更改")
		}
		// Nor once the opening is closed: the 开标记录表 printed the checks.
		if s.OpeningClosed != nil {
			closed, err := s.OpeningClosed(ctx, r.LotID)
			if err != nil {
				return err
			}
			if closed {
				return problem.New(problem.Conflict, "opening_closed", "开标已结束，开标记录表已出具，保证金核验结果不能再更改")
			}
		}
		// A deposit the bidder never registered cannot be confirmed: it
		// would count the bidder as qualified, yet no refund is ever due
		// for it (the refund lists only registered deposits).
		if result == DepositOK && !r.Declared {
			return problem.InvalidField("result", "deposit_not_registered", "该投标人未登记保证金缴纳方式和流水号（保函编号），不能核验为到账")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_signups SET deposit_check = ? WHERE id = ?`, result, signupID); err != nil {
			return fmt.Errorf("check deposit: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.deposit.check", ObjectType: "signup", ObjectID: fmt.Sprint(signupID), ProjectID: r.ProjectID,
			Summary: map[string]any{"result": result}})
	})
}

// Refund is a deposit due back.
type Refund struct {
	SignupID   int64     `json:"signup_id"`
	ProjectID  int64     `json:"project_id"`
	Code       string    `json:"code"`
	Title      string    `json:"title"`
	LotName    string    `json:"lot_name"`
	OrgName    string    `json:"org_name"`
	Amount     money.Fen `json:"amount"`
	Method     string    `json:"method"`
	Reference  string    `json:"reference"`
	Due        string    `json:"due"`
	Overdue    bool      `json:"overdue"`
	RefundedAt time.Time `json:"refunded_at,omitzero"`
	Withdrawn  bool      `json:"withdrawn,omitempty"` // of a sign-up withdrawn before the deadline (signup_withdraw.go)
	// DepositCheck is the check at the opening (DepositOK, DepositFailed or
	// empty): a deposit found missing is still listed (it may have arrived
	// late), marked so that staff look at the account before paying back.
	DepositCheck string `json:"deposit_check,omitempty"`
}

// RefundsDue lists deposits due back after the result, earliest first.
func (s *Service) RefundsDue(ctx context.Context) ([]Refund, error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleStaff) && !a.Has(accounts.RoleSupervisor) {
		return nil, problem.New(problem.Forbidden, "forbidden", "无权查看保证金退还")
	}
	var rows []struct {
		signupRow
		Code    sql.NullString `db:"code"`
		Title   string         `db:"title"`
		LotName string         `db:"lot_name"`
		Deposit int64          `db:"deposit"`
	}
	if err := s.DB.SelectContext(ctx, &rows, `SELECT s.id, s.lot_id, s.project_id, s.owner_blind, s.sealed, s.deposit_sealed, s.deposit_check, s.refund_due,
			s.refunded_at, s.refund_note, s.created_at, p.code, p.title, l.name AS lot_name, l.deposit
		FROM trading_signups s JOIN trading_lots l ON l.id = s.lot_id JOIN trading_projects p ON p.id = s.project_id
		WHERE s.refund_due IS NOT NULL AND s.refunded_at IS NULL ORDER BY s.refund_due, s.id LIMIT 500`); err != nil {
		return nil, fmt.Errorf("refunds due: %w", err)
	}
	today := dayOf(s.Clock.Now()).String()
	out := []Refund{}
	for _, r := range rows {
		e, err := s.entry(ctx, &r.signupRow, money.Fen(r.Deposit))
		if err != nil {
			return nil, err
		}
		out = append(out, Refund{SignupID: r.ID, ProjectID: r.ProjectID, Code: r.Code.String, Title: r.Title, LotName: r.LotName, OrgName: e.OrgName,
			Amount: money.Fen(r.Deposit), Method: e.DepositMethod, Reference: e.DepositRef, Due: e.RefundDue, Overdue: e.RefundDue < today,
			DepositCheck: r.DepositCheck})
	}
	return s.withWithdrawalRefunds(ctx, today, out)
}

// MarkRefunded records that a deposit was paid back (or the guarantee
// released).
func (s *Service) MarkRefunded(ctx context.Context, signupID int64, note string) error {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleStaff) {
		return problem.New(problem.Forbidden, "forbidden", "只有交易中心工作人员可以登记保证金退还")
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 200 {
		return problem.InvalidField("note", "too_long", "备注不能超过200字")
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var r struct {
			ProjectID  int64        `db:"project_id"`
			RefundDue  sql.NullTime `db:"refund_due"`
			RefundedAt sql.NullTime `db:"refunded_at"`
			Paid       bool         `db:"paid"`
		}
		err := tx.GetContext(ctx, &r, `SELECT project_id, refund_due, refunded_at, deposit_sealed IS NOT NULL AS paid FROM trading_signups WHERE id = ? FOR UPDATE`, signupID)
		if errors.Is(err, sql.ErrNoRows) {
			return s.markWithdrawalRefunded(ctx, tx, signupID, note, now)
		}
		// A sign-up that never recorded a deposit has nothing to get back
		// (refund_due is not set for it either).
		if err == nil && (!r.RefundDue.Valid || !r.Paid) {
			return problem.New(problem.NotFound, "refund_not_found", "没有待退还的保证金")
		}
		if err != nil {
			return fmt.Errorf("sign-up %d: %w", signupID, err)
		}
		if r.RefundedAt.Valid {
			return problem.New(problem.Conflict, "refund_done", "该保证金已登记退还")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_signups SET refunded_at = ?, refund_note = ? WHERE id = ?`, now, note, signupID); err != nil {
			return fmt.Errorf("mark refunded: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.deposit.refund", ObjectType: "signup", ObjectID: fmt.Sprint(signupID), ProjectID: r.ProjectID,
			Summary: map[string]any{"due": r.RefundDue.Time.Format("2006-01-02"), "note": note}})
	})
}
