package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/clock"
	"ggzy/money"
	"ggzy/problem"
)

// The ports: what the evaluation needs from the other areas, declared here
// where it is used and implemented by thin adapters in cmd/trading.

// LotInfo is what the evaluation needs to know about a lot.
type LotInfo struct {
	ProjectID   int64
	ProjectCode string
	Title       string
	LotName     string
	Kind        string // trading kind: engineering, procurement, …
	AgencyOrgID int64  // the agency (or tenderer) organisation that owns the project
	Tenderer    string // 招标人, as printed in the minutes
	Agency      string // 招标代理机构; empty when the tenderer tenders itself
	Ceiling     money.Fen
	Deadline    time.Time
}

// Lots reads lots (the trading area).
type Lots interface {
	LotInfo(ctx context.Context, lotID int64) (LotInfo, error)
}

// Deposit states of an opened bid.
const (
	DepositOK        = "ok"
	DepositFailed    = "failed"
	DepositUnchecked = ""
)

// OpenedBid is one sealed bid after unsealing at the opening.
type OpenedBid struct {
	BidID       int64 // the trading area's id; a lower id is the earlier submission
	OrgID       int64
	OrgName     string
	Price       money.Fen
	Duration    string // 工期 / 交货期, as written in the bid
	Quality     string // 质量标准
	Deposit     string // DepositOK, DepositFailed or DepositUnchecked
	SubmittedAt time.Time
	Unsealed    bool
	// When Unsealed is false: why, and whether through the bidder's fault
	// (wrong key, corrupt file it uploaded). Such a bid counts as withdrawn
	// after the deadline (电子招标投标办法 31).
	Failure     string
	BidderFault bool
}

// BidOpener unseals the bids of a lot at its opening (the trading area).
type BidOpener interface {
	OpenBids(ctx context.Context, lotID int64) ([]OpenedBid, error)
}

// Member is one drawn committee member.
type Member struct {
	ExpertID int64
	UserID   int64 // the expert's login
	Name     string
}

// Committee gives a lot's drawn members and calls the next backup of the
// draw (the expert pool).
type Committee interface {
	Members(ctx context.Context, lotID int64) ([]Member, error)
	Replace(ctx context.Context, lotID, expertID int64, reason string) (*Member, error)
}

// Terminals knows the room terminals and their bookings (the schedule area).
type Terminals interface {
	// RoomOfTerminal returns the room of the active terminal holding the
	// device token, or an error (a *problem.Error for an unknown token).
	RoomOfTerminal(ctx context.Context, token string) (roomID int64, err error)
	// BookingAt returns the project of the live evaluation booking of the
	// room at t; ok is false when the room holds no evaluation then.
	BookingAt(ctx context.Context, roomID int64, t time.Time) (projectID int64, ok bool, err error)
}

// Files keeps issued documents by content (filestore.Local fits): Put
// returns the SHA-256 of what it stored as the key, Open reads it back.
type Files interface {
	Put(ctx context.Context, r io.Reader) (key string, size int64, err error)
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

// Retenderer is told, after the fact, that a lot failed at the opening or at
// the evaluation, so that the trading area returns it for re-tendering. It
// must be idempotent.
type Retenderer interface {
	Retender(ctx context.Context, lotID int64, reason string) error
}

// Service runs openings, evaluations and publicity. Each method is one
// transaction with its audit event.
type Service struct {
	DB        *sqlx.DB
	Clock     clock.Clock
	Lots      Lots
	Bids      BidOpener
	Committee Committee
	Terminals Terminals
	Files     Files      // optional: without it only the hash of an issued document is kept
	Retender  Retenderer // optional
	Deposits  Deposits   // optional: without it the deposit status copied at the unsealing stands
}

// Lot states.
const (
	StatePlanned        = "planned"         // evaluation method set, waiting for the deadline
	StateOpening        = "opening"         // bids unsealed, prices being confirmed
	StateFailedOpening  = "failed_opening"  // 流标: fewer than 3 valid bids
	StateOpened         = "opened"          // opening session closed
	StateEvaluating     = "evaluating"      // committee at work
	StateSigning        = "signing"         // result computed, members sign the report
	StateFailedEval     = "failed_eval"     // 否决所有投标 / 评标失败
	StateConcluded      = "concluded"       // report signed
	StatePublicity      = "publicity"       // candidates published
	StatePublicityEnded = "publicity_ended" // publicity over, award allowed
	StateAwarded        = "awarded"         // award notice issued
)

// StateNames are the Chinese names of the states.
var StateNames = map[string]string{
	StatePlanned: "待开标", StateOpening: "开标中（报价确认）", StateFailedOpening: "流标", StateOpened: "已开标",
	StateEvaluating: "评标中", StateSigning: "评标报告签署中", StateFailedEval: "评标失败（否决所有投标）", StateConcluded: "评标结束",
	StatePublicity: "中标候选人公示中", StatePublicityEnded: "公示期满", StateAwarded: "已发中标通知",
}

// Settings (table settings, names evaluation.*), with defaults.
const (
	SettingConfirmMinutes = "evaluation.confirm_minutes" // 报价确认 window after unsealing
	SettingPublicityDays  = "evaluation.publicity_days"  // candidate publicity, calendar days (≥ 3)
	SettingDeviation      = "evaluation.deviation"       // default deviation limit in points, e.g. "10.00"
)

const (
	defaultConfirmMinutes = 30
	defaultPublicityDays  = 3
	defaultDeviation      = Points(1000)
	minValidBids          = 3
	// PublicityEvent is the timed event that ends a lot's candidate publicity.
	PublicityEvent = "evaluation.publicity_end"
)

func lotTarget(lotID int64) string { return "lot:" + strconv.FormatInt(lotID, 10) }

// settings reads the evaluation settings.
func (s *Service) settings(ctx context.Context, q sqlx.QueryerContext) (confirm, publicity int, deviation Points, err error) {
	confirm, publicity, deviation = defaultConfirmMinutes, defaultPublicityDays, defaultDeviation
	var rows []struct {
		Name  string `db:"name"`
		Value string `db:"value"`
	}
	if err = sqlx.SelectContext(ctx, q, &rows, `SELECT name, value FROM settings WHERE name LIKE 'evaluation.%'`); err != nil {
		return 0, 0, 0, fmt.Errorf("evaluation settings: %w", err)
	}
	for _, r := range rows {
		switch r.Name {
		case SettingConfirmMinutes:
			if n, e := strconv.Atoi(r.Value); e == nil && n > 0 {
				confirm = n
			}
		case SettingPublicityDays:
			if n, e := strconv.Atoi(r.Value); e == nil && n >= 3 {
				publicity = n
			}
		case SettingDeviation:
			if p, e := ParsePoints(r.Value); e == nil {
				deviation = p
			}
		}
	}
	return confirm, publicity, deviation, nil
}

// ParsePoints reads a score written with at most two decimals ("85",
// "85.5", "85.25") without floats.
func ParsePoints(s string) (Points, error) {
	s = strings.TrimSpace(s)
	bad := problem.New(problem.Invalid, "points_invalid", "分值应为不超过两位小数的非负数，如 8.5")
	if s == "" || len(s) > 12 {
		return 0, bad
	}
	if strings.HasPrefix(s, "-") {
		return 0, problem.New(problem.Invalid, "points_negative", "分值不能为负数")
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || (dot && (frac == "" || len(frac) > 2)) {
		return 0, bad
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1_000_000 {
		return 0, bad
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return Points(w*100 + f), nil
}

// lotRow is an evaluation_lots row.
type lotRow struct {
	LotID           int64         `db:"lot_id"`
	ProjectID       int64         `db:"project_id"`
	Method          string        `db:"method"`
	Aggregation     string        `db:"aggregation"`
	Deviation       int64         `db:"deviation_limit"`
	ConfirmMinutes  int           `db:"confirm_minutes"`
	PublicityDays   int           `db:"publicity_days"`
	State           string        `db:"state"`
	OpenedAt        sql.NullTime  `db:"opened_at"`
	ConfirmUntil    sql.NullTime  `db:"confirm_until"`
	OpeningClosedAt sql.NullTime  `db:"opening_closed_at"`
	OutcomeReason   string        `db:"outcome_reason"`
	EvaluationAt    sql.NullTime  `db:"evaluation_at"`
	ChairMemberID   sql.NullInt64 `db:"chair_member_id"`
	ReviewedAt      sql.NullTime  `db:"reviewed_at"`
	SummarisedAt    sql.NullTime  `db:"summarised_at"`
	ConcludedAt     sql.NullTime  `db:"concluded_at"`
	PublicityStart  sql.NullTime  `db:"publicity_start"`
	PublicityEnd    sql.NullTime  `db:"publicity_end"`
	PausedAt        sql.NullTime  `db:"paused_at"`
	Remaining       sql.NullInt64 `db:"remaining_seconds"`
	AwardedAt       sql.NullTime  `db:"awarded_at"`
	AwardBidID      sql.NullInt64 `db:"award_bid_id"`
}

const lotColumns = `lot_id, project_id, method, aggregation, deviation_limit, confirm_minutes, publicity_days, state, opened_at,
  confirm_until, opening_closed_at, outcome_reason, evaluation_at, chair_member_id, reviewed_at, summarised_at, concluded_at, publicity_start,
  publicity_end, paused_at, remaining_seconds, awarded_at, award_bid_id`

func errLotNotFound() error {
	return problem.New(problem.NotFound, "evaluation_not_found", "该标段（包）没有评标安排")
}

// loadLot reads a lot's evaluation row, locking it when lock is set (the
// contended row of every change to the lot's evaluation).
func loadLot(ctx context.Context, q sqlx.QueryerContext, lotID int64, lock bool) (*lotRow, error) {
	query := `SELECT ` + lotColumns + ` FROM evaluation_lots WHERE lot_id = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	var l lotRow
	err := sqlx.GetContext(ctx, q, &l, query, lotID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errLotNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("evaluation of lot %d: %w", lotID, err)
	}
	return &l, nil
}

func stateConflict(l *lotRow, want string) error {
	return problem.New(problem.Conflict, "wrong_state", fmt.Sprintf("当前状态为「%s」，%s", StateNames[l.State], want))
}

// record writes an audit event of the lot.
func record(ctx context.Context, tx *sqlx.Tx, now time.Time, l *lotRow, action string, summary map[string]any) error {
	return audit.Record(ctx, tx, now, audit.Event{Action: action, ObjectType: "lot", ObjectID: strconv.FormatInt(l.LotID, 10),
		ProjectID: l.ProjectID, Summary: summary})
}

// text checks a free text: trimmed, required when required, at most max runes.
func text(f *problem.Fields, field, v string, required bool, max int, what string) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		f.Add(field, "required", "请填写"+what)
	case utf8.RuneCountInString(v) > max:
		f.Add(field, "too_long", fmt.Sprintf("%s不能超过%d字", what, max))
	}
	return v
}

// actor helpers.
func isStaff(a audit.Actor) bool      { return a.Has(accounts.RoleStaff) }
func isSupervisor(a audit.Actor) bool { return a.Has(accounts.RoleSupervisor) }

func forbidden(msg string) error { return problem.New(problem.Forbidden, "forbidden", msg) }

// lotInfo asks the trading area about a lot; an unknown lot is NotFound.
func (s *Service) lotInfo(ctx context.Context, lotID int64) (LotInfo, error) {
	if s.Lots == nil {
		return LotInfo{}, errors.New("evaluation: Lots not configured")
	}
	li, err := s.Lots.LotInfo(ctx, lotID)
	if err != nil {
		return LotInfo{}, err
	}
	return li, nil
}

// ownsLot reports whether the actor is the project's agency.
func ownsLot(a audit.Actor, li LotInfo) bool {
	return a.Has(accounts.RoleAgency) && a.OrgID != 0 && a.OrgID == li.AgencyOrgID
}
