package approval

// The public lookup: anyone with a case number and the query code from
// the receipt sees the case's progress, the applicant's name masked and
// nothing else personal. A wrong code and an unknown number get the same
// answer, and failures from one address are throttled in the database (so
// the limit holds across instances), as logins are.

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/db"
	"ggzy/idcode"
	"ggzy/problem"
)

// PublicCase is what the lookup shows.
type PublicCase struct {
	CaseNo        string         `json:"case_no"`
	ItemName      string         `json:"item_name"`
	DeptName      string         `json:"dept_name"`
	CaseType      string         `json:"case_type"`
	ApplicantName string         `json:"applicant_name"` // masked
	Status        string         `json:"status"`
	StatusName    string         `json:"status_name"`
	ReceivedAt    time.Time      `json:"received_at"`
	MaterialsDue  *calendar.Date `json:"materials_due,omitempty"`
	Missing       []string       `json:"missing,omitempty"` // 一次性告知: what is still to hand in
	AcceptedAt    *time.Time     `json:"accepted_at,omitempty"`
	DueOn         *calendar.Date `json:"due_on,omitempty"`
	LegalDueOn    *calendar.Date `json:"legal_due_on,omitempty"`
	Decision      string         `json:"decision,omitempty"`
	DecisionName  string         `json:"decision_name,omitempty"`
	DecidedAt     *time.Time     `json:"decided_at,omitempty"`
	DeliveredAt   *time.Time     `json:"delivered_at,omitempty"`
	// DeliverDueOn: a decided case's last day of delivery (行政许可法 44).
	DeliverDueOn *calendar.Date `json:"deliver_due_on,omitempty"`
	// Extension: the applicant is told the extension and its reason
	// (行政许可法 42); DueOn and LegalDueOn are the extended dates.
	Extension *PublicExtension `json:"extension,omitempty"`
	// Suspensions: the stops of the clock (行政许可法 45) as the applicant
	// was told them: the procedure, the time it needs and, once resumed,
	// the working days it stood (DueOn and LegalDueOn are moved by them).
	Suspensions []PublicSuspension `json:"suspensions,omitempty"`
}

// PublicSuspension is a stop of the clock as the applicant is told it.
type PublicSuspension struct {
	Procedure    string         `json:"procedure"`
	StartedOn    calendar.Date  `json:"started_on"`
	ExpectedDays int            `json:"expected_days,omitempty"`
	EndedOn      *calendar.Date `json:"ended_on,omitempty"`
	Days         int            `json:"days"`
}

// PublicExtension is an extension as the applicant is told it: the days,
// the reason and the day, not who approved or entered it.
type PublicExtension struct {
	Days       int           `json:"days"`
	Reason     string        `json:"reason"`
	ExtendedOn calendar.Date `json:"extended_on"`
}

// LookupThrottle limits failed lookups per client address.
type LookupThrottle struct {
	Window   time.Duration // failures count within this window
	Max      int           // failures before a lock
	Lock     time.Duration // how long a lock lasts
	Disabled bool
}

// DefaultLookupThrottle locks an address for 15 minutes after 10 failed
// lookups within 15 minutes.
var DefaultLookupThrottle = LookupThrottle{Window: 15 * time.Minute, Max: 10, Lock: 15 * time.Minute}

func errLookupFailed() error {
	return problem.New(problem.NotFound, "lookup_failed", "办件编号或查询码不正确，请核对受理通知书")
}

// MaskName hides a name but its first character (and, for names of four
// characters or more, its last): 张*、王*明、示范********公司.
func MaskName(s string) string {
	r := []rune(strings.TrimSpace(s))
	switch n := len(r); {
	case n == 0:
		return ""
	case n <= 3:
		return string(r[0]) + strings.Repeat("*", n-1)
	case n <= 6:
		return string(r[0]) + strings.Repeat("*", n-2) + string(r[n-1])
	default:
		return string(r[:2]) + strings.Repeat("*", n-4) + string(r[n-2:])
	}
}

// Lookup finds a case by number and query code for anyone (ip is the
// client's address, for the throttle).
func (s *Service) Lookup(ctx context.Context, caseNo, code, ip string) (*PublicCase, error) {
	id, err := s.VerifyQueryCode(ctx, caseNo, code, ip)
	if err != nil {
		return nil, err
	}
	c, err := s.loadCase(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	out := &PublicCase{CaseNo: c.CaseNo, ItemName: c.ItemName, DeptName: c.DeptName, CaseType: c.CaseType,
		ApplicantName: MaskName(c.ApplicantName), Status: c.Status, StatusName: c.StatusName, ReceivedAt: c.ReceivedAt,
		AcceptedAt: c.AcceptedAt, DueOn: c.DueOn, LegalDueOn: c.LegalDueOn, Decision: c.Decision, DecisionName: c.DecisionName(),
		DecidedAt: c.DecidedAt, DeliveredAt: c.DeliveredAt}
	if c.Status == CaseIncomplete {
		out.MaterialsDue = c.MaterialsDue
		out.Missing = c.Missing()
	}
	if c.Status == CaseDecided {
		out.DeliverDueOn = c.DeliverDueOn
	}
	if x := c.Extension; x != nil {
		out.Extension = &PublicExtension{Days: x.Days, Reason: x.Reason, ExtendedOn: x.ExtendedOn()}
	}
	for _, sp := range c.Suspensions {
		ps := PublicSuspension{Procedure: sp.ReasonName, StartedOn: sp.StartedOn, EndedOn: sp.EndedOn, Days: sp.Days}
		if sp.ExpectedDays != nil {
			ps.ExpectedDays = *sp.ExpectedDays
		}
		out.Suspensions = append(out.Suspensions, ps)
	}
	return out, nil
}

// VerifyQueryCode checks a case number and query code as the public lookup
// does (the same throttle per address ip, the same answer for an unknown
// number and a wrong code: 404 lookup_failed; 429 lookup_throttled) and
// returns the case's id. Field errors name case_no and query_code.
func (s *Service) VerifyQueryCode(ctx context.Context, caseNo, code, ip string) (int64, error) {
	caseNo = strings.ToUpper(strings.TrimSpace(idcode.HalfWidth(caseNo)))
	code = NormalizeQueryCode(code)
	var f problem.Fields
	if caseNo == "" {
		f.Add("case_no", "required", "请填写办件编号")
	} else if utf8.RuneCountInString(caseNo) > 32 {
		f.Add("case_no", "too_long", "办件编号不超过32个字符")
	}
	if code == "" {
		f.Add("query_code", "required", "请填写查询码")
	} else if utf8.RuneCountInString(code) > 32 {
		f.Add("query_code", "too_long", "查询码不超过32个字符")
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	p := s.Throttle
	if p == (LookupThrottle{}) {
		p = DefaultLookupThrottle
	}
	key := "ip:" + db.Clip(ip, 60)
	if !p.Disabled {
		var until sql.NullTime
		err := s.DB.GetContext(ctx, &until, `SELECT locked_until FROM approval_lookup_throttle WHERE throttle_key = ?`, key)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("lookup throttle: %w", err)
		}
		if until.Valid && until.Time.After(now) {
			e := problem.New(problem.TooMany, "lookup_throttled", "查询失败次数过多，请稍后再试")
			e.RetryAfterSeconds = int(until.Time.Sub(now).Seconds()) + 1
			return 0, e
		}
	}
	var r struct {
		ID   int64  `db:"id"`
		Hash string `db:"lookup_hash"`
	}
	err := s.DB.GetContext(ctx, &r, `SELECT id, lookup_hash FROM approval_cases WHERE case_no = ?`, caseNo)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("look up case: %w", err)
	}
	want := s.lookupHash(code) // computed either way: the same work for an unknown number
	if err != nil || subtle.ConstantTimeCompare([]byte(want), []byte(r.Hash)) != 1 {
		if !p.Disabled {
			if terr := s.failLookup(ctx, key, p, now); terr != nil {
				return 0, terr
			}
		}
		return 0, errLookupFailed()
	}
	return r.ID, nil
}

// failLookup counts a failed lookup against key, locking it past the
// limit, and records the attempt in the audit trail.
func (s *Service) failLookup(ctx context.Context, key string, p LookupThrottle, now time.Time) error {
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO approval_lookup_throttle (throttle_key, failures, window_start) VALUES (?, 0, ?)
			ON DUPLICATE KEY UPDATE throttle_key = throttle_key`, key, now); err != nil {
			return fmt.Errorf("lookup throttle row: %w", err)
		}
		var row struct {
			Failures    int       `db:"failures"`
			WindowStart time.Time `db:"window_start"`
		}
		if err := tx.GetContext(ctx, &row, `SELECT failures, window_start FROM approval_lookup_throttle WHERE throttle_key = ? FOR UPDATE`, key); err != nil {
			return fmt.Errorf("lock lookup throttle: %w", err)
		}
		if now.Sub(row.WindowStart) > p.Window {
			row.Failures, row.WindowStart = 0, now
		}
		row.Failures++
		var locked any
		if row.Failures >= p.Max {
			locked = now.Add(p.Lock)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_lookup_throttle SET failures = ?, window_start = ?, locked_until = ? WHERE throttle_key = ?`,
			row.Failures, row.WindowStart, locked, key); err != nil {
			return fmt.Errorf("update lookup throttle: %w", err)
		}
		a := audit.ActorFrom(ctx)
		return audit.RecordAs(ctx, tx, a, now, audit.Event{Action: "approval.lookup_failed", ObjectType: "approval_lookup", ObjectID: key,
			Summary: map[string]any{"failures": row.Failures}})
	})
}
