package trading

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/db"
	"ggzy/money"
	"ggzy/problem"
)

// What the opening (开标, the evaluation area) reads from trading: the lot's
// facts, its bids unsealed once the lot has closed, and the hook that
// returns a failed lot for re-tendering. cmd/trading adapts these to the
// evaluation's ports; trading does not import the evaluation.

// OpensSealedBids reports whether a lot of this kind and method has a
// sealed-bid opening (开标) at its deadline: engineering and procurement,
// and land sold by tender (招标). Land auctions and listings (拍卖, 挂牌)
// and property listings end in bidding, not in an opening: at their
// deadline the lot only closes.
func OpensSealedBids(kind, method string) bool {
	switch kind {
	case Engineering, Procurement:
		return true
	case Land:
		return method == "tender"
	}
	return false
}

// LotInfo is what the opening needs to know about a published lot.
type LotInfo struct {
	LotID       int64
	ProjectID   int64
	ProjectCode string
	Title       string
	LotName     string
	Kind        string
	Method      string
	AgencyOrgID int64
	Tenderer    string    // 招标人 (the project's owner)
	Agency      string    // the registering agency's name; empty when the tenderer registered itself
	Ceiling     money.Fen // the lot's price: 招标控制价, 采购预算, 起始价 or 挂牌价 by kind
	Deadline    time.Time
	Status      string // LotOpen or LotClosed
	// RetenderReason is set once the lot was returned for re-tendering.
	RetenderReason string
	RetenderAt     time.Time
}

// LotInfo returns the facts of a published lot (they are public from the
// announcement on); a lot of an unpublished project is "not found".
func (s *Service) LotInfo(ctx context.Context, lotID int64) (LotInfo, error) {
	var r struct {
		ProjectID   int64          `db:"project_id"`
		Code        sql.NullString `db:"code"`
		Title       string         `db:"title"`
		LotName     string         `db:"name"`
		Kind        string         `db:"kind"`
		Method      string         `db:"method"`
		AgencyOrgID int64          `db:"agency_org_id"`
		Owner       string         `db:"owner_name"`
		Agency      sql.NullString `db:"agency"`
		Price       int64          `db:"price"`
		Deadline    sql.NullTime   `db:"deadline"`
		PStatus     string         `db:"pstatus"`
		Status      string         `db:"status"`
		Reason      string         `db:"retender_reason"`
		RetenderAt  sql.NullTime   `db:"retender_at"`
	}
	err := s.DB.GetContext(ctx, &r, `SELECT l.project_id, p.code, p.title, l.name, p.kind, p.method, p.agency_org_id, p.owner_name, o.name AS agency,
			l.price, p.deadline, p.status AS pstatus, l.status, l.retender_reason, l.retender_at
		FROM trading_lots l JOIN trading_projects p ON p.id = l.project_id LEFT JOIN organisations o ON o.id = p.agency_org_id
		WHERE l.id = ?`, lotID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && r.PStatus != StatusPublished && r.PStatus != StatusResult) {
		return LotInfo{}, lotNotFound()
	}
	if err != nil {
		return LotInfo{}, fmt.Errorf("lot %d: %w", lotID, err)
	}
	li := LotInfo{LotID: lotID, ProjectID: r.ProjectID, ProjectCode: r.Code.String, Title: r.Title, LotName: r.LotName, Kind: r.Kind, Method: r.Method,
		AgencyOrgID: r.AgencyOrgID, Tenderer: r.Owner, Agency: r.Agency.String, Ceiling: money.Fen(r.Price), Deadline: r.Deadline.Time,
		Status: r.Status, RetenderReason: r.Reason, RetenderAt: r.RetenderAt.Time}
	if li.Agency == li.Tenderer {
		li.Agency = ""
	}
	return li, nil
}

// Deposit check results (trading_signups.deposit_check), as OpenBids
// reports them: DepositOK, DepositFailed, or "" when not checked yet.
const (
	DepositOK     = "ok"
	DepositFailed = "failed"
)

// OpenedBid is one submitted bid of a closed lot, unsealed.
type OpenedBid struct {
	// Ref is the bid's place in the order of submission on the lot (1 =
	// the earliest last change): the tie-break "递交在先". Sealed rows carry
	// random ids, which order nothing.
	Ref         int64
	SignupID    int64
	OrgID       int64
	OrgName     string
	Price       money.Fen
	Duration    string
	Quality     string
	Deposit     string    // DepositOK, DepositFailed or "" (not checked)
	SubmittedAt time.Time // the last submission (form or file) of the bid as it stands
	Files       int       // bid files submitted and unsealed
	Unsealed    bool
	// When Unsealed is false: why, and whether through the bidder's fault.
	// A bid without a bid form cannot be read out and counts as withdrawn
	// (电子招标投标办法 31); a form or file the server cannot decrypt, or
	// whose content no longer matches its receipt, is not the bidder's
	// fault (the centre holds the keys and the store).
	Failure     string
	BidderFault bool
}

// mayUnseal reports whether the actor may unseal a closed lot's bids: the
// timed job at the deadline (audit.System, no user) or centre staff.
func mayUnseal(a audit.Actor) bool {
	if a.UserID == 0 && a.Role == audit.System.Role && a.Has(audit.System.Role) {
		return true
	}
	return a.Has(accounts.RoleStaff)
}

// OpenBids unseals, once a lot has closed, every bid submitted on it: a
// sign-up with a bid form or at least one bid file at the deadline. Each bid
// file is decrypted in full and checked against its receipt's SHA-256.
// Sign-ups that submitted nothing are not bids and are left out. The
// unsealing is recorded on the project. Bids come in the order of
// submission (see OpenedBid.Ref).
func (s *Service) OpenBids(ctx context.Context, lotID int64) ([]OpenedBid, error) {
	if !mayUnseal(audit.ActorFrom(ctx)) {
		return nil, problem.New(problem.Forbidden, "forbidden", "只有开标程序或交易中心工作人员可以在开标时解密投标文件")
	}
	var l struct {
		ProjectID int64  `db:"project_id"`
		Status    string `db:"status"`
	}
	err := s.DB.GetContext(ctx, &l, `SELECT project_id, status FROM trading_lots WHERE id = ?`, lotID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && l.Status != LotClosed) {
		return nil, problem.New(problem.NotFound, "sealed_until_opening", "标段（包）不存在或尚未开标：开标前报名和递交情况保密")
	}
	if err != nil {
		return nil, fmt.Errorf("lot %d: %w", lotID, err)
	}
	var signups []signupRow
	if err := s.DB.SelectContext(ctx, &signups, `SELECT `+signupColumns+` FROM trading_signups WHERE lot_id = ? ORDER BY created_at, id`, lotID); err != nil {
		return nil, fmt.Errorf("sign-ups of lot %d: %w", lotID, err)
	}
	var forms []bidFormRow
	if err := s.DB.SelectContext(ctx, &forms, `SELECT `+bidFormColumns+` FROM trading_bid_forms WHERE lot_id = ? AND status = ?`, lotID, BidSubmitted); err != nil {
		return nil, fmt.Errorf("bid forms of lot %d: %w", lotID, err)
	}
	formOf := map[int64]bidFormRow{}
	for _, f := range forms {
		formOf[f.SignupID] = f
	}
	type fileRow struct {
		ID       int64  `db:"id"`
		SignupID int64  `db:"signup_id"`
		Object   string `db:"object"`
		Sealed   []byte `db:"sealed"`
	}
	var files []fileRow
	if err := s.DB.SelectContext(ctx, &files, `SELECT id, signup_id, object, sealed FROM trading_bid_files WHERE lot_id = ? AND status = ? ORDER BY created_at, id`,
		lotID, BidSubmitted); err != nil {
		return nil, fmt.Errorf("bid files of lot %d: %w", lotID, err)
	}
	filesOf := map[int64][]fileRow{}
	for _, f := range files {
		filesOf[f.SignupID] = append(filesOf[f.SignupID], f)
	}

	out := []OpenedBid{}
	for _, su := range signups {
		form, hasForm := formOf[su.ID]
		fs := filesOf[su.ID]
		if !hasForm && len(fs) == 0 {
			continue // signed up, submitted nothing: not a bid
		}
		var ss signupSealed
		if err := s.unseal("signup", l.ProjectID, su.Sealed, &ss); err != nil {
			return nil, err // the centre's own record: nothing can be opened without it
		}
		b := OpenedBid{SignupID: su.ID, OrgID: ss.OrgID, Deposit: su.DepositCheck, Unsealed: true}
		if err := s.DB.GetContext(ctx, &b.OrgName, `SELECT name FROM organisations WHERE id = ?`, ss.OrgID); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("organisation %d: %w", ss.OrgID, err)
		}
		fail := func(why string, bidderFault bool) {
			if b.Unsealed {
				b.Unsealed, b.Failure, b.BidderFault = false, why, bidderFault
			}
		}
		if hasForm {
			var bs bidFormSealed
			switch err := s.unseal("bidform", l.ProjectID, form.Sealed, &bs); {
			case err != nil:
				fail("投标函解密失败", false)
			case bs.SHA256 != BidFormDigest(lotID, bs.Price, bs.Duration, bs.Quality):
				fail("投标函内容与回执不符", false)
			default:
				b.Price, b.Duration, b.Quality, b.SubmittedAt = bs.Price, bs.Duration, bs.Quality, bs.ReceivedAt
			}
		} else {
			fail("未递交投标函（投标报价），无法唱标，视为撤回投标文件", true)
		}
		for _, f := range fs {
			var rs receiptSealed
			if err := s.unseal("receipt", l.ProjectID, f.Sealed, &rs); err != nil {
				fail("投标文件回执解密失败", false)
				continue
			}
			if rs.ReceivedAt.After(b.SubmittedAt) {
				b.SubmittedAt = rs.ReceivedAt
			}
			if err := s.checkBidFile(ctx, l.ProjectID, f.Object, rs.SHA256); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				fail(fmt.Sprintf("投标文件《%s》解密失败", rs.Name), false)
				continue
			}
			b.Files++
		}
		if b.SubmittedAt.IsZero() {
			b.SubmittedAt = form.UpdatedAt
		}
		if !b.Unsealed {
			b.Price, b.Duration, b.Quality = 0, "", ""
		}
		out = append(out, b)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].SubmittedAt.Equal(out[j].SubmittedAt) {
			return out[i].SubmittedAt.Before(out[j].SubmittedAt)
		}
		return out[i].SignupID < out[j].SignupID
	})
	unsealed := 0
	for i := range out {
		out[i].Ref = int64(i + 1)
		if out[i].Unsealed {
			unsealed++
		}
	}
	if err := audit.RecordAs(ctx, s.DB, actorOrSystem(ctx), s.Clock.Now(), audit.Event{Action: "trading.bids.unseal", ObjectType: "lot", ObjectID: fmt.Sprint(lotID),
		ProjectID: l.ProjectID, Summary: map[string]any{"bids": len(out), "unsealed": unsealed, "files": len(files)}}); err != nil {
		return nil, err
	}
	return out, nil
}

// checkBidFile decrypts a stored bid file in full and compares its SHA-256
// with the receipt's.
func (s *Service) checkBidFile(ctx context.Context, projectID int64, object, want string) error {
	aead, err := s.Vault.AEAD("bid", projectObject(projectID))
	if err != nil {
		return err
	}
	f, err := s.Files.Open(ctx, object)
	if err != nil {
		return err
	}
	defer f.Close()
	or, err := newOpenReader(f, aead)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(h, or); err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != want {
		return errSealedCorrupt
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

// Retender returns a closed lot for re-tendering after it failed at the
// opening (流标: fewer than three bids) or at the evaluation: the lot stays
// closed and records when and why. It is idempotent: a lot already
// returned keeps its first reason. The evaluation calls it after its own
// checks, as the timed job, staff, or the committee's expert who records the
// failed evaluation.
func (s *Service) Retender(ctx context.Context, lotID int64, reason string) error {
	a := audit.ActorFrom(ctx)
	if !mayUnseal(a) && !a.Has(accounts.RoleExpert) {
		return problem.New(problem.Forbidden, "forbidden", "无权将标段（包）退回重新招标")
	}
	reason = db.Clip(reason, 500)
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var l struct {
			ProjectID  int64        `db:"project_id"`
			Status     string       `db:"status"`
			RetenderAt sql.NullTime `db:"retender_at"`
		}
		err := tx.GetContext(ctx, &l, `SELECT project_id, status, retender_at FROM trading_lots WHERE id = ? FOR UPDATE`, lotID)
		if errors.Is(err, sql.ErrNoRows) {
			return lotNotFound()
		}
		if err != nil {
			return fmt.Errorf("lock lot %d: %w", lotID, err)
		}
		if l.RetenderAt.Valid {
			return nil
		}
		if l.Status != LotClosed {
			return problem.New(problem.Conflict, "lot_not_closed", "递交截止前不能退回重新招标")
		}
		now := s.Clock.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE trading_lots SET retender_at = ?, retender_reason = ? WHERE id = ?`, now, reason, lotID); err != nil {
			return fmt.Errorf("return lot %d for re-tendering: %w", lotID, err)
		}
		return audit.RecordAs(ctx, tx, actorOrSystem(ctx), now, audit.Event{Action: "trading.lot.retender", ObjectType: "lot", ObjectID: fmt.Sprint(lotID),
			ProjectID: l.ProjectID, Summary: map[string]any{"reason": reason}})
	})
}
