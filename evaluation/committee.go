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

// Member states.
const (
	MemberActive   = "active"
	MemberReplaced = "replaced"
)

// Signatures of the report.
const (
	SignAgree   = "agree"
	SignDissent = "dissent"
	SignRefused = "refused" // neither signed nor wrote a dissent: counts as agreement (DOMAIN §6)
)

type memberRow struct {
	ID             int64         `db:"id"`
	LotID          int64         `db:"lot_id"`
	ExpertID       int64         `db:"expert_id"`
	UserID         int64         `db:"user_id"`
	Name           string        `db:"name"`
	Seq            int           `db:"seq"`
	State          string        `db:"state"`
	ReplacesID     sql.NullInt64 `db:"replaces_id"`
	ReplacedReason string        `db:"replaced_reason"`
	SignedInAt     sql.NullTime  `db:"signed_in_at"`
	DeclaredAt     sql.NullTime  `db:"declared_at"`
	ConflictNote   string        `db:"conflict_note"`
	ChairVote      sql.NullInt64 `db:"chair_vote"`
	Signature      string        `db:"signature"`
	Dissent        string        `db:"dissent"`
	SignedAt       sql.NullTime  `db:"signed_at"`
}

const memberColumns = `id, lot_id, expert_id, user_id, name, seq, state, replaces_id, replaced_reason, signed_in_at, declared_at,
  conflict_note, chair_vote, signature, dissent, signed_at`

func loadMembers(ctx context.Context, q sqlx.QueryerContext, lotID int64, lock bool) ([]memberRow, error) {
	query := `SELECT ` + memberColumns + ` FROM evaluation_members WHERE lot_id = ? ORDER BY seq`
	if lock {
		query += ` FOR UPDATE`
	}
	var out []memberRow
	if err := sqlx.SelectContext(ctx, q, &out, query, lotID); err != nil {
		return nil, fmt.Errorf("members of lot %d: %w", lotID, err)
	}
	return out, nil
}

func activeMembers(ms []memberRow) []memberRow {
	var out []memberRow
	for _, m := range ms {
		if m.State == MemberActive {
			out = append(out, m)
		}
	}
	return out
}

// StartEvaluation seats the drawn committee of an opened lot (staff).
func (s *Service) StartEvaluation(ctx context.Context, lotID int64) error {
	if !isStaff(audit.ActorFrom(ctx)) {
		return forbidden("只有交易中心工作人员可以开始评标")
	}
	l, err := loadLot(ctx, s.DB, lotID, false)
	if err != nil {
		return err
	}
	if l.State != StateOpened {
		return stateConflict(l, "开标结束后方可开始评标")
	}
	if s.Committee == nil {
		return errors.New("evaluation: Committee not configured")
	}
	ms, err := s.Committee.Members(ctx, lotID)
	if err != nil {
		return fmt.Errorf("committee of lot %d: %w", lotID, err)
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		if l.State != StateOpened {
			return stateConflict(l, "开标结束后方可开始评标")
		}
		if l.Method == "" {
			return problem.New(problem.Conflict, "plan_missing", "尚未设置评标办法和评审因素")
		}
		if len(ms) < 3 {
			return problem.New(problem.Conflict, "committee_incomplete", "评标委员会成员不足（抽取尚未完成或未确认）")
		}
		for i, m := range ms {
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_members (lot_id, expert_id, user_id, name, seq, state) VALUES (?, ?, ?, ?, ?, ?)`,
				lotID, m.ExpertID, m.UserID, db.Clip(m.Name, 64), i+1, MemberActive); err != nil {
				if db.IsDuplicate(err) {
					return problem.New(problem.Conflict, "committee_duplicate", "评标委员会名单中有重复的专家")
				}
				return fmt.Errorf("seat member: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET state = ?, evaluation_at = ?, updated_at = ? WHERE lot_id = ?`, StateEvaluating, now, now, lotID); err != nil {
			return err
		}
		// Names stay out of the summary: they are confidential until the result.
		return record(ctx, tx, now, l, "evaluation.start", map[string]any{"members": len(ms)})
	})
}

// Errors of the terminal rule.
var (
	errTerminalRequired = problem.New(problem.Forbidden, "terminal_required", "评标只能在评标室的评标终端上进行：本设备不是已登记的评标终端")
	errOutsideSession   = problem.New(problem.Forbidden, "outside_session", "本终端所在评标室此时没有评标场次，不能评标")
	errWrongRoom        = problem.New(problem.Forbidden, "terminal_wrong_room", "本终端所在评标室此时预约的不是该项目的评标，请到预约的评标室评标")
	errNotOnCommittee   = problem.New(problem.Forbidden, "not_on_committee", "您不是该标段（包）评标委员会的成员")
)

// seat checks the terminal rule — the device token names a terminal of a
// room booked now for this lot's project's evaluation — and that the actor
// is an active member of the committee; it returns the member.
func (s *Service) seat(ctx context.Context, l *lotRow, token string) (*memberRow, int64, error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleExpert) || a.UserID == 0 {
		return nil, 0, errNotOnCommittee
	}
	room, err := s.terminalRoom(ctx, token)
	if err != nil {
		return nil, 0, err
	}
	pid, ok, err := s.Terminals.BookingAt(ctx, room, s.Clock.Now())
	if err != nil {
		return nil, 0, fmt.Errorf("booking of room %d: %w", room, err)
	}
	if !ok {
		return nil, 0, errOutsideSession
	}
	if pid != l.ProjectID {
		return nil, 0, errWrongRoom
	}
	var m memberRow
	err = sqlx.GetContext(ctx, s.DB, &m, `SELECT `+memberColumns+` FROM evaluation_members WHERE lot_id = ? AND user_id = ? AND state = 'active'`, l.LotID, a.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, errNotOnCommittee
	}
	if err != nil {
		return nil, 0, fmt.Errorf("member of lot %d: %w", l.LotID, err)
	}
	return &m, room, nil
}

func (s *Service) terminalRoom(ctx context.Context, token string) (int64, error) {
	if token == "" || s.Terminals == nil {
		return 0, errTerminalRequired
	}
	room, err := s.Terminals.RoomOfTerminal(ctx, token)
	if err != nil {
		if _, ok := problem.As(err); ok {
			return 0, errTerminalRequired
		}
		return 0, fmt.Errorf("terminal: %w", err)
	}
	return room, nil
}

// TerminalLot is a lot the expert at this terminal may evaluate now.
type TerminalLot struct {
	LotID     int64  `json:"lot_id"`
	ProjectID int64  `json:"project_id"`
	Title     string `json:"title"`
	LotName   string `json:"lot_name"`
	State     string `json:"state"`
	StateName string `json:"state_name"`
}

// TerminalLots lists the lots the logged-in expert sits on whose project is
// booked in this terminal's room now.
func (s *Service) TerminalLots(ctx context.Context, token string) ([]TerminalLot, error) {
	a := audit.ActorFrom(ctx)
	room, err := s.terminalRoom(ctx, token)
	if err != nil {
		return nil, err
	}
	pid, ok, err := s.Terminals.BookingAt(ctx, room, s.Clock.Now())
	if err != nil {
		return nil, fmt.Errorf("booking of room %d: %w", room, err)
	}
	if !ok {
		return nil, errOutsideSession
	}
	var rows []struct {
		LotID int64  `db:"lot_id"`
		State string `db:"state"`
	}
	if err := sqlx.SelectContext(ctx, s.DB, &rows, `SELECT l.lot_id, l.state FROM evaluation_lots l JOIN evaluation_members m ON m.lot_id = l.lot_id
		WHERE l.project_id = ? AND m.user_id = ? AND m.state = 'active' ORDER BY l.lot_id`, pid, a.UserID); err != nil {
		return nil, fmt.Errorf("lots at terminal: %w", err)
	}
	out := []TerminalLot{}
	for _, r := range rows {
		li, err := s.lotInfo(ctx, r.LotID)
		if err != nil {
			return nil, err
		}
		out = append(out, TerminalLot{LotID: r.LotID, ProjectID: pid, Title: li.Title, LotName: li.LotName, State: r.State, StateName: StateNames[r.State]})
	}
	return out, nil
}

// expertTx runs fn for a seated member in one transaction: it checks the
// terminal rule before, then locks the member's own row (not the lot's, so
// that members saving at once do not wait for each other) and re-reads the
// lot after the lock.
func (s *Service) expertTx(ctx context.Context, token string, lotID int64, fn func(tx *sqlx.Tx, l *lotRow, m *memberRow, now time.Time) error) error {
	l, err := loadLot(ctx, s.DB, lotID, false)
	if err != nil {
		return err
	}
	m0, room, err := s.seat(ctx, l, token)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		// The lot first, then the member (the order staff's changes take
		// too), both locked, before any plain read: the transaction's
		// snapshot is taken after every other terminal action on the lot
		// has committed, so a summary or a confirmation counts the scores
		// and reviews saved just before it, not those of the moment it
		// started waiting.
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		var m memberRow
		if err := tx.GetContext(ctx, &m, `SELECT `+memberColumns+` FROM evaluation_members WHERE id = ? FOR UPDATE`, m0.ID); err != nil {
			return fmt.Errorf("lock member %d: %w", m0.ID, err)
		}
		if m.State != MemberActive {
			return errNotOnCommittee
		}
		if !m.SignedInAt.Valid {
			if _, err := tx.ExecContext(ctx, `UPDATE evaluation_members SET signed_in_at = ?, terminal_room = ? WHERE id = ?`, now, room, m.ID); err != nil {
				return err
			}
			if err := record(ctx, tx, now, l, "evaluation.member.signin", map[string]any{"member": m.ID, "room": room}); err != nil {
				return err
			}
			m.SignedInAt = sql.NullTime{Time: now, Valid: true}
		}
		return fn(tx, l, &m, now)
	})
}

// DeclarationInput is a member's commitment (评标承诺) and avoidance
// declaration (回避声明) against the now-known bidder list.
type DeclarationInput struct {
	Commitment bool   `json:"commitment"`
	Conflict   bool   `json:"conflict"`
	Note       string `json:"note"` // required with a conflict: which bidder and why
}

// Declare records the member's commitment and avoidance declaration. A
// declared conflict brings in the next backup of the draw (Committee.Replace)
// and takes the member off the committee; it returns the replacement's name
// ("" without a conflict).
func (s *Service) Declare(ctx context.Context, token string, lotID int64, in DeclarationInput) (string, error) {
	var f problem.Fields
	if !in.Commitment {
		f.Add("commitment", "commitment_required", "请阅读并签署评标承诺书")
	}
	note := text(&f, "note", in.Note, in.Conflict, 500, "需要回避的投标人及原因")
	if err := f.Err(); err != nil {
		return "", err
	}
	var nm *Member // the backup, called once however often the transaction runs
	err := s.expertTx(ctx, token, lotID, func(tx *sqlx.Tx, l *lotRow, m *memberRow, now time.Time) error {
		if l.State != StateEvaluating {
			return stateConflict(l, "不能签署承诺书")
		}
		if m.DeclaredAt.Valid {
			return problem.New(problem.Conflict, "already_declared", "您已签署承诺书和回避声明，不能重复签署")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_members SET declared_at = ?, conflict_note = ? WHERE id = ?`, now, note, m.ID); err != nil {
			return err
		}
		if err := record(ctx, tx, now, l, "evaluation.member.declare", map[string]any{"member": m.ID, "conflict": in.Conflict}); err != nil {
			return err
		}
		if !in.Conflict {
			return s.electIfDone(ctx, tx, lotID, now)
		}
		// In the same transaction: without a backup to take his seat the
		// declaration is not recorded (the member cannot act undeclared),
		// rather than recorded with the member still seated.
		return s.replaceTx(ctx, tx, l, m.ID, "回避："+note, now, &nm)
	})
	if err != nil || nm == nil {
		return "", err
	}
	return nm.Name, nil
}

// ReplaceMember takes a member off the committee (staff: illness, absence,
// misconduct) and brings in the next backup. His reviews and scores are
// voided.
func (s *Service) ReplaceMember(ctx context.Context, lotID, memberID int64, reason string) error {
	if !isStaff(audit.ActorFrom(ctx)) {
		return forbidden("只有交易中心工作人员可以更换评标专家")
	}
	var f problem.Fields
	reason = text(&f, "reason", reason, true, 500, "更换原因")
	if err := f.Err(); err != nil {
		return err
	}
	_, err := s.replace(ctx, lotID, memberID, reason)
	return err
}

// replace calls the next backup from the draw and records the change: the
// old member is marked replaced (his scores voided, his chair vote and any
// votes for him cleared, the chair re-elected if he was the chair) and the
// backup is seated.
func (s *Service) replace(ctx context.Context, lotID, memberID int64, reason string) (*Member, error) {
	var nm *Member
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		l, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		if l.State != StateEvaluating {
			return stateConflict(l, "只能在评标过程中更换专家")
		}
		return s.replaceTx(ctx, tx, l, memberID, reason, s.Clock.Now(), &nm)
	})
	if err != nil {
		return nil, err
	}
	return nm, nil
}

// replaceTx replaces member memberID of the locked lot l in tx. The backup
// is called from the draw (Committee.Replace, its own transaction) only
// once the member is found still active under the lot's lock: a second
// request for the same member waits for the first and is refused without
// using up another backup. *nm keeps the backup called, so that a retried
// transaction seats the same one.
func (s *Service) replaceTx(ctx context.Context, tx *sqlx.Tx, l *lotRow, memberID int64, reason string, now time.Time, nm **Member) error {
	lotID := l.LotID
	ms, err := loadMembers(ctx, tx, lotID, true)
	if err != nil {
		return err
	}
	var old *memberRow
	seq := 0
	for i := range ms {
		seq = max(seq, ms[i].Seq)
		if ms[i].ID == memberID {
			old = &ms[i]
		}
	}
	switch {
	case old == nil:
		return problem.New(problem.NotFound, "member_not_found", "该专家不是本标段评标委员会的成员")
	case old.State != MemberActive:
		return problem.New(problem.Conflict, "member_replaced", "该专家已被更换")
	}
	if *nm == nil {
		if s.Committee == nil {
			return errors.New("evaluation: Committee not configured")
		}
		b, err := s.Committee.Replace(ctx, lotID, old.ExpertID, reason)
		if err != nil {
			return fmt.Errorf("backup for expert %d on lot %d: %w", old.ExpertID, lotID, err)
		}
		*nm = b
	}
	backup := *nm
	if _, err := tx.ExecContext(ctx, `UPDATE evaluation_members SET state = 'replaced', replaced_reason = ?, replaced_at = ?, chair_vote = NULL
		WHERE id = ? AND state = 'active'`, db.Clip(reason, 500), now, memberID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE evaluation_scores SET voided = 1 WHERE member_id = ?`, memberID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE evaluation_members SET chair_vote = NULL WHERE lot_id = ? AND chair_vote = ?`, lotID, memberID); err != nil {
		return err
	}
	if l.ChairMemberID.Int64 == memberID {
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET chair_member_id = NULL WHERE lot_id = ?`, lotID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_members (lot_id, expert_id, user_id, name, seq, state, replaces_id) VALUES (?, ?, ?, ?, ?, 'active', ?)`,
		lotID, backup.ExpertID, backup.UserID, db.Clip(backup.Name, 64), seq+1, memberID); err != nil {
		if db.IsDuplicate(err) {
			return problem.New(problem.Conflict, "backup_duplicate", "候补专家已在本评标委员会中")
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET updated_at = ? WHERE lot_id = ?`, now, lotID); err != nil {
		return err
	}
	return audit.RecordAs(ctx, tx, actorOrSystem(ctx), now, audit.Event{Action: "evaluation.member.replace", ObjectType: "lot",
		ObjectID: fmt.Sprint(lotID), ProjectID: l.ProjectID, Summary: map[string]any{"member": memberID, "reason": db.Clip(reason, 200)}})
}

// VoteChair records the member's vote for the chair (评标委员会主任). When
// every active member has declared and voted, the member with most votes is
// chair; a tie goes to the earlier in the draw order.
func (s *Service) VoteChair(ctx context.Context, token string, lotID, candidateID int64) error {
	return s.expertTx(ctx, token, lotID, func(tx *sqlx.Tx, l *lotRow, m *memberRow, now time.Time) error {
		if l.State != StateEvaluating {
			return stateConflict(l, "不能推选主任委员")
		}
		if !m.DeclaredAt.Valid {
			return problem.New(problem.Conflict, "declaration_first", "请先签署承诺书和回避声明")
		}
		if l.ChairMemberID.Valid {
			return problem.New(problem.Conflict, "chair_elected", "主任委员已经选出")
		}
		if m.ChairVote.Valid {
			return problem.New(problem.Conflict, "already_voted", "您已投票，不能重复投票")
		}
		var cand string
		err := tx.GetContext(ctx, &cand, `SELECT state FROM evaluation_members WHERE id = ? AND lot_id = ?`, candidateID, lotID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && cand != MemberActive) {
			return problem.InvalidField("member_id", "candidate_unknown", "请选择本评标委员会的在任成员")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_members SET chair_vote = ? WHERE id = ?`, candidateID, m.ID); err != nil {
			return err
		}
		if err := record(ctx, tx, now, l, "evaluation.chair.vote", map[string]any{"member": m.ID}); err != nil {
			return err
		}
		return s.electIfDone(ctx, tx, lotID, now)
	})
}

// electIfDone elects the chair once every active member has declared and
// voted. The lot row is locked here so that two last votes elect once.
func (s *Service) electIfDone(ctx context.Context, tx *sqlx.Tx, lotID int64, now time.Time) error {
	l, err := loadLot(ctx, tx, lotID, true)
	if err != nil {
		return err
	}
	if l.ChairMemberID.Valid {
		return nil
	}
	ms, err := loadMembers(ctx, tx, lotID, false)
	if err != nil {
		return err
	}
	votes := map[int64]int{}
	act := activeMembers(ms)
	for _, m := range act {
		if !m.ChairVote.Valid || !m.DeclaredAt.Valid {
			return nil
		}
		votes[m.ChairVote.Int64]++
	}
	var chair memberRow
	best := -1
	for _, m := range act { // in draw order: a tie goes to the earlier
		if votes[m.ID] > best {
			chair, best = m, votes[m.ID]
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE evaluation_lots SET chair_member_id = ?, updated_at = ? WHERE lot_id = ?`, chair.ID, now, lotID); err != nil {
		return err
	}
	return record(ctx, tx, now, l, "evaluation.chair.elected", map[string]any{"member": chair.ID, "votes": best})
}
