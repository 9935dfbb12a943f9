package trading

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/db"
	"ggzy/money"
	"ggzy/problem"
)

// Withdrawing a whole sign-up (撤回报名). Before the deadline a bidder may
// withdraw its sign-up for a lot; its bid files and bid form are withdrawn
// with it, and the deposit it recorded falls due for refund (招标投标法实施
// 条例第三十五条: within 5 日 of the withdrawal; procurement within 5 工作日
// [cited 财政部令第87号第三十八条]) — the numbers of the project's refund
// rule, counted from the withdrawal day.
//
// The sign-up leaves trading_signups, with its bid files and bid form, for
// trading_signup_withdrawals in the same transaction, its old rows and
// their receipts sealed together under the project's key. So it counts
// nowhere a lot's sign-ups are read — the closing, the opening's entries and
// bids, the deposit checks, the sign-up end and the result's refund dates —
// and the UNIQUE (lot, org_blind) key is free for the bidder to sign up
// again while the sign-up period lasts. Nothing is said in clear: the
// withdrawal's audit event is sealed like every sealed action, and staff
// see the withdrawn deposit on the refund list only from the lot's closing
// on (before it, who took part, even once, is secret). The closing ties the
// withdrawal's sealed events to the project's archive.

// withdrawalSealed is what a withdrawn sign-up said, sealed under the
// project's key: its own sealed records as they were, and the withdrawal.
type withdrawalSealed struct {
	Signup     []byte          `json:"signup"`
	Deposit    []byte          `json:"deposit,omitempty"`
	Files      []withdrawnFile `json:"files"`
	Form       []byte          `json:"form,omitempty"`
	FormStatus string          `json:"form_status,omitempty"`
	SignedUpAt time.Time       `json:"signed_up_at"`
	OrgID      int64           `json:"org_id"`
	UserID     int64           `json:"user_id"`
	Username   string          `json:"username"`
	IP         string          `json:"ip"`
	At         time.Time       `json:"at"`
	RefundRule string          `json:"refund_rule,omitempty"`
	// AuditRef is the withdrawal's own sealed event; Refs those of the
	// sign-up, its files and its bid form.
	AuditRef string   `json:"audit_ref"`
	Refs     []string `json:"refs"`
}

type withdrawnFile struct {
	ID        int64     `json:"id" db:"id"`
	Status    string    `json:"status" db:"status"`
	Sealed    []byte    `json:"sealed" db:"sealed"`
	Object    string    `json:"-" db:"object"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

// SignupWithdrawal is a withdrawn sign-up as its bidder sees it.
type SignupWithdrawal struct {
	SignupID         int64     `json:"signup_id"`
	LotID            int64     `json:"lot_id"`
	ProjectID        int64     `json:"project_id"`
	Code             string    `json:"code"`
	Title            string    `json:"title"`
	LotName          string    `json:"lot_name"`
	SignedUpAt       time.Time `json:"signed_up_at"`
	WithdrawnAt      time.Time `json:"withdrawn_at"`
	DepositDue       money.Fen `json:"deposit_due"`
	DepositMethod    string    `json:"deposit_method,omitempty"`
	DepositRef       string    `json:"deposit_reference,omitempty"`
	RefundDue        string    `json:"refund_due,omitempty"`  // YYYY-MM-DD; empty when no deposit was recorded
	RefundRule       string    `json:"refund_rule,omitempty"` // the period and its legal basis
	RefundedAt       time.Time `json:"refunded_at,omitzero"`
	FilesWithdrawn   int       `json:"files_withdrawn"`
	BidFormWithdrawn bool      `json:"bid_form_withdrawn"`
}

// withdrawalRefundBasis is the law that makes a withdrawn deposit due.
var withdrawalRefundBasis = map[string]string{
	Engineering: "《招标投标法实施条例》第三十五条",
	Procurement: "《政府采购货物和服务招标投标管理办法》（财政部令第87号）第三十八条",
}

// withdrawalRefundDue is the day a deposit withdrawn at now is due back:
// the project's refund rule (its days and kind of day, as for the result)
// counted from the withdrawal day, 5 日 when the rule set has none. It
// returns the day and the rule in words.
func withdrawalRefundDue(ctx context.Context, q sqlx.QueryerContext, cal *calendar.Calendar, projectID int64, now time.Time) (calendar.Date, string, error) {
	var p struct {
		Kind      string        `db:"kind"`
		Method    string        `db:"method"`
		RuleSetID sql.NullInt64 `db:"rule_set_id"`
	}
	if err := sqlx.GetContext(ctx, q, &p, `SELECT kind, method, rule_set_id FROM trading_projects WHERE id = ?`, projectID); err != nil {
		return calendar.Date{}, "", fmt.Errorf("project %d: %w", projectID, err)
	}
	days, kind := 5, calendar.CalendarDays
	if p.RuleSetID.Valid {
		rs, err := loadRuleSet(ctx, q, p.RuleSetID.Int64)
		if err != nil {
			return calendar.Date{}, "", err
		}
		for _, r := range rs.Rules {
			if r.Applies(p.Kind, p.Method) && r.CheckType == "refund" {
				days, kind = r.Days, r.DayCount()
			}
		}
	}
	unit := "日"
	if kind == calendar.WorkingDays {
		unit = "个工作日"
	}
	rule := fmt.Sprintf("自撤回报名之日起%d%s内退还", days, unit)
	if b := withdrawalRefundBasis[p.Kind]; b != "" {
		rule += "（" + b + "）"
	}
	return cal.AddDays(dayOf(now), days, kind), rule, nil
}

// WithdrawSignup withdraws one of the actor's sign-ups before the deadline
// (decided on the clock read under the lot's lock, the deadline instant
// itself refused): its bid files and bid form go with it and the deposit it
// recorded falls due for refund. Whatever fails, nothing is changed.
func (s *Service) WithdrawSignup(ctx context.Context, signupID int64) (*SignupWithdrawal, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, err
	}
	var out *SignupWithdrawal
	var objects []string
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		objects = nil
		su, err := s.ownSignup(ctx, tx, signupID, a)
		if err != nil {
			return err
		}
		st, err := loadLot(ctx, tx, su.LotID, true)
		if err != nil {
			return err
		}
		now := s.Clock.Now() // the one reading that decides
		if st.LotStatus != LotOpen || !now.Before(st.Deadline.Time) {
			return errDeadline()
		}
		// Read again under the lot's lock: a deposit recorded or a
		// withdrawal committed meanwhile.
		var cur signupRow
		err = tx.GetContext(ctx, &cur, `SELECT `+signupColumns+` FROM trading_signups WHERE id = ? FOR UPDATE`, signupID)
		if errors.Is(err, sql.ErrNoRows) {
			return problem.New(problem.NotFound, "signup_not_found", "报名记录不存在")
		}
		if err != nil {
			return fmt.Errorf("lock sign-up %d: %w", signupID, err)
		}
		var ss signupSealed
		if err := s.unseal("signup", cur.ProjectID, cur.Sealed, &ss); err != nil {
			return err
		}
		ref := newRef()
		ws := withdrawalSealed{Signup: cur.Sealed, Deposit: cur.Deposit, Files: []withdrawnFile{}, SignedUpAt: cur.CreatedAt,
			OrgID: a.OrgID, UserID: a.UserID, Username: a.Username, IP: a.IP, At: now, AuditRef: ref, Refs: []string{ss.AuditRef}}
		if err := tx.SelectContext(ctx, &ws.Files, `SELECT id, status, sealed, object, created_at FROM trading_bid_files WHERE signup_id = ?
			ORDER BY created_at, id FOR UPDATE`, signupID); err != nil {
			return fmt.Errorf("bid files of sign-up %d: %w", signupID, err)
		}
		filesWithdrawn := 0
		for _, f := range ws.Files {
			var rs receiptSealed
			if err := s.unseal("receipt", cur.ProjectID, f.Sealed, &rs); err != nil {
				return err
			}
			ws.Refs = append(ws.Refs, rs.AuditRef)
			if f.Status == BidSubmitted {
				filesWithdrawn++
				objects = append(objects, f.Object)
			}
		}
		var form bidFormRow
		err = tx.GetContext(ctx, &form, `SELECT `+bidFormColumns+` FROM trading_bid_forms WHERE signup_id = ? FOR UPDATE`, signupID)
		switch {
		case err == nil:
			var bs bidFormSealed
			if err := s.unseal("bidform", cur.ProjectID, form.Sealed, &bs); err != nil {
				return err
			}
			ws.Form, ws.FormStatus, ws.Refs = form.Sealed, form.Status, append(ws.Refs, bs.AuditRef)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("bid form of sign-up %d: %w", signupID, err)
		}
		var due any
		out = &SignupWithdrawal{SignupID: signupID, LotID: cur.LotID, ProjectID: cur.ProjectID, Code: st.Code.String, Title: st.Title, LotName: st.LotName,
			SignedUpAt: cur.CreatedAt, WithdrawnAt: now, DepositDue: money.Fen(st.Deposit), FilesWithdrawn: filesWithdrawn,
			BidFormWithdrawn: ws.FormStatus == BidSubmitted}
		if len(cur.Deposit) > 0 {
			var d depositSealed
			if err := s.unseal("deposit", cur.ProjectID, cur.Deposit, &d); err != nil {
				return err
			}
			day, rule, err := withdrawalRefundDue(ctx, tx, cal, cur.ProjectID, now)
			if err != nil {
				return err
			}
			due, ws.RefundRule = day.String(), rule
			out.DepositMethod, out.DepositRef, out.RefundDue, out.RefundRule = d.Method, d.Reference, day.String(), rule
		}
		sealed, err := s.seal("withdrawal", cur.ProjectID, ws)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO trading_signup_withdrawals (id, lot_id, project_id, owner_blind, sealed, refund_due, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, signupID, cur.LotID, cur.ProjectID, cur.OwnerBlind, sealed, due, now); err != nil {
			return fmt.Errorf("insert withdrawal: %w", err)
		}
		for _, del := range []string{`DELETE FROM trading_bid_forms WHERE signup_id = ?`, `DELETE FROM trading_bid_files WHERE signup_id = ?`,
			`DELETE FROM trading_signups WHERE id = ?`} {
			if _, err := tx.ExecContext(ctx, del, signupID); err != nil {
				return fmt.Errorf("withdraw sign-up %d: %w", signupID, err)
			}
		}
		return s.recordSealed(ctx, tx, now, "trading.sealed", ref, cur.ProjectID, map[string]any{"what": "signup_withdraw", "lot_id": cur.LotID,
			"signup_id": signupID, "files": filesWithdrawn, "bid_form": out.BidFormWithdrawn, "refund_due": due})
	})
	if err != nil {
		return nil, err
	}
	for _, o := range objects {
		_ = s.Files.Delete(context.WithoutCancel(ctx), o)
	}
	return out, nil
}

// withdrawalRow is a trading_signup_withdrawals row with its lot and project.
type withdrawalRow struct {
	ID         int64          `db:"id"`
	LotID      int64          `db:"lot_id"`
	ProjectID  int64          `db:"project_id"`
	Sealed     []byte         `db:"sealed"`
	RefundDue  sql.NullTime   `db:"refund_due"`
	RefundedAt sql.NullTime   `db:"refunded_at"`
	CreatedAt  time.Time      `db:"created_at"`
	Code       sql.NullString `db:"code"`
	Title      string         `db:"title"`
	LotName    string         `db:"lot_name"`
	Deposit    int64          `db:"deposit"`
}

const withdrawalQuery = `SELECT w.id, w.lot_id, w.project_id, w.sealed, w.refund_due, w.refunded_at, w.created_at, p.code, p.title,
	l.name AS lot_name, l.deposit
	FROM trading_signup_withdrawals w JOIN trading_lots l ON l.id = w.lot_id JOIN trading_projects p ON p.id = w.project_id`

// view unseals a withdrawal for its bidder or, after the closing, staff.
func (s *Service) withdrawalView(r *withdrawalRow) (*SignupWithdrawal, *withdrawalSealed, error) {
	var ws withdrawalSealed
	if err := s.unseal("withdrawal", r.ProjectID, r.Sealed, &ws); err != nil {
		return nil, nil, err
	}
	w := &SignupWithdrawal{SignupID: r.ID, LotID: r.LotID, ProjectID: r.ProjectID, Code: r.Code.String, Title: r.Title, LotName: r.LotName,
		SignedUpAt: ws.SignedUpAt, WithdrawnAt: r.CreatedAt, DepositDue: money.Fen(r.Deposit), RefundRule: ws.RefundRule,
		RefundedAt: r.RefundedAt.Time, BidFormWithdrawn: ws.FormStatus == BidSubmitted}
	for _, f := range ws.Files {
		if f.Status == BidSubmitted {
			w.FilesWithdrawn++
		}
	}
	if r.RefundDue.Valid {
		w.RefundDue = r.RefundDue.Time.Format("2006-01-02")
	}
	if len(ws.Deposit) > 0 {
		var d depositSealed
		if err := s.unseal("deposit", r.ProjectID, ws.Deposit, &d); err != nil {
			return nil, nil, err
		}
		w.DepositMethod, w.DepositRef = d.Method, d.Reference
	}
	return w, &ws, nil
}

// MyWithdrawals lists the actor's organisation's withdrawn sign-ups with
// their deposit refunds, newest first.
func (s *Service) MyWithdrawals(ctx context.Context) ([]SignupWithdrawal, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return nil, err
	}
	var rows []withdrawalRow
	if err := s.DB.SelectContext(ctx, &rows, withdrawalQuery+` WHERE w.owner_blind = ? ORDER BY w.created_at DESC, w.id LIMIT 500`,
		s.ownerBlind(a.OrgID)); err != nil {
		return nil, fmt.Errorf("my withdrawals: %w", err)
	}
	out := make([]SignupWithdrawal, 0, len(rows))
	for i := range rows {
		w, _, err := s.withdrawalView(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *w)
	}
	return out, nil
}

// withdrawnRefs returns, for the closing of a lot, the audit refs of its
// withdrawn sign-ups (each sign-up's, its files', its bid form's and the
// withdrawal's own) and how many there were.
func (s *Service) withdrawnRefs(ctx context.Context, q sqlx.QueryerContext, projectID, lotID int64) ([]string, int, error) {
	var rows []struct {
		Sealed []byte `db:"sealed"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT sealed FROM trading_signup_withdrawals WHERE lot_id = ? ORDER BY created_at, id`, lotID); err != nil {
		return nil, 0, fmt.Errorf("withdrawals of lot %d: %w", lotID, err)
	}
	var refs []string
	for _, r := range rows {
		var ws withdrawalSealed
		if err := s.unseal("withdrawal", projectID, r.Sealed, &ws); err != nil {
			return nil, 0, err
		}
		refs = append(append(refs, ws.Refs...), ws.AuditRef)
	}
	return refs, len(rows), nil
}

// withWithdrawalRefunds adds to the staff's refund list the deposits of
// withdrawn sign-ups still to be refunded on lots that have closed or were
// terminated (before that they are sealed like the sign-ups), earliest due
// first.
func (s *Service) withWithdrawalRefunds(ctx context.Context, today string, out []Refund) ([]Refund, error) {
	var rows []withdrawalRow
	if err := s.DB.SelectContext(ctx, &rows, withdrawalQuery+` WHERE w.refund_due IS NOT NULL AND w.refunded_at IS NULL AND l.status IN (?, ?)
		ORDER BY w.refund_due, w.id LIMIT 500`, LotClosed, LotTerminated); err != nil {
		return nil, fmt.Errorf("refunds of withdrawals: %w", err)
	}
	if len(rows) == 0 {
		return out, nil
	}
	for i := range rows {
		w, ws, err := s.withdrawalView(&rows[i])
		if err != nil {
			return nil, err
		}
		var org string
		if err := s.DB.GetContext(ctx, &org, `SELECT name FROM organisations WHERE id = ?`, ws.OrgID); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("organisation %d: %w", ws.OrgID, err)
		}
		out = append(out, Refund{SignupID: w.SignupID, ProjectID: w.ProjectID, Code: w.Code, Title: w.Title, LotName: w.LotName, OrgName: org,
			Amount: w.DepositDue, Method: w.DepositMethod, Reference: w.DepositRef, Due: w.RefundDue, Overdue: w.RefundDue < today, Withdrawn: true})
	}
	slices.SortStableFunc(out, func(a, b Refund) int { return strings.Compare(a.Due, b.Due) })
	return out, nil
}

// markWithdrawalRefunded records the refund of a withdrawn sign-up's
// deposit (MarkRefunded, for an id no longer among the sign-ups). Before
// its lot closes the withdrawal is not there for staff.
func (s *Service) markWithdrawalRefunded(ctx context.Context, tx *sqlx.Tx, id int64, note string, now time.Time) error {
	var r struct {
		ProjectID  int64        `db:"project_id"`
		RefundDue  sql.NullTime `db:"refund_due"`
		RefundedAt sql.NullTime `db:"refunded_at"`
		LotStatus  string       `db:"status"`
	}
	err := tx.GetContext(ctx, &r, `SELECT w.project_id, w.refund_due, w.refunded_at, l.status FROM trading_signup_withdrawals w
		JOIN trading_lots l ON l.id = w.lot_id WHERE w.id = ? FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (!r.RefundDue.Valid || r.LotStatus != LotClosed)) {
		return problem.New(problem.NotFound, "refund_not_found", "没有待退还的保证金")
	}
	if err != nil {
		return fmt.Errorf("withdrawal %d: %w", id, err)
	}
	if r.RefundedAt.Valid {
		return problem.New(problem.Conflict, "refund_done", "该保证金已登记退还")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE trading_signup_withdrawals SET refunded_at = ?, refund_note = ? WHERE id = ?`, now, note, id); err != nil {
		return fmt.Errorf("mark refunded: %w", err)
	}
	return audit.Record(ctx, tx, now, audit.Event{Action: "trading.deposit.refund", ObjectType: "signup", ObjectID: fmt.Sprint(id), ProjectID: r.ProjectID,
		Summary: map[string]any{"due": r.RefundDue.Time.Format("2006-01-02"), "note": note, "withdrawn": true}})
}
