package schedule

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// ProjectRecordings lists the recordings index entries of a project for its
// archive (一项一档), deleted ones included (DeletedAt set): the archive
// keeps the reference and when the retention sweep removed it.
func (s *Service) ProjectRecordings(ctx context.Context, projectID int64) ([]Recording, error) {
	out := []Recording{}
	if err := sqlx.SelectContext(ctx, s.DB, &out, `SELECT id, class, project_id, room_id, ref, recorded_at, size_bytes, created_at, deleted_at
		FROM recordings WHERE project_id = ? ORDER BY recorded_at, id LIMIT 2000`, projectID); err != nil {
		return nil, fmt.Errorf("recordings of project %d: %w", projectID, err)
	}
	return out, nil
}
