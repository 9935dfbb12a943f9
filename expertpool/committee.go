package expertpool

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// MemberRecused is a confirmed member who declared a conflict at the
// evaluation (回避) and was replaced on site.
const MemberRecused = "recused"

// CommitteeMember is a confirmed member of a lot's committee.
type CommitteeMember struct {
	ExpertID int64  `db:"expert_id"`
	UserID   int64  `db:"user_id"`
	Name     string `db:"name"`
	DrawID   int64  `db:"draw_id"`
	Group    int    `db:"group_no"`
	Rank     int    `db:"rank_no"`
}

const committeeQuery = `SELECT m.expert_id, COALESCE(e.user_id, 0) AS user_id, e.name, m.draw_id, m.group_no, m.rank_no
	FROM expert_draw_members m
	JOIN expert_draws d ON d.id = m.draw_id
	JOIN experts e ON e.id = m.expert_id
	WHERE d.lot_id = ? AND d.status <> 'cancelled' AND m.state = 'confirmed'
	ORDER BY d.seq, m.group_no, m.rank_no`

// Committee lists the confirmed members of every draw of the lot, in draw
// order: the committee the evaluation works with.
func (s *Service) Committee(ctx context.Context, lotID int64) ([]CommitteeMember, error) {
	var out []CommitteeMember
	if err := s.DB.SelectContext(ctx, &out, committeeQuery, lotID); err != nil {
		return nil, fmt.Errorf("committee of lot %d: %w", lotID, err)
	}
	return out, nil
}

// ReplaceOnSite replaces a confirmed member who declared a conflict once
// the bidders were known: the member is marked recused and the next backup
// of the same group, in the draw's RFC 3797 order, takes the seat (called
// in by the centre; recorded). Without a backup left it answers a conflict
// and staff run a supplementary draw.
func (s *Service) ReplaceOnSite(ctx context.Context, lotID, expertID int64, reason string) (*CommitteeMember, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, problem.InvalidField("reason", "reason_required", "请写明回避理由")
	}
	now := s.Clock.Now()
	var out *CommitteeMember
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		out = nil
		var m struct {
			ID     int64  `db:"id"`
			DrawID int64  `db:"draw_id"`
			Group  int    `db:"group_no"`
			Code   string `db:"specialty_code"`
			Proj   int64  `db:"project_id"`
		}
		err := tx.GetContext(ctx, &m, `SELECT m.id, m.draw_id, m.group_no, m.specialty_code, d.project_id FROM expert_draw_members m
			JOIN expert_draws d ON d.id = m.draw_id
			WHERE d.lot_id = ? AND m.expert_id = ? AND m.state = 'confirmed' ORDER BY d.seq DESC LIMIT 1 FOR UPDATE`, lotID, expertID)
		if errors.Is(err, sql.ErrNoRows) {
			return problem.New(problem.NotFound, "member_not_found", "该专家不是本标段评标委员会成员")
		}
		if err != nil {
			return fmt.Errorf("find member: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE expert_draw_members SET state = ?, reply_note = ?, updated_at = ? WHERE id = ?`,
			MemberRecused, db.Clip(reason, 300), now, m.ID); err != nil {
			return fmt.Errorf("recuse member: %w", err)
		}
		var b struct {
			ID       int64 `db:"id"`
			ExpertID int64 `db:"expert_id"`
			Rank     int   `db:"rank_no"`
		}
		err = tx.GetContext(ctx, &b, `SELECT id, expert_id, rank_no FROM expert_draw_members WHERE draw_id = ? AND group_no = ? AND state = 'standby'
			ORDER BY rank_no LIMIT 1 FOR UPDATE`, m.DrawID, m.Group)
		if errors.Is(err, sql.ErrNoRows) {
			// The backups of the lot's other draws of the specialty
			// (supplementary draws), in draw order.
			err = tx.GetContext(ctx, &b, `SELECT x.id, x.expert_id, x.rank_no FROM expert_draw_members x JOIN expert_draws d ON d.id = x.draw_id
				WHERE d.lot_id = ? AND d.status <> 'cancelled' AND x.specialty_code = ? AND x.state = 'standby'
				ORDER BY d.seq, x.group_no, x.rank_no LIMIT 1 FOR UPDATE`, lotID, m.Code)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return problem.New(problem.Conflict, "no_backup_left", "该专业的候补专家已用完，请进行补充抽取")
		}
		if err != nil {
			return fmt.Errorf("next backup: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE expert_draw_members SET state = 'confirmed', replied_at = ?, reply_note = '现场递补', updated_at = ? WHERE id = ?`,
			now, now, b.ID); err != nil {
			return fmt.Errorf("promote backup: %w", err)
		}
		if err := bookingsChanged(ctx, tx, m.DrawID); err != nil {
			return err
		}
		var c CommitteeMember
		if err := tx.GetContext(ctx, &c, `SELECT m.expert_id, COALESCE(e.user_id, 0) AS user_id, e.name, m.draw_id, m.group_no, m.rank_no
			FROM expert_draw_members m JOIN experts e ON e.id = m.expert_id WHERE m.id = ?`, b.ID); err != nil {
			return fmt.Errorf("load backup: %w", err)
		}
		if c.DrawID != m.DrawID {
			if err := bookingsChanged(ctx, tx, c.DrawID); err != nil {
				return err
			}
		}
		out = &c
		return audit.Record(ctx, tx, now, audit.Event{Action: "expertdraw.replace_on_site", ObjectType: "expert_draw", ObjectID: fmt.Sprint(m.DrawID),
			ProjectID: m.Proj, Summary: map[string]any{"recused_member": m.ID, "promoted_member": b.ID, "group": m.Group}})
	})
	return out, err
}
