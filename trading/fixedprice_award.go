package trading

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/db"
	"ggzy/problem"
	"ggzy/schedule"
)

// Award is one rank of a selection's result.
type Award struct {
	SelectionID   int64    `db:"selection_id" json:"selection_id"`
	Rank          int      `db:"rank_no" json:"rank"`
	ApplicationID int64    `db:"application_id" json:"application_id"`
	OrgID         int64    `db:"org_id" json:"org_id"`
	OrgName       string   `db:"org_name" json:"org_name"`
	ManagerName   string   `db:"manager_name" json:"manager_name"`
	State         string   `db:"state" json:"state"`
	CalledAt      NullTime `db:"called_at" json:"called_at"`
	ConfirmUntil  NullTime `db:"confirm_until" json:"confirm_until"`
	ConfirmedAt   NullTime `db:"confirmed_at" json:"confirmed_at"`
	ContractUntil NullTime `db:"contract_until" json:"contract_until"`
	ContractNo    string   `db:"contract_no" json:"contract_no,omitempty"`
	ContractedAt  NullTime `db:"contracted_at" json:"contracted_at"`
	Note          string   `db:"note" json:"note,omitempty"`
}

// StateName is the Chinese state.
func (a *Award) StateName() string { return AwardStateNames[a.State] }

const selectAwards = `SELECT w.selection_id, w.rank_no, w.application_id, w.org_id, a.org_name, a.manager_name, w.state, w.called_at, w.confirm_until,
  w.confirmed_at, w.contract_until, w.contract_no, w.contracted_at, w.note
  FROM fixedprice_awards w JOIN fixedprice_applications a ON a.id = w.application_id WHERE w.selection_id = ? ORDER BY w.rank_no`

// Awards lists a selection's ranks (public once drawn).
func (s *FixedPrice) Awards(ctx context.Context, selectionID int64) ([]Award, error) {
	if _, err := s.Selection(ctx, selectionID); err != nil {
		return nil, err
	}
	var out []Award
	if err := s.DB.SelectContext(ctx, &out, selectAwards, selectionID); err != nil {
		return nil, fmt.Errorf("awards of %d: %w", selectionID, err)
	}
	return out, nil
}

func currentAward(ctx context.Context, tx *sqlx.Tx, sel *Selection) (*Award, error) {
	var w Award
	err := tx.GetContext(ctx, &w, strings.Replace(selectAwards, "ORDER BY w.rank_no", "AND w.rank_no = ?", 1)+` FOR UPDATE`, sel.ID, sel.CurrentRank)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.New(problem.Conflict, "fixedprice_state", "尚未产生中选人")
	}
	if err != nil {
		return nil, fmt.Errorf("current award of %d: %w", sel.ID, err)
	}
	return &w, nil
}

// EndPublicity ends the result publicity (timed event
// fixedprice.publicity_end): the winner is called to confirm within the
// confirm days. Idempotent: it does nothing unless the selection is in
// publicity and the publicity is over.
func (s *FixedPrice) EndPublicity(ctx context.Context, selectionID int64) error {
	st, cal, err := s.settingsCalendar(ctx, s.DB)
	if err != nil {
		return err
	}
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		now := s.Clock.Now()
		sel, err := loadSelection(ctx, tx, selectionID, true)
		if err != nil {
			return err
		}
		if sel.Status != FPPublicity || now.Before(sel.PublicityUntil.Time) {
			return nil
		}
		w, err := currentAward(ctx, tx, sel)
		if err != nil {
			return err
		}
		until := endOfDays(cal, now, st.ConfirmDays, calendar.CalendarDays)
		if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_awards SET state = ?, confirm_until = ? WHERE selection_id = ? AND rank_no = ?`,
			AwardPending, until, sel.ID, w.Rank); err != nil {
			return fmt.Errorf("call winner: %w", err)
		}
		if err := setSelectionStatus(ctx, tx, sel.ID, FPConfirming, now); err != nil {
			return err
		}
		if err := schedule.At(ctx, tx, FixedPriceConfirmDeadline, selectionTarget(sel.ID), until, now); err != nil {
			return err
		}
		return audit.RecordAs(ctx, tx, audit.System, now, audit.Event{Action: "fixedprice.publicity_end", ObjectType: "fixedprice", ObjectID: strconv.FormatInt(sel.ID, 10),
			ProjectID: sel.ProjectID, Summary: map[string]any{"rank": w.Rank, "org_id": w.OrgID, "confirm_until": until}})
	})
}

func (s *FixedPrice) winnerAction(ctx context.Context, selectionID int64, fn func(tx *sqlx.Tx, sel *Selection, w *Award, now time.Time) error) error {
	a, err := requireBidder(ctx)
	if err != nil {
		return err
	}
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		now := s.Clock.Now()
		sel, err := loadSelection(ctx, tx, selectionID, true)
		if err != nil {
			return err
		}
		if sel.Status != FPConfirming {
			return problem.New(problem.Conflict, "fixedprice_state", "当前不在中选人确认阶段（公示期结束后方可确认）")
		}
		w, err := currentAward(ctx, tx, sel)
		if err != nil {
			return err
		}
		if w.OrgID != a.OrgID {
			return problem.New(problem.Forbidden, "fixedprice_not_winner", "本单位不是当前中选人")
		}
		if !now.Before(w.ConfirmUntil.Time) {
			return problem.New(problem.Gone, "fixedprice_confirm_closed", "确认期限已过")
		}
		return fn(tx, sel, w, now)
	})
}

// Confirm is the current winner's acceptance; the contract deadline starts.
// A winner blacklisted (or no longer active) since the draw is refused and
// nothing changes: it may decline, or lapses at its confirm deadline.
func (s *FixedPrice) Confirm(ctx context.Context, selectionID int64) error {
	st, cal, err := s.settingsCalendar(ctx, s.DB)
	if err != nil {
		return err
	}
	return s.winnerAction(ctx, selectionID, func(tx *sqlx.Tx, sel *Selection, w *Award, now time.Time) error {
		if err := winnerEligible(ctx, tx, w, now, "确认中选",
			fmt.Sprintf("可选择“放弃中选”，由下一候补人递补；未放弃的，确认期限（%s）届满后由候补人依次递补", localTime(w.ConfirmUntil.Time))); err != nil {
			return err
		}
		until := endOfDays(cal, now, st.ContractDays, calendar.CalendarDays)
		if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_awards SET state = ?, confirmed_at = ?, contract_until = ? WHERE selection_id = ? AND rank_no = ?`,
			AwardConfirmed, now, until, sel.ID, w.Rank); err != nil {
			return fmt.Errorf("confirm: %w", err)
		}
		if err := setSelectionStatus(ctx, tx, sel.ID, FPConfirmed, now); err != nil {
			return err
		}
		if err := schedule.Cancel(ctx, tx, FixedPriceConfirmDeadline, selectionTarget(sel.ID), now); err != nil {
			return err
		}
		if err := schedule.At(ctx, tx, FixedPriceContractDue, selectionTarget(sel.ID), until, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "fixedprice.confirm", ObjectType: "fixedprice", ObjectID: strconv.FormatInt(sel.ID, 10),
			ProjectID: sel.ProjectID, Summary: map[string]any{"rank": w.Rank, "contract_until": until}})
	})
}

// winnerEligible checks again, at now, that the organisation holding award w
// may still be awarded: its registration is active and no blacklist entry
// is in force (the draw excluded only those blacklisted when the pool was
// frozen). The organisation's row is locked as AddBlacklist locks it, so a
// blacklisting and a confirmation are decided one after the other. A
// refusal names the award's organisation (field org_id) and says what
// happens next; the caller's transaction writes nothing.
func winnerEligible(ctx context.Context, tx *sqlx.Tx, w *Award, now time.Time, step, next string) error {
	refuse := func(code, msg string) error {
		return &problem.Error{Kind: problem.Conflict, Code: code, Message: msg, Fields: []problem.Field{{Name: "org_id", Code: code, Message: msg}}}
	}
	var status string
	if err := tx.GetContext(ctx, &status, `SELECT status FROM organisations WHERE id = ? FOR UPDATE`, w.OrgID); err != nil {
		return fmt.Errorf("winner organisation %d: %w", w.OrgID, err)
	}
	if status != accounts.StatusActive {
		return refuse("fixedprice_winner_inactive", fmt.Sprintf("中选人“%s”的单位注册已停用，不能%s。%s。", w.OrgName, step, next))
	}
	// A locking read: the entries committed last, whatever this
	// transaction read before.
	var reasons []string
	if err := tx.SelectContext(ctx, &reasons, `SELECT reason FROM fixedprice_blacklist
		WHERE org_id = ? AND valid_from <= ? AND (valid_until IS NULL OR valid_until > ?) ORDER BY id FOR UPDATE`, w.OrgID, now, now); err != nil {
		return fmt.Errorf("blacklist of winner %d: %w", w.OrgID, err)
	}
	if len(reasons) > 0 {
		return refuse("fixedprice_winner_blacklisted", fmt.Sprintf("中选人“%s”已被列入固定价比选黑名单（理由：%s），不能%s。%s。", w.OrgName, reasons[0], step, next))
	}
	return nil
}

// Decline is the current winner's refusal; the next backup is called.
func (s *FixedPrice) Decline(ctx context.Context, selectionID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return problem.InvalidField("reason", "required", "请写明放弃中选的理由")
	}
	if utf8.RuneCountInString(reason) > 480 { // the record's note holds 500 with its prefix
		return problem.InvalidField("reason", "too_long", "理由不能超过480个字")
	}
	return s.winnerAction(ctx, selectionID, func(tx *sqlx.Tx, sel *Selection, w *Award, now time.Time) error {
		return s.promote(ctx, tx, sel, w, AwardDeclined, "放弃中选："+reason, now, audit.ActorFrom(ctx))
	})
}

// promote ends the current award with state and calls the next backup, or
// fails the selection when none is left. One transaction, audited as actor.
func (s *FixedPrice) promote(ctx context.Context, tx *sqlx.Tx, sel *Selection, w *Award, state, note string, now time.Time, actor audit.Actor) error {
	st, cal, err := s.settingsCalendar(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_awards SET state = ?, ended_at = ?, note = ? WHERE selection_id = ? AND rank_no = ?`,
		state, now, note, sel.ID, w.Rank); err != nil {
		return fmt.Errorf("end award: %w", err)
	}
	for _, kind := range []string{FixedPriceConfirmDeadline, FixedPriceContractDue} {
		if err := schedule.Cancel(ctx, tx, kind, selectionTarget(sel.ID), now); err != nil {
			return err
		}
	}
	var next sql.NullInt64
	if err := tx.GetContext(ctx, &next, `SELECT MIN(rank_no) FROM fixedprice_awards WHERE selection_id = ? AND rank_no > ? AND state = ?`, sel.ID, w.Rank, AwardWaiting); err != nil {
		return fmt.Errorf("next backup: %w", err)
	}
	summary := map[string]any{"from_rank": w.Rank, "from_org_id": w.OrgID, "reason": note}
	if !next.Valid {
		if err := setSelectionStatus(ctx, tx, sel.ID, FPFailed, now); err != nil {
			return err
		}
		return audit.RecordAs(ctx, tx, actor, now, audit.Event{Action: "fixedprice.fail", ObjectType: "fixedprice", ObjectID: strconv.FormatInt(sel.ID, 10),
			ProjectID: sel.ProjectID, Summary: summary})
	}
	until := endOfDays(cal, now, st.ConfirmDays, calendar.CalendarDays)
	if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_awards SET state = ?, called_at = ?, confirm_until = ? WHERE selection_id = ? AND rank_no = ?`,
		AwardPending, now, until, sel.ID, next.Int64); err != nil {
		return fmt.Errorf("call backup: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_selections SET status = ?, current_rank = ?, updated_at = ? WHERE id = ?`,
		FPConfirming, next.Int64, now, sel.ID); err != nil {
		return err
	}
	if err := schedule.At(ctx, tx, FixedPriceConfirmDeadline, selectionTarget(sel.ID), until, now); err != nil {
		return err
	}
	summary["to_rank"], summary["confirm_until"] = next.Int64, until
	return audit.RecordAs(ctx, tx, actor, now, audit.Event{Action: "fixedprice.promote", ObjectType: "fixedprice", ObjectID: strconv.FormatInt(sel.ID, 10),
		ProjectID: sel.ProjectID, Summary: summary})
}

// ConfirmDeadline runs at the winner's confirm deadline (timed event
// fixedprice.confirm_deadline): a winner who has not confirmed lapses and
// the next backup is called. Idempotent.
func (s *FixedPrice) ConfirmDeadline(ctx context.Context, selectionID int64) error {
	return s.lapseAfter(ctx, selectionID, FPConfirming, AwardPending, func(w *Award) time.Time { return w.ConfirmUntil.Time }, "逾期未确认中选")
}

// ContractDeadline runs at the contract deadline (timed event
// fixedprice.contract_deadline): a confirmed winner without a recorded
// contract lapses and the next backup is called. Idempotent.
func (s *FixedPrice) ContractDeadline(ctx context.Context, selectionID int64) error {
	return s.lapseAfter(ctx, selectionID, FPConfirmed, AwardConfirmed, func(w *Award) time.Time { return w.ContractUntil.Time }, "逾期未签订合同")
}

// lapseAfter lapses the current winner and calls the next backup when the
// selection is still in status, the award still in state and its deadline
// has passed; otherwise it does nothing.
func (s *FixedPrice) lapseAfter(ctx context.Context, selectionID int64, status, state string, deadline func(*Award) time.Time, note string) error {
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		now := s.Clock.Now()
		sel, err := loadSelection(ctx, tx, selectionID, true)
		if err != nil {
			return err
		}
		if sel.Status != status {
			return nil
		}
		w, err := currentAward(ctx, tx, sel)
		if err != nil {
			return err
		}
		if w.State != state || now.Before(deadline(w)) {
			return nil
		}
		return s.promote(ctx, tx, sel, w, AwardLapsed, note, now, audit.System)
	})
}

// RecordContract records the signed contract (staff) before its deadline,
// unless the winner has been blacklisted (or is no longer active) since; it
// then lapses at its contract deadline.
func (s *FixedPrice) RecordContract(ctx context.Context, selectionID int64, contractNo string) error {
	if _, err := requireStaff(ctx); err != nil {
		return err
	}
	contractNo = strings.TrimSpace(contractNo)
	switch {
	case contractNo == "":
		return problem.InvalidField("contract_no", "required", "请填写合同编号")
	case utf8.RuneCountInString(contractNo) > 64:
		return problem.InvalidField("contract_no", "too_long", "合同编号不能超过64个字")
	}
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		now := s.Clock.Now()
		sel, err := loadSelection(ctx, tx, selectionID, true)
		if err != nil {
			return err
		}
		if sel.Status != FPConfirmed {
			return problem.New(problem.Conflict, "fixedprice_state", "中选人确认后方可登记合同")
		}
		w, err := currentAward(ctx, tx, sel)
		if err != nil {
			return err
		}
		if !now.Before(w.ContractUntil.Time) {
			return problem.New(problem.Gone, "fixedprice_contract_late", "签约期限已过")
		}
		if err := winnerEligible(ctx, tx, w, now, "登记合同",
			fmt.Sprintf("签约期限（%s）届满后由候补人依次递补", localTime(w.ContractUntil.Time))); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_awards SET state = ?, contract_no = ?, contracted_at = ? WHERE selection_id = ? AND rank_no = ?`,
			AwardContracted, contractNo, now, sel.ID, w.Rank); err != nil {
			return fmt.Errorf("record contract: %w", err)
		}
		if err := setSelectionStatus(ctx, tx, sel.ID, FPContracted, now); err != nil {
			return err
		}
		if err := schedule.Cancel(ctx, tx, FixedPriceContractDue, selectionTarget(sel.ID), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "fixedprice.contract", ObjectType: "fixedprice", ObjectID: strconv.FormatInt(sel.ID, 10),
			ProjectID: sel.ProjectID, Summary: map[string]any{"rank": w.Rank, "contract_no": contractNo}})
	})
}

// ResultNotice is the 比选结果通知书 to the current winner, issued once the
// publicity is over.
type ResultNotice struct {
	Selection *Selection `json:"selection"`
	Award     Award      `json:"award"`
}

// Notice returns the result notice to staff, supervisors, the owning
// agency and the winner itself; others get not-found.
func (s *FixedPrice) Notice(ctx context.Context, selectionID int64) (*ResultNotice, error) {
	a := audit.ActorFrom(ctx)
	sel, err := s.Selection(ctx, selectionID)
	if err != nil {
		return nil, err
	}
	notYet := problem.New(problem.NotFound, "fixedprice_notice_not_issued", "比选结果通知书在公示期结束后发出")
	switch sel.Status {
	case FPConfirming, FPConfirmed, FPContracted:
	default:
		return nil, notYet
	}
	awards, err := s.Awards(ctx, selectionID)
	if err != nil {
		return nil, err
	}
	if sel.CurrentRank < 1 || sel.CurrentRank > len(awards) {
		return nil, notYet
	}
	w := awards[sel.CurrentRank-1]
	if !canSeeAll(a) && !(a.Has(accounts.RoleAgency) && a.OrgID == sel.AgencyOrgID) && !(a.Has(accounts.RoleBidder) && a.OrgID == w.OrgID) {
		return nil, fpNotFound()
	}
	return &ResultNotice{Selection: sel, Award: w}, nil
}
