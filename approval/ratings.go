package approval

// 好差评: the applicant rates a decided or delivered case once, through the
// public lookup (case number and query code); a rating of 不满意 or 非常不满意
// opens a rectification (整改) due in 15 工作日 for the case's lead
// department, which records what it did. Ratings are public only as
// aggregates (stats.go).

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/problem"
)

// Rating levels: 5 非常满意 … 1 非常不满意.
const (
	RatingVerySatisfied   = 5
	RatingSatisfied       = 4
	RatingFair            = 3
	RatingUnsatisfied     = 2
	RatingVeryUnsatisfied = 1
)

// RatingNames are the five levels' names.
var RatingNames = map[int]string{5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}

// RatingLevels lists the levels from best to worst (for forms).
var RatingLevels = []int{5, 4, 3, 2, 1}

// Rules of 好差评.
const (
	// BadRating: a rating at or below it opens a rectification.
	BadRating = RatingUnsatisfied
	// RectifyDays is the rectification's limit in working days.
	RectifyDays = 15
	// SatisfiedRating: a rating at or above it counts as satisfied (满意率).
	SatisfiedRating = RatingSatisfied
	// MaxRatingComment and MaxRectifyNote are the longest texts, in characters.
	MaxRatingComment = 1000
	MaxRectifyNote   = 2000
)

// RatingInput is the applicant's rating, with the lookup's credentials.
type RatingInput struct {
	CaseNo  string
	Code    string // the query code on the receipt
	Level   int
	Comment string
	IP      string // the client's address, for the lookup's throttle
}

// Rated is what the applicant is told after rating.
type Rated struct {
	CaseNo       string `json:"case_no"`
	Level        int    `json:"level"`
	LevelName    string `json:"level_name"`
	Rectify      bool   `json:"rectify"`                  // a rectification was opened
	RectifyDueOn string `json:"rectify_due_on,omitempty"` // its limit
}

// Rate records the applicant's rating of a decided or delivered case, once.
// The case number and query code are checked as the public lookup checks
// them (the same throttle against guessing); the rating is written with its
// audit event (which holds the level, not the comment), and a bad rating
// sets the rectification's limit.
func (s *Service) Rate(ctx context.Context, in RatingInput) (Rated, error) {
	var fs problem.Fields
	if in.Level < RatingVeryUnsatisfied || in.Level > RatingVerySatisfied {
		fs.Add("level", "rating_level", "请选择评价：非常满意、满意、基本满意、不满意或非常不满意")
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(in.Comment) > MaxRatingComment {
		fs.Add("comment", "too_long", fmt.Sprintf("评价意见不能超过%d个字", MaxRatingComment))
	}
	if !fs.Empty() {
		// Name every fault at once, the lookup's own fields included.
		if strings.TrimSpace(in.CaseNo) == "" {
			fs.Add("case_no", "required", "请填写办件编号")
		}
		if strings.TrimSpace(in.Code) == "" {
			fs.Add("query_code", "required", "请填写查询码")
		}
		return Rated{}, fs.Err()
	}
	caseID, err := s.VerifyQueryCode(ctx, in.CaseNo, in.Code, in.IP)
	if err != nil {
		return Rated{}, err
	}
	now := s.Clock.Now()
	today := calendar.DateOf(now, clock.Shanghai)
	out := Rated{Level: in.Level, LevelName: RatingNames[in.Level]}
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var c struct {
			CaseNo string `db:"case_no"`
			Status string `db:"status"`
			Lead   int64  `db:"dept_org_id"`
		}
		if err := tx.GetContext(ctx, &c, `SELECT c.case_no, c.status, c.lead_org_id AS dept_org_id FROM approval_cases c
			WHERE c.id = ? FOR UPDATE`, caseID); err != nil {
			return fmt.Errorf("rate case %d: %w", caseID, err)
		}
		out.CaseNo = c.CaseNo
		if c.Status != CaseDecided && c.Status != CaseDelivered {
			return problem.New(problem.Conflict, "case_not_decided", "办件办结后才能评价")
		}
		var due any
		if in.Level <= BadRating {
			cal, err := s.Calendar.Calendar(ctx)
			if err != nil {
				return err
			}
			d := cal.AddWorkingDays(today, RectifyDays)
			due, out.Rectify, out.RectifyDueOn = dateArg(d), true, d.String()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO approval_ratings (case_id, level, comment, rated_at, rectify_due_on) VALUES (?, ?, ?, ?, ?)`,
			caseID, in.Level, in.Comment, now, due); err != nil {
			if db.Number(err) == db.ErrDupEntry {
				return problem.New(problem.Conflict, "already_rated", "这个办件已经评价过，每个办件只能评价一次")
			}
			return fmt.Errorf("rate case %d: %w", caseID, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.rate", ObjectType: "approval_case", ObjectID: strconv.FormatInt(caseID, 10),
			Summary: map[string]any{"case_no": c.CaseNo, "level": in.Level, "comment_chars": utf8.RuneCountInString(in.Comment),
				"dept_org_id": c.Lead, "rectify_due_on": out.RectifyDueOn}})
	})
	if err != nil {
		return Rated{}, err
	}
	return out, nil
}

// Rectification is a bad rating's rectification as its department and the
// supervisors see it (with the rating's comment: the applicant wrote it for
// the department to act on).
type Rectification struct {
	CaseID      int64      `db:"case_id" json:"case_id"`
	CaseNo      string     `db:"case_no" json:"case_no"`
	ItemName    string     `db:"item_name" json:"item_name"`
	DeptID      int64      `db:"dept_org_id" json:"dept_org_id"`
	DeptName    string     `db:"dept_name" json:"dept_name"`
	Level       int        `db:"level" json:"level"`
	LevelName   string     `db:"-" json:"level_name"`
	Comment     string     `db:"comment" json:"comment"`
	RatedAt     time.Time  `db:"rated_at" json:"rated_at"`
	DueOnTime   time.Time  `db:"rectify_due_on" json:"-"`
	DueOn       string     `db:"-" json:"due_on"`
	RectifiedAt *time.Time `db:"rectified_at" json:"rectified_at,omitempty"`
	Note        string     `db:"rectify_note" json:"note"`
	RectifiedBy string     `db:"rectified_by_name" json:"rectified_by,omitempty"`
	Overdue     bool       `db:"-" json:"overdue"` // not recorded and past its limit
}

// RectificationFilter narrows the list.
type RectificationFilter struct {
	Open   bool  // only those not recorded
	DeptID int64 // supervisors: one department (0: all)
}

const selectRectifications = `SELECT r.case_id, c.case_no, i.name AS item_name, c.lead_org_id AS dept_org_id, COALESCE(o.name, '') AS dept_name,
	r.level, r.comment, r.rated_at, r.rectify_due_on, r.rectified_at, r.rectify_note, COALESCE(u.display_name, '') AS rectified_by_name
	FROM approval_ratings r
	JOIN approval_cases c ON c.id = r.case_id
	JOIN approval_items i ON i.id = c.item_id
	LEFT JOIN organisations o ON o.id = c.lead_org_id
	LEFT JOIN users u ON u.id = r.rectified_by
	WHERE r.rectify_due_on IS NOT NULL AND (? = 0 OR c.lead_org_id = ?) AND (? = 0 OR r.rectified_at IS NULL)
	ORDER BY r.rectify_due_on, r.case_id
	LIMIT 1000`

// Rectifications lists the bad ratings' rectifications, earliest limit
// first: every department's for supervisors, an approver's own
// department's only.
func (s *Service) Rectifications(ctx context.Context, f RectificationFilter) ([]Rectification, error) {
	var err error
	if f.DeptID, err = watchedDept(ctx, f.DeptID, "整改"); err != nil {
		return nil, err
	}
	open := 0
	if f.Open {
		open = 1
	}
	var list []Rectification
	if err := sqlx.SelectContext(ctx, s.DB, &list, selectRectifications, f.DeptID, f.DeptID, open); err != nil {
		return nil, fmt.Errorf("list rectifications: %w", err)
	}
	today := calendar.DateOf(s.Clock.Now(), clock.Shanghai)
	for i := range list {
		r := &list[i]
		due := calendar.DateOf(r.DueOnTime, time.UTC)
		r.DueOn, r.LevelName = due.String(), RatingNames[r.Level]
		r.Overdue = r.RectifiedAt == nil && due.Before(today)
	}
	return list, nil
}

// Rectify records what the lead department did about a bad rating (an
// approver of that department, once); one recorded late is kept, and its
// red warning stays in the record.
func (s *Service) Rectify(ctx context.Context, caseID int64, note string) error {
	a, err := requireRole(ctx, accounts.RoleApprover, "只有审批部门可以记录整改")
	if err != nil {
		return err
	}
	var fs problem.Fields
	note = checkText(&fs, "note", "整改情况", note, MaxRectifyNote)
	if err := fs.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var r struct {
			Lead       int64        `db:"dept_org_id"`
			Due        sql.NullTime `db:"rectify_due_on"`
			Rectified  sql.NullTime `db:"rectified_at"`
			CaseNo     string       `db:"case_no"`
			RatedLevel int          `db:"level"`
		}
		err := tx.GetContext(ctx, &r, `SELECT c.lead_org_id AS dept_org_id, r.rectify_due_on, r.rectified_at, c.case_no, r.level
			FROM approval_ratings r JOIN approval_cases c ON c.id = r.case_id
			WHERE r.case_id = ? FOR UPDATE`, caseID)
		if err == sql.ErrNoRows || (err == nil && (r.Lead != a.OrgID || !r.Due.Valid)) {
			return problem.New(problem.NotFound, "not_found", "没有这项整改")
		}
		if err != nil {
			return fmt.Errorf("rectify case %d: %w", caseID, err)
		}
		if r.Rectified.Valid {
			return problem.New(problem.Conflict, "rectification_recorded", "这项整改已经记录")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_ratings SET rectified_at = ?, rectify_note = ?, rectified_by = ? WHERE case_id = ?`,
			now, note, a.UserID, caseID); err != nil {
			return fmt.Errorf("rectify case %d: %w", caseID, err)
		}
		due := calendar.DateOf(r.Due.Time, time.UTC)
		return audit.Record(ctx, tx, now, audit.Event{Action: "approval.rectify", ObjectType: "approval_case", ObjectID: strconv.FormatInt(caseID, 10),
			Summary: map[string]any{"case_no": r.CaseNo, "due_on": due.String(), "late": due.Before(calendar.DateOf(now, clock.Shanghai)),
				"note_chars": utf8.RuneCountInString(note)}})
	})
}
