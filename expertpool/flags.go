package expertpool

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/problem"
)

// AgencyDraw is one expert drawn onto the committee of a lot whose draw
// names an agency: what the supervisors' red flag "the same experts again
// and again with the same agency" (package flags) counts.
type AgencyDraw struct {
	DrawID      int64     `db:"draw_id"`
	ProjectID   int64     `db:"project_id"`
	LotID       int64     `db:"lot_id"`
	AgencyOrgID int64     `db:"agency_org_id"`
	ExpertID    int64     `db:"expert_id"`
	ExpertName  string    `db:"expert_name"`
	DrawnAt     time.Time `db:"drawn_at"`
}

// AgencyDraws returns, for the given lots, every expert drawn onto a
// committee (invited or confirmed: the members a draw books, as the
// avoidance rule too_frequent counts them; backups never called and experts
// who declined or did not answer are not) by a draw that names an agency,
// for supervisors (who see drawn names on every draw).
func (s *Service) AgencyDraws(ctx context.Context, lotIDs []int64) ([]AgencyDraw, error) {
	// Supervisors only: they see drawn experts' names on every draw, staff
	// only on the draws they ran (view.go).
	if a := audit.ActorFrom(ctx); !a.Has("supervisor") {
		return nil, problem.New(problem.Forbidden, "forbidden", "无权查看抽取结果")
	}
	var out []AgencyDraw
	const chunk = 500
	for start := 0; start < len(lotIDs); start += chunk {
		ids := lotIDs[start:min(start+chunk, len(lotIDs))]
		q, args, err := sqlx.In(`SELECT d.id AS draw_id, d.project_id, d.lot_id, d.agency_org_id, m.expert_id, e.name AS expert_name, d.drawn_at
			FROM expert_draws d JOIN expert_draw_members m ON m.draw_id = d.id JOIN experts e ON e.id = m.expert_id
			WHERE d.lot_id IN (?) AND d.status IN (?, ?) AND d.agency_org_id IS NOT NULL AND d.drawn_at IS NOT NULL AND m.state IN (?, ?)
			ORDER BY d.drawn_at, d.id, m.id`, ids, DrawDrawn, DrawPublished, MemberNotified, MemberConfirmed)
		if err != nil {
			return nil, err
		}
		var rows []AgencyDraw
		if err := s.DB.SelectContext(ctx, &rows, s.DB.Rebind(q), args...); err != nil {
			return nil, fmt.Errorf("agency draws: %w", err)
		}
		out = append(out, rows...)
	}
	return out, nil
}
