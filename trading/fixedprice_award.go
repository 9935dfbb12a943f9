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

// standing is what, at a given moment, may stand in the way of an
// organisation's award: its registration status and the blacklist entries
// in force.
type standing struct {
	Status    string
	Blacklist []blacklistHit
}

type blacklistHit struct {
	ID     int64  `db:"id"`
	Reason string `db:"reason"`
}

// readStanding reads orgID's standing at now. The organisation's row is
// locked as AddBlacklist locks it, so a blacklisting and a step that
// relies on this reading are decided one after the other.
func readStanding(ctx context.Context, tx *sqlx.Tx, orgID int64, now time.Time) (standing, error) {
	var st standing
	if err := tx.GetContext(ctx, &st.Status, `SELECT status FROM organisations WHERE id = ? FOR UPDATE`, orgID); err != nil {
		return st, fmt.Errorf("organisation %d: %w", orgID, err)
	}
	// A locking read: the entries committed last, whatever this
	// transaction read before.
	if err := tx.SelectContext(ctx, &st.Blacklist, `SELECT id, reason FROM fixedprice_blacklist
		WHERE org_id = ? AND valid_from <= ? AND (valid_until IS NULL OR valid_until > ?) ORDER BY id FOR UPDATE`, orgID, now, now); err != nil {
		return st, fmt.Errorf("blacklist of organisation %d: %w", orgID, err)
	}
	return st, nil
}

// winnerEligible checks again, at now, that the organisation holding award w
// may still be awarded: its registration is active and no blacklist entry
// is in force (the draw excluded only those blacklisted when the pool was
// frozen). A refusal names the award's organisation (field org_id) and says
// what happens next; the caller's transaction writes nothing.
func winnerEligible(ctx context.Context, tx *sqlx.Tx, w *Award, now time.Time, step, next string) error {
	refuse := func(code, msg string) error {
		return &problem.Error{Kind: problem.Conflict, Code: code, Message: msg, Fields: []problem.Field{{Name: "org_id", Code: code, Message: msg}}}
	}
	st, err := readStanding(ctx, tx, w.OrgID, now)
	if err != nil {
		return fmt.Errorf("winner: %w", err)
	}
	if st.Status != accounts.StatusActive {
		return refuse("fixedprice_winner_inactive", fmt.Sprintf("中选人“%s”的单位注册已停用，不能%s。%s。", w.OrgName, step, next))
	}
	if len(st.Blacklist) > 0 {
		return refuse("fixedprice_winner_blacklisted", fmt.Sprintf("中选人“%s”已被列入固定价比选黑名单（理由：%s），不能%s。%s。", w.OrgName, st.Blacklist[0].Reason, step, next))
	}
	return nil
}

// checkReason trims a reason that ends an award and checks it: required,
// and short enough for the award's note with its prefix (500 characters).
func checkReason(reason, missing string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", problem.InvalidField("reason", "required", missing)
	}
	if utf8.RuneCountInString(reason) > 480 {
		return "", problem.InvalidField("reason", "too_long", "理由不能超过480个字")
	}
	return reason, nil
}

// Decline is the current winner's refusal; the next backup is called.
func (s *FixedPrice) Decline(ctx context.Context, selectionID int64, reason string) error {
	reason, err := checkReason(reason, "请写明放弃中选的理由")
	if err != nil {
		return err
	}
	return s.winnerAction(ctx, selectionID, func(tx *sqlx.Tx, sel *Selection, w *Award, now time.Time) error {
		return s.promote(ctx, tx, sel, w, AwardDeclined, "放弃中选："+reason, now, audit.ActorFrom(ctx), nil)
	})
}

// RevokeWinner is staff's 取消中选资格: the current winner, blacklisted or
// no longer active since the draw, has its award ended with staff's reason
// and the next backup is called as when a winner declines. A winner in
// good standing is refused (staff do not replace a valid winner), as are a
// selection without a current winner (before the publicity is over, or
// failed) and one whose contract is recorded.
func (s *FixedPrice) RevokeWinner(ctx context.Context, selectionID int64, reason string) error {
	if _, err := requireStaff(ctx); err != nil {
		return err
	}
	reason, err := checkReason(reason, "请写明取消中选资格的理由及依据")
	if err != nil {
		return err
	}
	refuse := func(code, field, msg string) error {
		return &problem.Error{Kind: problem.Conflict, Code: code, Message: msg, Fields: []problem.Field{{Name: field, Code: code, Message: msg}}}
	}
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		now := s.Clock.Now()
		sel, err := loadSelection(ctx, tx, selectionID, true)
		if err != nil {
			return err
		}
		switch sel.Status {
		case FPConfirming, FPConfirmed:
		case FPContracted:
			return refuse("fixedprice_contract_recorded", "contract_no", "中选人的合同已登记，不能再取消中选资格")
		case FPPublicity:
			return refuse("fixedprice_state", "status", fmt.Sprintf("结果公示期（至%s）结束后方可取消中选资格", localTime(sel.PublicityUntil.Time)))
		default:
			return refuse("fixedprice_no_winner", "status", "该项目当前没有中选人（尚未抽取，或候补已用尽），无可取消的中选资格")
		}
		w, err := currentAward(ctx, tx, sel)
		if err != nil {
			return err
		}
		st, err := readStanding(ctx, tx, w.OrgID, now)
		if err != nil {
			return fmt.Errorf("winner: %w", err)
		}
		ground := map[string]any{}
		switch {
		case len(st.Blacklist) > 0:
			ground["ground"], ground["blacklist_id"], ground["blacklist_reason"] = "blacklisted", st.Blacklist[0].ID, st.Blacklist[0].Reason
		case st.Status != accounts.StatusActive:
			ground["ground"], ground["org_status"] = "inactive", st.Status
		default:
			return refuse("fixedprice_winner_in_good_standing", "org_id", fmt.Sprintf(
				"中选人“%s”未被列入固定价比选黑名单，单位注册有效，不能取消其中选资格：只有中选人在抽取后被列入黑名单或单位注册停用的，方可取消并由候补人递补", w.OrgName))
		}
		return s.promote(ctx, tx, sel, w, AwardRevoked, "取消中选资格："+reason, now, audit.ActorFrom(ctx), ground)
	})
}

// promote ends the current award with state and calls the next backup, or
// fails the selection when none is left. A backup blacklisted at now is
// skipped: its award ends as skipped and the event's summary lists it with
// the entry. One transaction, audited as actor; extra goes into the
// event's summary.
func (s *FixedPrice) promote(ctx context.Context, tx *sqlx.Tx, sel *Selection, w *Award, state, note string, now time.Time, actor audit.Actor, extra map[string]any) error {
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
	summary := map[string]any{"from_rank": w.Rank, "from_org_id": w.OrgID, "from_state": state, "reason": note}
	for k, v := range extra {
		summary[k] = v
	}
	next, skipped, err := nextBackup(ctx, tx, sel.ID, w.Rank, now)
	if err != nil {
		return err
	}
	if len(skipped) > 0 {
		summary["skipped"] = skipped
	}
	if next == 0 {
		if err := setSelectionStatus(ctx, tx, sel.ID, FPFailed, now); err != nil {
			return err
		}
		return audit.RecordAs(ctx, tx, actor, now, audit.Event{Action: "fixedprice.fail", ObjectType: "fixedprice", ObjectID: strconv.FormatInt(sel.ID, 10),
			ProjectID: sel.ProjectID, Summary: summary})
	}
	until := endOfDays(cal, now, st.ConfirmDays, calendar.CalendarDays)
	if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_awards SET state = ?, called_at = ?, confirm_until = ? WHERE selection_id = ? AND rank_no = ?`,
		AwardPending, now, until, sel.ID, next); err != nil {
		return fmt.Errorf("call backup: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_selections SET status = ?, current_rank = ?, updated_at = ? WHERE id = ?`,
		FPConfirming, next, now, sel.ID); err != nil {
		return err
	}
	if err := schedule.At(ctx, tx, FixedPriceConfirmDeadline, selectionTarget(sel.ID), until, now); err != nil {
		return err
	}
	summary["to_rank"], summary["confirm_until"] = next, until
	return audit.RecordAs(ctx, tx, actor, now, audit.Event{Action: "fixedprice.promote", ObjectType: "fixedprice", ObjectID: strconv.FormatInt(sel.ID, 10),
		ProjectID: sel.ProjectID, Summary: summary})
}

// skippedBackup is a backup passed over, as the audit event records it.
type skippedBackup struct {
	Rank            int    `json:"rank"`
	OrgID           int64  `json:"org_id"`
	BlacklistID     int64  `json:"blacklist_id"`
	BlacklistReason string `json:"blacklist_reason"`
}

// nextBackup finds the first waiting backup after rank whose organisation
// is not blacklisted at now (0 when none is left); the blacklisted ones
// before it end as skipped, with the entry's reason in their note.
func nextBackup(ctx context.Context, tx *sqlx.Tx, selectionID int64, rank int, now time.Time) (int, []skippedBackup, error) {
	var waiting []struct {
		Rank  int   `db:"rank_no"`
		OrgID int64 `db:"org_id"`
	}
	if err := tx.SelectContext(ctx, &waiting, `SELECT rank_no, org_id FROM fixedprice_awards WHERE selection_id = ? AND rank_no > ? AND state = ?
		ORDER BY rank_no FOR UPDATE`, selectionID, rank, AwardWaiting); err != nil {
		return 0, nil, fmt.Errorf("next backup: %w", err)
	}
	var skipped []skippedBackup
	for _, b := range waiting {
		st, err := readStanding(ctx, tx, b.OrgID, now)
		if err != nil {
			return 0, nil, fmt.Errorf("backup rank %d: %w", b.Rank, err)
		}
		if len(st.Blacklist) == 0 {
			return b.Rank, skipped, nil
		}
		hit := st.Blacklist[0]
		note := clip("递补时已列入固定价比选黑名单，未予递补（理由："+hit.Reason, 499) + "）"
		if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_awards SET state = ?, ended_at = ?, note = ? WHERE selection_id = ? AND rank_no = ?`,
			AwardSkipped, now, note, selectionID, b.Rank); err != nil {
			return 0, nil, fmt.Errorf("skip backup rank %d: %w", b.Rank, err)
		}
		skipped = append(skipped, skippedBackup{Rank: b.Rank, OrgID: b.OrgID, BlacklistID: hit.ID, BlacklistReason: hit.Reason})
	}
	return 0, skipped, nil
}

// clip shortens s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
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
		return s.promote(ctx, tx, sel, w, AwardLapsed, note, now, audit.System, nil)
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
