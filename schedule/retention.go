package schedule

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// Kinds of the timed events this package owns.
const (
	KindRetentionSweep = "schedule.retention_sweep" // nightly; target: the occurrence
	KindStatistics     = "schedule.statistics"      // nightly; target: the occurrence
)

// Nightly times (Asia/Shanghai, cron with seconds).
const (
	RetentionSpec  = "0 30 2 * * *" // 02:30
	StatisticsSpec = "0 0 3 * * *"  // 03:00
)

// RegisterJobs registers the nightly retention sweep and statistics job on
// the engine.
func (s *Service) RegisterJobs(e *Engine) error {
	if err := e.Every(KindRetentionSweep, RetentionSpec, func(ctx context.Context, target string) error {
		_, err := s.SweepRetention(ctx, target)
		return err
	}); err != nil {
		return err
	}
	return e.Every(KindStatistics, StatisticsSpec, func(ctx context.Context, target string) error {
		_, err := s.ComputeStatistics(ctx, target)
		return err
	})
}

// RecordingStore removes recording files from wherever they are kept (the
// recording system). Delete must succeed when the file is already gone.
type RecordingStore interface {
	Delete(ctx context.Context, ref string) error
}

// A RecordingStore may also say which refs it keeps (Keeps): the sweep then
// removes files only for those, and logs the others as left to the system
// that keeps them.
type recordingKeeper interface {
	Keeps(ref string) bool
}

// removesFile reports whether the store removes the file behind ref.
func (s *Service) removesFile(ref string) bool {
	if s.RecordingFiles == nil {
		return false
	}
	if k, ok := s.RecordingFiles.(recordingKeeper); ok {
		return k.Keeps(ref)
	}
	return true
}

// RecordingClass is a class of recordings with its retention period.
type RecordingClass struct {
	Class         string    `db:"class" json:"class"`
	Name          string    `db:"name" json:"name"`
	RetentionDays int       `db:"retention_days" json:"retention_days"`
	UpdatedAt     time.Time `db:"updated_at" json:"updated_at"`
}

// Recording is an entry of the recordings index: a reference to a recording
// kept elsewhere. Entries the retention sweep removed keep their row with
// DeletedAt set, as the record of the deletion.
type Recording struct {
	ID         int64         `db:"id" json:"id"`
	Class      string        `db:"class" json:"class"`
	ProjectID  sql.NullInt64 `db:"project_id" json:"-"`
	RoomID     sql.NullInt64 `db:"room_id" json:"-"`
	Ref        string        `db:"ref" json:"ref"`
	RecordedAt time.Time     `db:"recorded_at" json:"recorded_at"`
	SizeBytes  int64         `db:"size_bytes" json:"size_bytes"`
	CreatedAt  time.Time     `db:"created_at" json:"created_at"`
	DeletedAt  sql.NullTime  `db:"deleted_at" json:"-"`
}

// RecordingClasses lists the classes.
func (s *Service) RecordingClasses(ctx context.Context) ([]RecordingClass, error) {
	out := []RecordingClass{}
	if err := sqlx.SelectContext(ctx, s.DB, &out, `SELECT class, name, retention_days, updated_at FROM recording_classes ORDER BY retention_days, class`); err != nil {
		return nil, fmt.Errorf("recording classes: %w", err)
	}
	return out, nil
}

// SetRetention sets how many days recordings of a class are kept.
func (s *Service) SetRetention(ctx context.Context, class string, days int) error {
	if days < 1 || days > 36500 {
		return problem.InvalidField("retention_days", "retention_invalid", "保存期限应为1到36500天")
	}
	now := s.Clock.Now().UTC()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var old int
		err := tx.GetContext(ctx, &old, `SELECT retention_days FROM recording_classes WHERE class = ? FOR UPDATE`, class)
		if err == db.ErrNoRows {
			return problem.New(problem.NotFound, "recording_class_not_found", "录像类别不存在")
		}
		if err != nil {
			return fmt.Errorf("recording class %s: %w", class, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE recording_classes SET retention_days = ?, updated_by = ?, updated_at = ? WHERE class = ?`,
			days, nullID(audit.ActorFrom(ctx).UserID), now, class); err != nil {
			return fmt.Errorf("set retention of %s: %w", class, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "retention.set", ObjectType: "recording_class", ObjectID: class,
			Summary: map[string]any{"before_days": old, "days": days}})
	})
}

// RecordingInput is a new entry of the recordings index.
type RecordingInput struct {
	Class      string
	ProjectID  int64
	RoomID     int64
	Ref        string
	RecordedAt string // local time or RFC 3339
	SizeBytes  int64
}

// AddRecording adds an entry to the recordings index.
func (s *Service) AddRecording(ctx context.Context, in RecordingInput) (int64, error) {
	var f problem.Fields
	in.Ref = strings.TrimSpace(in.Ref)
	if in.Ref == "" {
		f.Add("ref", "required", "请填写录像存放位置")
	} else if utf8.RuneCountInString(in.Ref) > 500 {
		f.Add("ref", "too_long", "存放位置不能超过500个字符")
	}
	at, err := ParseLocal(strings.TrimSpace(in.RecordedAt))
	f.AddErr("recorded_at", err)
	if in.SizeBytes < 0 {
		f.Add("size_bytes", "size_invalid", "文件大小不能为负")
	}
	if in.ProjectID < 0 {
		f.Add("project_id", "project_not_found", "项目编号不正确")
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	if s.Projects != nil && in.ProjectID > 0 {
		if _, err := s.Projects.ProjectTitle(ctx, in.ProjectID); err != nil {
			if p, ok := problem.As(err); ok {
				return 0, problem.InvalidField("project_id", p.Code, p.Message)
			}
			return 0, err
		}
	}
	now := s.Clock.Now().UTC()
	if at.After(now) {
		return 0, problem.InvalidField("recorded_at", "recorded_in_future", "录制时间不能晚于当前时间")
	}
	var id int64
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM recording_classes WHERE class = ?`, in.Class); err != nil {
			return err
		}
		if n == 0 {
			return problem.InvalidField("class", "recording_class_not_found", "录像类别不存在")
		}
		if in.RoomID != 0 {
			if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM rooms WHERE id = ?`, in.RoomID); err != nil {
				return err
			}
			if n == 0 {
				return problem.InvalidField("room_id", "room_not_found", fmt.Sprintf("场地 %d 不存在", in.RoomID))
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO recordings (class, project_id, room_id, ref, recorded_at, size_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			in.Class, nullID(in.ProjectID), nullID(in.RoomID), in.Ref, at, in.SizeBytes, now)
		if err != nil {
			return fmt.Errorf("add recording: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "recording.add", ObjectType: "recording", ObjectID: fmt.Sprint(id),
			ProjectID: in.ProjectID, Summary: map[string]any{"class": in.Class, "ref": in.Ref, "recorded_at": at}})
	})
	return id, err
}

// Recordings lists index entries of a class, newest first; deleted ones
// only when asked.
func (s *Service) Recordings(ctx context.Context, class string, deleted bool, limit int) ([]Recording, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	q := `SELECT id, class, project_id, room_id, ref, recorded_at, size_bytes, created_at, deleted_at FROM recordings WHERE class = ? AND deleted_at IS NULL`
	if deleted {
		q = strings.Replace(q, "IS NULL", "IS NOT NULL", 1)
	}
	out := []Recording{}
	if err := sqlx.SelectContext(ctx, s.DB, &out, q+` ORDER BY recorded_at DESC, id DESC LIMIT ?`, class, limit); err != nil {
		return nil, fmt.Errorf("recordings of %s: %w", class, err)
	}
	return out, nil
}

// RetentionResult counts what a sweep deleted per class.
type RetentionResult map[string]int

// retentionBatch is how many entries one transaction deletes.
const retentionBatch = 200

// SweepRetention deletes the index entries (and, when a RecordingStore is
// wired, the files) of recordings older than their class's retention: an
// entry recorded at r is deleted only when r + retention < now, so nothing
// inside its retention is ever deleted. Each deletion is written to the
// audit trail in the transaction that marks the entry deleted. Running it
// again deletes nothing more.
func (s *Service) SweepRetention(ctx context.Context, occurrence string) (RetentionResult, error) {
	classes, err := s.RecordingClasses(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now().UTC()
	out := RetentionResult{}
	for _, c := range classes {
		cutoff := now.Add(-time.Duration(c.RetentionDays) * 24 * time.Hour)
		for {
			n, err := s.retentionBatch(ctx, c, cutoff, now, occurrence)
			out[c.Class] += n
			if err != nil {
				return out, fmt.Errorf("retention sweep of %s: %w", c.Class, err)
			}
			if n < retentionBatch {
				break
			}
		}
	}
	return out, nil
}

func (s *Service) retentionBatch(ctx context.Context, c RecordingClass, cutoff, now time.Time, occurrence string) (int, error) {
	n := 0
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		n = 0
		var due []Recording
		if err := tx.SelectContext(ctx, &due, `SELECT id, class, project_id, room_id, ref, recorded_at, size_bytes, created_at, deleted_at
			FROM recordings WHERE class = ? AND deleted_at IS NULL AND recorded_at < ? ORDER BY recorded_at, id LIMIT ? FOR UPDATE`,
			c.Class, cutoff, retentionBatch); err != nil {
			return err
		}
		for _, r := range due {
			remove := s.removesFile(r.Ref)
			// The same file may be indexed twice (the same bytes kept by a
			// content-addressed store, or a ref entered again); it goes only
			// with the last live entry, so nothing inside its retention
			// loses its file.
			shared := 0
			if remove {
				if err := tx.GetContext(ctx, &shared, `SELECT COUNT(*) FROM recordings WHERE ref = ? AND id <> ? AND deleted_at IS NULL`, r.Ref, r.ID); err != nil {
					return fmt.Errorf("entries sharing %s: %w", r.Ref, err)
				}
				remove = shared == 0
			}
			if remove {
				if err := s.RecordingFiles.Delete(ctx, r.Ref); err != nil {
					return fmt.Errorf("delete recording file %s: %w", r.Ref, err)
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE recordings SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL AND recorded_at < ?`,
				now, r.ID, cutoff); err != nil {
				return err
			}
			if err := audit.RecordAs(ctx, tx, audit.System, now, audit.Event{Action: "recording.delete", ObjectType: "recording",
				ObjectID: fmt.Sprint(r.ID), ProjectID: r.ProjectID.Int64, Summary: map[string]any{"class": r.Class, "ref": r.Ref,
					"recorded_at": r.RecordedAt, "retention_days": c.RetentionDays, "sweep": occurrence, "file_removed": remove, "file_shared": shared}}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
