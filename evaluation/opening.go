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
	"ggzy/money"
	"ggzy/problem"
)

// Unseal outcomes of a bid at the opening.
const (
	UnsealOK        = "ok"
	UnsealWithdrawn = "withdrawn"  // failed through the bidder's fault: counts as withdrawn after the deadline
	UnsealFailed    = "failed"     // failed for another reason (recorded; not a valid bid)
	UnsealNotOpened = "not_opened" // fewer than 3 bids: not opened at all
)

// Price confirmation (报价确认) states.
const (
	ConfirmPending   = "pending"
	ConfirmConfirmed = "confirmed"
	ConfirmDisputed  = "disputed"
	ConfirmDeemed    = "deemed" // not confirmed within the window: deemed confirmed (视为认可)
)

// StartOpening opens a lot at its submission deadline: it unseals the bids
// through the BidOpener and reads them out (唱标), or records the failed
// tender (流标) when fewer than three valid bids remain, issuing the
// opening record of the failed opening in the same transaction. It is idempotent
// and is the handler of the submission-deadline event (after the trading
// area closed the submissions); a call before the deadline changes nothing.
func (s *Service) StartOpening(ctx context.Context, lotID int64) error {
	err := s.OpenNow(ctx, lotID)
	if problem.Is(err, "before_deadline") || problem.Is(err, "already_opened") {
		return nil // the timed event is idempotent
	}
	return err
}

// OpenNow is StartOpening for staff: the same, but an error says why nothing
// happened (before the deadline, already opened).
func (s *Service) OpenNow(ctx context.Context, lotID int64) error {
	if l, err := loadLot(ctx, s.DB, lotID, false); err == nil && l.State == StateOpening {
		return nil // a repeated click while the opening goes on
	} else if err == nil && l.State != StatePlanned {
		return problem.New(problem.Conflict, "already_opened", "该标段已开标，开标已结束")
	} else if err != nil && !problem.Is(err, "evaluation_not_found") {
		return err
	}
	li, err := s.lotInfo(ctx, lotID)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	if li.Deadline.IsZero() || now.Before(li.Deadline) {
		return problem.New(problem.Conflict, "before_deadline", "递交截止时间未到，不能开标")
	}
	if s.Bids == nil {
		return errors.New("evaluation: BidOpener not configured")
	}
	bids, err := s.Bids.OpenBids(ctx, lotID)
	if err != nil {
		return fmt.Errorf("open bids of lot %d: %w", lotID, err)
	}
	var failed string
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		failed = ""
		confirm, publicity, dev, err := s.settings(ctx, tx)
		if err != nil {
			return err
		}
		l, err := loadLot(ctx, tx, lotID, true)
		if problem.Is(err, "evaluation_not_found") {
			// No method was entered before the deadline: open anyway; the
			// method must be set before the evaluation starts.
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_lots (lot_id, project_id, method, aggregation, deviation_limit, confirm_minutes,
				publicity_days, state, created_at, updated_at) VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?)`,
				lotID, li.ProjectID, AggMean, int64(dev), confirm, publicity, StatePlanned, now, now); err != nil {
				return fmt.Errorf("insert evaluation of lot %d: %w", lotID, err)
			}
			l, err = loadLot(ctx, tx, lotID, true)
		}
		if err != nil {
			return err
		}
		if l.State != StatePlanned {
			return nil // another instance opened it meanwhile
		}
		submitted, valid := 0, 0
		for _, b := range bids {
			if b.Unsealed || !b.BidderFault {
				submitted++
			}
			if b.Unsealed {
				valid++
			}
		}
		open := submitted >= minValidBids
		for _, b := range bids {
			unseal, note := UnsealOK, ""
			price, duration, quality := b.Price, b.Duration, b.Quality
			switch {
			case !open:
				unseal, price, duration, quality = UnsealNotOpened, 0, "", ""
			case !b.Unsealed && b.BidderFault:
				unseal, note = UnsealWithdrawn, "因投标人原因无法解密，视为撤回投标文件"
			case !b.Unsealed:
				unseal, note = UnsealFailed, "解密失败："+b.Failure
			}
			if !b.Unsealed {
				price, duration, quality = 0, "", ""
			}
			note = db.Clip(note, 200)
			var sub any
			if !b.SubmittedAt.IsZero() {
				sub = b.SubmittedAt.UTC()
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_bids (lot_id, bid_ref, org_id, org_name, price, duration, quality, deposit,
				submitted_at, unseal, unseal_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				lotID, b.BidID, b.OrgID, b.OrgName, int64(price), db.Clip(duration, 100), db.Clip(quality, 100), b.Deposit, sub, unseal, note); err != nil {
				return fmt.Errorf("record bid %d of lot %d: %w", b.BidID, lotID, err)
			}
		}
		state := StateOpening
		switch {
		case !open:
			state, failed = StateFailedOpening, fmt.Sprintf("递交投标文件的投标人少于3个（%d个），不予开标，依法重新招标", submitted)
		case valid < minValidBids:
			state, failed = StateFailedOpening, fmt.Sprintf("成功解密的有效投标不足3个（%d个），流标，依法重新招标", valid)
		}
		until := now.Add(time.Duration(l.ConfirmMinutes) * time.Minute)
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET state = ?, opened_at = ?, confirm_until = ?, outcome_reason = ?, updated_at = ? WHERE lot_id = ?`,
			state, now, until, failed, now, lotID); err != nil {
			return fmt.Errorf("open lot %d: %w", lotID, err)
		}
		if err := audit.RecordAs(ctx, tx, actorOrSystem(ctx), now, audit.Event{Action: "evaluation.opening.start", ObjectType: "lot",
			ObjectID: fmt.Sprint(lotID), ProjectID: li.ProjectID,
			Summary: map[string]any{"bids": len(bids), "submitted": submitted, "valid": valid, "state": state, "reason": failed}}); err != nil {
			return err
		}
		if failed != "" { // 流标: the opening record is final now
			return s.issueTx(ctx, tx, now, li, lotID, DocOpeningRecord)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if failed != "" && s.Retender != nil {
		if err := s.Retender.Retender(ctx, lotID, failed); err != nil {
			return fmt.Errorf("return lot %d for re-tendering: %w", lotID, err)
		}
	}
	return nil
}

func actorOrSystem(ctx context.Context) audit.Actor {
	a := audit.ActorFrom(ctx)
	if a.UserID == 0 {
		return audit.System
	}
	return a
}

// OpenedBidView is one line of the 唱标 list.
type OpenedBidView struct {
	ID          int64     `json:"id"`
	OrgID       int64     `json:"org_id"`
	Bidder      string    `json:"bidder"`
	Price       money.Fen `json:"price_fen"`
	PriceText   string    `json:"price"`
	Duration    string    `json:"duration"`
	Quality     string    `json:"quality"`
	Deposit     string    `json:"deposit"`
	Unseal      string    `json:"unseal"`
	UnsealNote  string    `json:"unseal_note,omitempty"`
	SignedIn    bool      `json:"signed_in"`
	Confirm     string    `json:"confirm"`
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
	Mine        bool      `json:"mine,omitempty"`
}

// Valid reports whether the bid was unsealed and read out.
func (b OpenedBidView) Valid() bool { return b.Unseal == UnsealOK }

// DepositName is the Chinese name of the deposit state.
func (b OpenedBidView) DepositName() string {
	switch b.Deposit {
	case DepositOK:
		return "已到账"
	case DepositFailed:
		return "未到账"
	}
	return "未核验"
}

// ConfirmName is the Chinese name of the confirmation state.
func (b OpenedBidView) ConfirmName() string {
	return map[string]string{ConfirmPending: "待确认", ConfirmConfirmed: "已确认", ConfirmDisputed: "有异议", ConfirmDeemed: "逾期视为认可"}[b.Confirm]
}

// UnsealName is the Chinese name of the unseal outcome.
func (b OpenedBidView) UnsealName() string {
	return map[string]string{UnsealOK: "解密成功", UnsealWithdrawn: "视为撤回", UnsealFailed: "解密失败", UnsealNotOpened: "未开标"}[b.Unseal]
}

// Objection is an objection and its answer.
type Objection struct {
	ID         int64     `json:"id" db:"id"`
	Stage      string    `json:"stage" db:"stage"`
	OrgID      int64     `json:"org_id" db:"org_id"`
	Body       string    `json:"body" db:"body"`
	Answer     string    `json:"answer" db:"answer"`
	CreatedAt  time.Time `json:"created_at" db:"created_at"`
	AnsweredAt time.Time `json:"answered_at,omitzero" db:"-"`
}

type bidRow struct {
	ID          int64        `db:"id"`
	BidRef      int64        `db:"bid_ref"`
	OrgID       int64        `db:"org_id"`
	OrgName     string       `db:"org_name"`
	Price       int64        `db:"price"`
	Duration    string       `db:"duration"`
	Quality     string       `db:"quality"`
	Deposit     string       `db:"deposit"`
	Unseal      string       `db:"unseal"`
	UnsealNote  string       `db:"unseal_note"`
	SignedInAt  sql.NullTime `db:"signed_in_at"`
	Confirm     string       `db:"confirm"`
	ConfirmedAt sql.NullTime `db:"confirmed_at"`
}

func loadBids(ctx context.Context, q sqlx.QueryerContext, lotID int64) ([]bidRow, error) {
	var rows []bidRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, bid_ref, org_id, org_name, price, duration, quality, deposit, unseal, unseal_note,
		signed_in_at, confirm, confirmed_at FROM evaluation_bids WHERE lot_id = ? ORDER BY bid_ref`, lotID); err != nil {
		return nil, fmt.Errorf("bids of lot %d: %w", lotID, err)
	}
	return rows, nil
}

func (r bidRow) view(org int64) OpenedBidView {
	return OpenedBidView{ID: r.ID, OrgID: r.OrgID, Bidder: r.OrgName, Price: money.Fen(r.Price), PriceText: money.Fen(r.Price).String(),
		Duration: r.Duration, Quality: r.Quality, Deposit: r.Deposit, Unseal: r.Unseal, UnsealNote: r.UnsealNote, SignedIn: r.SignedInAt.Valid,
		Confirm: r.Confirm, ConfirmedAt: r.ConfirmedAt.Time, Mine: org != 0 && r.OrgID == org}
}

func loadObjections(ctx context.Context, q sqlx.QueryerContext, lotID int64, org int64) ([]Objection, error) {
	var rows []struct {
		Objection
		AnsweredAt sql.NullTime `db:"answered_at"`
	}
	query := `SELECT id, stage, org_id, body, answer, created_at, answered_at FROM evaluation_objections WHERE lot_id = ?`
	args := []any{lotID}
	if org != 0 {
		query += ` AND org_id = ?`
		args = append(args, org)
	}
	if err := sqlx.SelectContext(ctx, q, &rows, query+` ORDER BY id`, args...); err != nil {
		return nil, fmt.Errorf("objections of lot %d: %w", lotID, err)
	}
	out := make([]Objection, len(rows))
	for i, r := range rows {
		out[i] = r.Objection
		out[i].AnsweredAt = r.AnsweredAt.Time
	}
	return out, nil
}

// myBid returns the bid of the actor's organisation on the lot, locked.
func myBid(ctx context.Context, tx *sqlx.Tx, lotID int64, a audit.Actor) (*bidRow, error) {
	if !a.Has(accounts.RoleBidder) || a.OrgID == 0 {
		return nil, forbidden("只有本标段的投标人可以进行此操作")
	}
	var b bidRow
	err := tx.GetContext(ctx, &b, `SELECT id, bid_ref, org_id, org_name, price, duration, quality, deposit, unseal, unseal_note,
		signed_in_at, confirm, confirmed_at FROM evaluation_bids WHERE lot_id = ? AND org_id = ? ORDER BY bid_ref LIMIT 1 FOR UPDATE`, lotID, a.OrgID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.New(problem.NotFound, "bid_not_found", "贵单位在本标段（包）没有递交投标文件")
	}
	if err != nil {
		return nil, fmt.Errorf("bid of org %d on lot %d: %w", a.OrgID, lotID, err)
	}
	return &b, nil
}

// SignIn records that the bidder's representative signed in online to the
// opening.
func (s *Service) SignIn(ctx context.Context, lotID int64) error {
	a := audit.ActorFrom(ctx)
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		if l.State != StateOpening {
			return stateConflict(l, "只能在开标过程中签到")
		}
		b, err := myBid(ctx, tx, lotID, a)
		if err != nil {
			return err
		}
		if b.SignedInAt.Valid {
			return problem.New(problem.Conflict, "already_signed_in", "贵单位已签到")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_bids SET signed_in_at = ? WHERE id = ?`, now, b.ID); err != nil {
			return fmt.Errorf("sign in: %w", err)
		}
		return record(ctx, tx, now, l, "evaluation.opening.signin", map[string]any{"bid": b.ID})
	})
}

// ConfirmPrice is the bidder's confirmation of its price as read out
// (报价确认), within the window after the unsealing. Disagreeing needs a
// reason, which is recorded as an objection.
func (s *Service) ConfirmPrice(ctx context.Context, lotID int64, agree bool, note string) error {
	a := audit.ActorFrom(ctx)
	var f problem.Fields
	note = text(&f, "note", note, !agree, 2000, "异议内容")
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		if l.State != StateOpening {
			return stateConflict(l, "不能确认报价")
		}
		if now.After(l.ConfirmUntil.Time) {
			return problem.New(problem.Gone, "confirm_window_closed", "报价确认时间已过，逾期视为认可开标结果")
		}
		b, err := myBid(ctx, tx, lotID, a)
		if err != nil {
			return err
		}
		if b.Unseal != UnsealOK {
			return problem.New(problem.Conflict, "bid_not_read", "贵单位的投标文件未解密唱标，无需确认报价")
		}
		if b.Confirm != ConfirmPending {
			return problem.New(problem.Conflict, "already_confirmed", "贵单位已确认过报价")
		}
		state := ConfirmConfirmed
		if !agree {
			state = ConfirmDisputed
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_objections (lot_id, stage, org_id, body, created_by, created_at) VALUES (?, 'opening', ?, ?, ?, ?)`,
				lotID, a.OrgID, note, nullID(a.UserID), now); err != nil {
				return fmt.Errorf("objection: %w", err)
			}
		}
		signed := b.SignedInAt
		if !signed.Valid {
			signed = sql.NullTime{Time: now, Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_bids SET confirm = ?, confirmed_at = ?, signed_in_at = ? WHERE id = ?`, state, now, signed.Time, b.ID); err != nil {
			return fmt.Errorf("confirm price: %w", err)
		}
		return record(ctx, tx, now, l, "evaluation.opening.confirm", map[string]any{"bid": b.ID, "confirm": state})
	})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Object records a bidder's objection: at the opening (answered on the
// spot) or during the candidate publicity, which it pauses until answered.
func (s *Service) Object(ctx context.Context, lotID int64, body string) (int64, error) {
	a := audit.ActorFrom(ctx)
	var f problem.Fields
	body = text(&f, "body", body, true, 2000, "异议内容")
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	var id int64
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		var stage string
		switch l.State {
		case StateOpening:
			stage = "opening"
		case StatePublicity:
			stage = "publicity"
		default:
			return stateConflict(l, "只能在开标过程中或中标候选人公示期间提出异议")
		}
		if _, err := myBid(ctx, tx, lotID, a); err != nil {
			return err
		}
		// Under the lot's lock: the same objection while it waits for
		// its answer (a double submission, say) is not a second one.
		var same int
		if err := tx.GetContext(ctx, &same, `SELECT COUNT(*) FROM evaluation_objections WHERE lot_id = ? AND org_id = ? AND stage = ? AND body = ? AND answered_at IS NULL`,
			lotID, a.OrgID, stage, body); err != nil {
			return err
		}
		if same > 0 {
			return problem.New(problem.Conflict, "objection_exists", "该异议已提出，正在等待答复")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO evaluation_objections (lot_id, stage, org_id, body, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			lotID, stage, a.OrgID, body, nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("objection: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if stage == "publicity" {
			if err := s.pause(ctx, tx, l, now); err != nil {
				return err
			}
		}
		return record(ctx, tx, now, l, "evaluation.objection", map[string]any{"objection": id, "stage": stage})
	})
	return id, err
}

// AnswerObjection records the answer to an objection (staff at the opening;
// the agency or staff during the publicity). When the last open objection of
// a paused publicity is answered, the publicity resumes for its remaining
// time.
func (s *Service) AnswerObjection(ctx context.Context, objectionID int64, answer string) error {
	a := audit.ActorFrom(ctx)
	var f problem.Fields
	answer = text(&f, "answer", answer, true, 2000, "答复内容")
	if err := f.Err(); err != nil {
		return err
	}
	var lotID int64
	var stage string
	err := s.DB.QueryRowxContext(ctx, `SELECT lot_id, stage FROM evaluation_objections WHERE id = ?`, objectionID).Scan(&lotID, &stage)
	if errors.Is(err, sql.ErrNoRows) {
		return problem.New(problem.NotFound, "objection_not_found", "异议不存在")
	}
	if err != nil {
		return fmt.Errorf("objection %d: %w", objectionID, err)
	}
	if !isStaff(a) {
		li, err := s.lotInfo(ctx, lotID)
		if err != nil {
			return err
		}
		if !ownsLot(a, li) {
			return forbidden("只有交易中心工作人员或本项目招标代理机构可以答复异议")
		}
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE evaluation_objections SET answer = ?, answered_by = ?, answered_at = ? WHERE id = ? AND answered_at IS NULL`,
			answer, nullID(a.UserID), now, objectionID)
		if err != nil {
			return fmt.Errorf("answer objection: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return problem.New(problem.Conflict, "objection_answered", "该异议已答复")
		}
		if stage == "publicity" && l.PausedAt.Valid {
			if err := s.resumeIfClear(ctx, tx, l, now); err != nil {
				return err
			}
		}
		return record(ctx, tx, now, l, "evaluation.objection.answer", map[string]any{"objection": objectionID})
	})
}

// CloseOpening closes the opening session: after the confirmation window
// (or when every bidder has answered) and with every objection answered.
// Prices not confirmed in time are deemed confirmed. The opening record
// (开标记录表) is issued in the same transaction.
func (s *Service) CloseOpening(ctx context.Context, lotID int64) error {
	a := audit.ActorFrom(ctx)
	if !isStaff(a) {
		return forbidden("只有交易中心工作人员可以结束开标")
	}
	li, err := s.lotInfo(ctx, lotID)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		if l.State != StateOpening {
			return stateConflict(l, "不能结束开标")
		}
		var pending, open int
		if err := tx.GetContext(ctx, &pending, `SELECT COUNT(*) FROM evaluation_bids WHERE lot_id = ? AND unseal = 'ok' AND confirm = 'pending'`, lotID); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &open, `SELECT COUNT(*) FROM evaluation_objections WHERE lot_id = ? AND stage = 'opening' AND answered_at IS NULL`, lotID); err != nil {
			return err
		}
		if pending > 0 && !now.After(l.ConfirmUntil.Time) {
			return problem.New(problem.Conflict, "confirm_window_open", fmt.Sprintf("还有%d家投标人未确认报价，报价确认截止后方可结束开标", pending))
		}
		if open > 0 {
			return problem.New(problem.Conflict, "objections_open", fmt.Sprintf("还有%d条异议未答复", open))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_bids SET confirm = 'deemed' WHERE lot_id = ? AND unseal = 'ok' AND confirm = 'pending'`, lotID); err != nil {
			return err
		}
		// The deposits checked since the unsealing go into the record.
		if _, err := s.refreshDeposits(ctx, tx, lotID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET state = ?, opening_closed_at = ?, updated_at = ? WHERE lot_id = ?`, StateOpened, now, now, lotID); err != nil {
			return err
		}
		if err := record(ctx, tx, now, l, "evaluation.opening.close", map[string]any{"deemed": pending}); err != nil {
			return err
		}
		return s.issueTx(ctx, tx, now, li, lotID, DocOpeningRecord)
	})
}

// OpeningRecord is the 开标记录 of a lot as the viewer may see it.
type OpeningRecord struct {
	LotID        int64           `json:"lot_id"`
	ProjectID    int64           `json:"project_id"`
	ProjectCode  string          `json:"project_code"`
	Title        string          `json:"title"`
	LotName      string          `json:"lot_name"`
	Ceiling      money.Fen       `json:"ceiling_fen"`
	State        string          `json:"state"`
	StateName    string          `json:"state_name"`
	Method       string          `json:"method"`
	OpenedAt     time.Time       `json:"opened_at,omitzero"`
	ConfirmUntil time.Time       `json:"confirm_until,omitzero"`
	ClosedAt     time.Time       `json:"closed_at,omitzero"`
	Outcome      string          `json:"outcome_reason,omitempty"`
	Bids         []OpenedBidView `json:"bids"`
	Objections   []Objection     `json:"objections"`
}

// Failed reports whether the opening failed (流标).
func (r *OpeningRecord) Failed() bool { return r.State == StateFailedOpening }

// Opening returns the opening record to staff and supervisors, to the
// project's agency and to the lot's bidders (who attend the opening); other
// callers, and everybody before the opening, get NotFound.
func (s *Service) Opening(ctx context.Context, lotID int64) (*OpeningRecord, error) {
	a := audit.ActorFrom(ctx)
	l, err := loadLot(ctx, s.DB, lotID, false)
	if err != nil {
		return nil, err
	}
	var org int64
	switch {
	case isStaff(a) || isSupervisor(a):
	case a.Has(accounts.RoleBidder) && a.OrgID != 0:
		org = a.OrgID
	case a.Has(accounts.RoleAgency):
	default:
		return nil, errLotNotFound()
	}
	li, err := s.lotInfo(ctx, lotID)
	if err != nil {
		return nil, err
	}
	if a.Has(accounts.RoleAgency) && !isStaff(a) && !isSupervisor(a) && !ownsLot(a, li) {
		return nil, errLotNotFound()
	}
	if l.State == StatePlanned && !isStaff(a) && !ownsLot(a, li) && !isSupervisor(a) {
		return nil, errLotNotFound()
	}
	rows, err := loadBids(ctx, s.DB, lotID)
	if err != nil {
		return nil, err
	}
	if org != 0 {
		mine := false
		for _, r := range rows {
			mine = mine || r.OrgID == org
		}
		if !mine {
			return nil, errLotNotFound()
		}
	}
	rec := &OpeningRecord{LotID: lotID, ProjectID: l.ProjectID, ProjectCode: li.ProjectCode, Title: li.Title, LotName: li.LotName, Ceiling: li.Ceiling,
		State: l.State, StateName: StateNames[l.State], Method: l.Method, OpenedAt: l.OpenedAt.Time, ConfirmUntil: l.ConfirmUntil.Time,
		ClosedAt: l.OpeningClosedAt.Time, Outcome: l.OutcomeReason, Bids: []OpenedBidView{}}
	var live map[int64]string
	if l.State == StateOpening { // until the record is final, the deposit checks as they stand
		if live, err = s.liveDeposits(ctx, rows, lotID); err != nil {
			return nil, err
		}
	}
	for _, r := range rows {
		if v, ok := live[r.OrgID]; ok && validDeposit(v) {
			r.Deposit = v
		}
		rec.Bids = append(rec.Bids, r.view(org))
	}
	if rec.Objections, err = loadObjections(ctx, s.DB, lotID, org); err != nil {
		return nil, err
	}
	return rec, nil
}
