package trading

// Fixed-price selection (固定价比选, DOMAIN.md §5, issue 5): government-invested
// works with a control price below ¥2,000,000.00 are not tendered; the price
// is fixed in advance (control price less a published down-float rate) and the
// contractor is drawn at random, in public, from those who qualify.
//
// A selection is a trading project row (kind engineering, method
// fixed_price) plus a fixedprice_selections row with the terms. Its life:
//
//	draft → published (application window open until apply_until, exclusive)
//	      → prepared  (window closed, every application reviewed, pool frozen,
//	                   hashed and the server secret committed)
//	      → publicity (witness numbers entered, RFC 3797 draw run, result public)
//	      → confirming (publicity over: the current winner must confirm)
//	      → confirmed → contracted, or failed when the backups run out.
//
// A winner who declines, misses a deadline or has its selection cancelled by
// staff (取消中选资格, only when blacklisted or no longer active since the
// draw) makes way for the next backup; a backup blacklisted when its turn
// comes is skipped.
//
// Every state change is one transaction with its audit event.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/money"
	"ggzy/problem"
	"ggzy/settings"
	"ggzy/vault"
)

// MethodFixedPrice is the trading method code of fixed-price selection.
const MethodFixedPrice = "fixed_price"

// FixedPriceCeiling is the control price at and above which a project must
// be tendered: ¥2,000,000.00 (DOMAIN.md §5.1). Only prices strictly below it
// may use fixed-price selection.
const FixedPriceCeiling money.Fen = 2_000_000_00

// FixedPriceRounding is the one rule by which the fixed price is brought to
// the fen: control price × (1 − rate), computed exactly, rounded half up
// (四舍五入到分). It is printed on the announcement.
const FixedPriceRounding = money.RoundHalfUp

// Timed-event kinds of fixed-price selection; targets are "selection:<id>".
const (
	FixedPricePublicityEnd    = "fixedprice.publicity_end"
	FixedPriceConfirmDeadline = "fixedprice.confirm_deadline"
	FixedPriceContractDue     = "fixedprice.contract_deadline"
)

// Selection statuses.
const (
	FPDraft      = "draft"
	FPPublished  = "published"
	FPPrepared   = "prepared"
	FPPublicity  = "publicity"
	FPConfirming = "confirming"
	FPConfirmed  = "confirmed"
	FPContracted = "contracted"
	FPFailed     = "failed"
)

// FPStatusNames are the Chinese names of selection statuses.
var FPStatusNames = map[string]string{
	FPDraft: "草稿", FPPublished: "比选公告已发布", FPPrepared: "待抽取（入围名单已固定）", FPPublicity: "结果公示中",
	FPConfirming: "待中选人确认", FPConfirmed: "已确认，待签订合同", FPContracted: "已签订合同", FPFailed: "比选失败（候补用尽）",
}

// Application statuses.
const (
	AppPending   = "pending"
	AppQualified = "qualified"
	AppRejected  = "rejected"
)

// AppStatusNames are the Chinese names of application statuses.
var AppStatusNames = map[string]string{AppPending: "待审查", AppQualified: "资格审查合格", AppRejected: "资格审查不合格"}

// Award states.
const (
	AwardWaiting    = "waiting"
	AwardPublicity  = "publicity"
	AwardPending    = "pending"
	AwardConfirmed  = "confirmed"
	AwardContracted = "contracted"
	AwardCompleted  = "completed"
	AwardDeclined   = "declined"
	AwardLapsed     = "lapsed"
	// AwardRevoked: staff cancelled the selection of a winner blacklisted
	// (or no longer active) after the draw (取消中选资格).
	AwardRevoked = "revoked"
	// AwardSkipped: a backup blacklisted when its turn came, passed over.
	AwardSkipped = "skipped"
)

// AwardStateNames are the Chinese names of award states.
var AwardStateNames = map[string]string{
	AwardWaiting: "候补", AwardPublicity: "中选公示中", AwardPending: "待确认", AwardConfirmed: "已确认",
	AwardContracted: "已签订合同", AwardCompleted: "已完成", AwardDeclined: "已放弃", AwardLapsed: "逾期未确认或未签约",
	AwardRevoked: "已取消中选资格", AwardSkipped: "递补时在黑名单中，未递补",
}

// activeAwardStates hold a contractor and its project manager on a project.
const activeAwardStates = `'publicity','pending','confirmed','contracted'`

// FixedPriceSettings are the numbers of DOMAIN.md §5, each a setting
// (settings table, names "fixedprice.*"); the defaults are in brackets.
type FixedPriceSettings struct {
	WindowDays      int               // fixedprice.window_days: minimum application window [5]
	WindowDayKind   calendar.DayCount // fixedprice.window_day_kind: "calendar" or "working" [calendar]
	PublicityDays   int               // fixedprice.publicity_days: result publicity [3]
	ConfirmDays     int               // fixedprice.confirm_days: the winner confirms within [5]
	ContractDays    int               // fixedprice.contract_days: contract signed within, after confirmation [30]
	MaxActiveAwards int               // fixedprice.max_active_awards (K): excluded when holding this many active awards [2]
	WinCooldownDays int               // fixedprice.win_cooldown_days (D): excluded after a win within this many days [30]
	Backups         int               // fixedprice.backups: default number of backups (候补) [3]
	MinWitnesses    int               // fixedprice.min_witnesses: witness sources before the draw [2]
	// CeilingYuan (fixedprice.ceiling_yuan): a control price at or above it
	// must be tendered [2,000,000]. A locality may set a lower ceiling; the
	// database keeps 2,000,000 as a second guard, so a higher one needs a
	// migration (the county practice this models is "200万元以下").
	CeilingYuan int
}

// Ceiling is the ceiling in fen.
func (st FixedPriceSettings) Ceiling() money.Fen { return money.FromYuan(int64(st.CeilingYuan)) }

// DefaultFixedPriceSettings are used for settings not in the table.
var DefaultFixedPriceSettings = FixedPriceSettings{WindowDays: 5, PublicityDays: 3, ConfirmDays: 5, ContractDays: 30,
	MaxActiveAwards: 2, WinCooldownDays: 30, Backups: 3, MinWitnesses: 2, CeilingYuan: int(FixedPriceCeiling / 100)}

// LoadFixedPriceSettings reads the settings.
func LoadFixedPriceSettings(ctx context.Context, q sqlx.QueryerContext) (FixedPriceSettings, error) {
	st := DefaultFixedPriceSettings
	rows, err := q.QueryxContext(ctx, `SELECT name, value FROM settings WHERE name LIKE 'fixedprice.%'`)
	if err != nil {
		return st, fmt.Errorf("read fixed-price settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return st, err
		}
		value = strings.TrimSpace(value)
		n, nerr := strconv.Atoi(value)
		ok := nerr == nil && n >= 0
		switch strings.TrimPrefix(name, "fixedprice.") {
		case "window_days":
			if ok {
				st.WindowDays = n
			}
		case "window_day_kind":
			if value == "working" {
				st.WindowDayKind = calendar.WorkingDays
			} else {
				st.WindowDayKind = calendar.CalendarDays
			}
		case "publicity_days":
			if ok {
				st.PublicityDays = n
			}
		case "confirm_days":
			if ok && n > 0 {
				st.ConfirmDays = n
			}
		case "contract_days":
			if ok && n > 0 {
				st.ContractDays = n
			}
		case "max_active_awards":
			if ok && n > 0 {
				st.MaxActiveAwards = n
			}
		case "win_cooldown_days":
			if ok {
				st.WinCooldownDays = n
			}
		case "backups":
			if ok {
				st.Backups = n
			}
		case "min_witnesses":
			if ok && n > 0 {
				st.MinWitnesses = n
			}
		case "ceiling_yuan":
			if ok && n > 0 && money.FromYuan(int64(n)) <= FixedPriceCeiling {
				st.CeilingYuan = n
			}
		}
	}
	return st, rows.Err()
}

// SetFixedPriceSetting writes one fixedprice.* setting.
func SetFixedPriceSetting(ctx context.Context, x sqlx.ExecerContext, name, value string, now time.Time) error {
	return settings.Set(ctx, x, "fixedprice", name, value, now)
}

// FixedPrice is the fixed-price selection service. Each method is one
// transaction.
type FixedPrice struct {
	DB       *sqlx.DB
	Clock    clock.Clock
	Calendar *calendar.Store
	// Vault seals the server secret until the draw; nil stores it in clear
	// (tests only).
	Vault *vault.Vault
}

func (s *FixedPrice) calendar(ctx context.Context) (*calendar.Calendar, error) {
	if s.Calendar == nil {
		return calendar.New(nil), nil
	}
	return s.Calendar.Calendar(ctx)
}

// settingsCalendar reads the fixed-price settings through q and the
// working-day calendar.
func (s *FixedPrice) settingsCalendar(ctx context.Context, q sqlx.QueryerContext) (FixedPriceSettings, *calendar.Calendar, error) {
	st, err := LoadFixedPriceSettings(ctx, q)
	if err != nil {
		return st, nil, err
	}
	cal, err := s.calendar(ctx)
	return st, cal, err
}

// setSelectionStatus moves a selection to status.
func setSelectionStatus(ctx context.Context, tx sqlx.ExecerContext, id int64, status string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE fixedprice_selections SET status = ?, updated_at = ? WHERE id = ?`, status, now, id)
	return err
}

// endOfDays is the end (24:00 Beijing time) of the n-th day of kind after
// the day of t: a period of "n 日" that starts on the day of t.
func endOfDays(cal *calendar.Calendar, t time.Time, n int, kind calendar.DayCount) time.Time {
	d := cal.AddDays(calendar.DateOf(t, clock.Shanghai), n, kind)
	return d.AddDays(1).In(clock.Shanghai).UTC()
}

func selectionTarget(id int64) string { return "selection:" + strconv.FormatInt(id, 10) }

func fpNotFound() error {
	return problem.New(problem.NotFound, "fixedprice_not_found", "固定价比选项目不存在")
}

// FixedPriceTerms computes the fixed price: control × (1 − rate), rounded
// half up to the fen.
func FixedPriceTerms(control money.Fen, rate money.Rate) money.Fen {
	return control.DiscountBy(rate, FixedPriceRounding)
}

// ParseControlPrice reads a control price in yuan: at most two decimals,
// strictly positive, an optional trailing "元"; 万元 and other units are
// refused with their own code.
func ParseControlPrice(s string) (money.Fen, error) {
	t := strings.TrimSpace(s)
	if strings.HasSuffix(t, "万元") || strings.HasSuffix(t, "万") || strings.HasSuffix(strings.ToLower(t), "w") {
		return 0, problem.InvalidField("control_price", "fixedprice_price_unit", "控制价应以元为单位填写（如 1,999,999.99），不要填写万元")
	}
	t = strings.TrimSpace(strings.TrimSuffix(t, "元"))
	f, err := money.Parse(t)
	if err != nil {
		var me *money.Error
		if errors.As(err, &me) {
			return 0, problem.InvalidField("control_price", me.Code(), me.Message())
		}
		return 0, problem.InvalidField("control_price", "money_invalid", "金额格式不正确")
	}
	if f <= 0 {
		return 0, problem.InvalidField("control_price", "fixedprice_price_zero", "控制价应大于零")
	}
	return f, nil
}

// SelectionInput is a fixed-price registration as the agency fills it in.
// Text fields are parsed here so every fault is reported at once.
type SelectionInput struct {
	Title              string   `json:"title"`
	OwnerName          string   `json:"owner_name"`          // 建设单位
	GovernmentInvested bool     `json:"government_invested"` // 政府投资工程
	Funding            string   `json:"funding"`             // 资金来源
	Site               string   `json:"site"`
	ApprovalNo         string   `json:"approval_no"`
	ControlPrice       string   `json:"control_price"` // yuan, e.g. "1,999,999.99"
	Rate               string   `json:"rate"`          // percent, e.g. "5.5"
	ApplyUntil         string   `json:"apply_until"`   // Beijing time "2026-03-10 17:00"
	Place              string   `json:"place"`         // draw room
	Eligibility        []string `json:"eligibility"`
	Backups            *int     `json:"backups,omitempty"`
}

type selectionClean struct {
	control, fixed money.Fen
	rate           money.Rate
	applyUntil     time.Time
	backups        int
	eligibility    []string
}

// requireText adds a field error to f when v is empty or longer than max
// characters.
func requireText(f *problem.Fields, field, v, label string, max int) {
	switch {
	case v == "":
		f.Add(field, "required", "请填写"+label)
	case len([]rune(v)) > max:
		f.Add(field, "too_long", fmt.Sprintf("%s不能超过%d个字", label, max))
	}
}

func (in *SelectionInput) check(st FixedPriceSettings, cal *calendar.Calendar, now time.Time) (selectionClean, error) {
	var f problem.Fields
	var c selectionClean
	in.Title, in.OwnerName, in.Funding = strings.TrimSpace(in.Title), strings.TrimSpace(in.OwnerName), strings.TrimSpace(in.Funding)
	in.Site, in.ApprovalNo, in.Place = strings.TrimSpace(in.Site), strings.TrimSpace(in.ApprovalNo), strings.TrimSpace(in.Place)
	requireText(&f, "title", in.Title, "项目名称", 200)
	requireText(&f, "owner_name", in.OwnerName, "建设单位", 200)
	requireText(&f, "funding", in.Funding, "资金来源", 100)
	requireText(&f, "site", in.Site, "建设地点", 200)
	requireText(&f, "approval_no", in.ApprovalNo, "项目审批（核准、备案）文号", 100)
	requireText(&f, "place", in.Place, "抽取地点", 200)
	if !in.GovernmentInvested {
		f.Add("government_invested", "fixedprice_not_government", "固定价比选仅适用于政府投资工程建设项目")
	}
	if cp, err := ParseControlPrice(in.ControlPrice); err != nil {
		f.AddErr("control_price", err)
	} else if cp >= st.Ceiling() {
		f.Add("control_price", "fixedprice_must_tender", fmt.Sprintf("控制价达到%s（含）以上的项目应当依法招标，不适用固定价比选", ceilingText(st)))
	} else {
		c.control = cp
	}
	if r, err := money.ParseRate(in.Rate); err != nil {
		f.AddErr("rate", err)
	} else {
		c.rate = r
	}
	if t, err := ParseLocalTime(in.ApplyUntil); err != nil {
		f.AddErr("apply_until", err)
	} else if t.IsZero() {
		f.Add("apply_until", "required", "请填写申请截止时间")
	} else if min := cal.AddDays(calendar.DateOf(now, clock.Shanghai), st.WindowDays, st.WindowDayKind); calendar.DateOf(t, clock.Shanghai).Before(min) {
		f.Add("apply_until", "fixedprice_window_short", fmt.Sprintf("申请期限自公告发布之日起不得少于%d%s，截止时间不得早于%s", st.WindowDays, st.WindowDayKind, min))
	} else {
		c.applyUntil = t
	}
	for _, e := range in.Eligibility {
		if e = strings.TrimSpace(e); e != "" {
			if len([]rune(e)) > 300 {
				f.Add("eligibility", "too_long", "每项资格条件不能超过300个字")
				break
			}
			c.eligibility = append(c.eligibility, e)
		}
	}
	if len(c.eligibility) == 0 {
		f.Add("eligibility", "required", "请填写申请人资格条件（每行一项）")
	}
	c.backups = st.Backups
	if in.Backups != nil {
		c.backups = *in.Backups
	}
	if c.backups < 0 || c.backups > 20 {
		f.Add("backups", "fixedprice_backups", "候补人数应为0到20之间的整数")
	}
	if err := f.Err(); err != nil {
		return c, err
	}
	c.fixed = FixedPriceTerms(c.control, c.rate)
	if c.fixed <= 0 {
		return c, problem.InvalidField("rate", "fixedprice_price_zero", "按该控制价和下浮率计算的固定价为零，请核对")
	}
	return c, nil
}

// RegisterSelection stores a draft fixed-price selection of the agency's
// organisation: a trading project (engineering, fixed_price) and its terms.
func (s *FixedPrice) RegisterSelection(ctx context.Context, in SelectionInput) (int64, error) {
	a, err := requireAgency(ctx)
	if err != nil {
		return 0, err
	}
	st, cal, err := s.settingsCalendar(ctx, s.DB)
	if err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	c, err := in.check(st, cal, now)
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		details, _ := json.Marshal(map[string]string{"site": in.Site, "funding": in.Funding, "approval_no": in.ApprovalNo, "government_invested": "是"})
		elig, _ := json.Marshal(c.eligibility)
		res, err := tx.ExecContext(ctx, `INSERT INTO trading_projects (kind, method, title, owner_name, agency_org_id, created_by, locality, status,
			details, eligibility, place, signup_until, deadline, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			Engineering, MethodFixedPrice, in.Title, in.OwnerName, a.OrgID, nullID(a.UserID), DefaultLocality, StatusDraft,
			string(details), string(elig), in.Place, c.applyUntil, c.applyUntil, now, now)
		if err != nil {
			return fmt.Errorf("insert fixed-price project: %w", err)
		}
		pid, err := res.LastInsertId()
		if err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO fixedprice_selections (project_id, agency_org_id, control_price, rate_ppm, rounding, fixed_price,
			backups, apply_until, window_days, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			pid, a.OrgID, int64(c.control), int64(c.rate), "half_up", int64(c.fixed), c.backups, c.applyUntil, st.WindowDays, FPDraft, now, now)
		if err != nil {
			return fmt.Errorf("insert fixed-price selection: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "fixedprice.register", ObjectType: "fixedprice", ObjectID: strconv.FormatInt(id, 10), ProjectID: pid,
			Summary: map[string]any{"title": in.Title, "control_price_fen": int64(c.control), "rate": c.rate.String(), "fixed_price_fen": int64(c.fixed),
				"rounding": FixedPriceRounding.String(), "apply_until": c.applyUntil, "backups": c.backups}})
	})
	return id, err
}

// Selection is a fixed-price selection as its pages show it.
type Selection struct {
	ID             int64     `db:"id" json:"id"`
	ProjectID      int64     `db:"project_id" json:"project_id"`
	Code           string    `db:"code" json:"code"`
	Title          string    `db:"title" json:"title"`
	OwnerName      string    `db:"owner_name" json:"owner_name"`
	AgencyOrgID    int64     `db:"agency_org_id" json:"-"`
	Details        string    `db:"details" json:"-"`
	EligibilityRaw string    `db:"eligibility" json:"-"`
	Place          string    `db:"place" json:"place"`
	ControlPrice   money.Fen `db:"control_price" json:"control_price_fen"`
	RatePPM        int64     `db:"rate_ppm" json:"rate_ppm"`
	FixedPrice     money.Fen `db:"fixed_price" json:"fixed_price_fen"`
	Backups        int       `db:"backups" json:"backups"`
	ApplyUntil     time.Time `db:"apply_until" json:"apply_until"`
	Status         string    `db:"status" json:"status"`
	PublishedAt    NullTime  `db:"published_at" json:"published_at"`
	PublicityUntil NullTime  `db:"publicity_until" json:"publicity_until"`
	CurrentRank    int       `db:"current_rank" json:"current_rank"`
	CreatedAt      time.Time `db:"created_at" json:"created_at"`

	Eligibility []string          `db:"-" json:"eligibility"`
	Info        map[string]string `db:"-" json:"details"`
}

// NullTime is a nullable time that reads as the zero time.
type NullTime struct{ time.Time }

// Scan reads a DATETIME or NULL.
func (n *NullTime) Scan(v any) error {
	var t sql.NullTime
	if err := t.Scan(v); err != nil {
		return err
	}
	n.Time = t.Time
	return nil
}

// Rate is the down-float rate.
func (s *Selection) Rate() money.Rate { return money.Rate(s.RatePPM) }

// RoundingRule is the stated rounding rule in Chinese.
func (s *Selection) RoundingRule() string {
	return "定价 = 控制价 ×（1 − 下浮率），按" + FixedPriceRounding.String() + "保留到分"
}

// StatusName is the Chinese status.
func (s *Selection) StatusName() string { return FPStatusNames[s.Status] }

// WindowOpen reports whether applications are accepted at now: published
// and now strictly before apply_until (the end instant itself is closed).
func (s *Selection) WindowOpen(now time.Time) bool {
	return s.Status == FPPublished && now.Before(s.ApplyUntil)
}

const selectSelection = `SELECT s.id, s.project_id, COALESCE(p.code, '') AS code, p.title, p.owner_name, s.agency_org_id, p.details, p.eligibility, p.place,
  s.control_price, s.rate_ppm, s.fixed_price, s.backups, s.apply_until, s.status, s.published_at, s.publicity_until, s.current_rank, s.created_at
  FROM fixedprice_selections s JOIN trading_projects p ON p.id = s.project_id`

func loadSelection(ctx context.Context, q sqlx.QueryerContext, id int64, lock bool) (*Selection, error) {
	query := selectSelection + ` WHERE s.id = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	var sel Selection
	err := sqlx.GetContext(ctx, q, &sel, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fpNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("fixed-price selection %d: %w", id, err)
	}
	sel.fill()
	return &sel, nil
}

func (s *Selection) fill() {
	_ = json.Unmarshal([]byte(s.EligibilityRaw), &s.Eligibility)
	_ = json.Unmarshal([]byte(s.Details), &s.Info)
	if s.Info == nil {
		s.Info = map[string]string{}
	}
}

// visible: a draft is seen by its agency, staff and supervisors only.
func canSeeSelection(a audit.Actor, sel *Selection) bool {
	if sel.Status != FPDraft {
		return true
	}
	return canSeeAll(a) || (a.Has(accounts.RoleAgency) && a.OrgID == sel.AgencyOrgID)
}

// Selection returns one selection (public once published).
func (s *FixedPrice) Selection(ctx context.Context, id int64) (*Selection, error) {
	sel, err := loadSelection(ctx, s.DB, id, false)
	if err != nil {
		return nil, err
	}
	if !canSeeSelection(audit.ActorFrom(ctx), sel) {
		return nil, fpNotFound()
	}
	return sel, nil
}

// Selections lists selections: an agency its own, staff and supervisors
// all, anyone else the published ones.
func (s *FixedPrice) Selections(ctx context.Context) ([]Selection, error) {
	a := audit.ActorFrom(ctx)
	query, args := selectSelection+` WHERE s.status <> 'draft' ORDER BY s.id DESC LIMIT 200`, []any{}
	switch {
	case canSeeAll(a):
		query = selectSelection + ` ORDER BY s.id DESC LIMIT 200`
	case a.Has(accounts.RoleAgency):
		query, args = selectSelection+` WHERE s.agency_org_id = ? ORDER BY s.id DESC LIMIT 200`, []any{a.OrgID}
	}
	var out []Selection
	if err := s.DB.SelectContext(ctx, &out, query, args...); err != nil {
		return nil, fmt.Errorf("list fixed-price selections: %w", err)
	}
	for i := range out {
		out[i].fill()
	}
	return out, nil
}

// PublishSelection publishes the 比选公告 of a draft: the project gets its
// code, the announcement goes to the portal with the fixed price and the
// rounding rule, and the window (checked again against today) opens.
func (s *FixedPrice) PublishSelection(ctx context.Context, id int64) error {
	a, err := requireAgency(ctx)
	if err != nil {
		return err
	}
	st, cal, err := s.settingsCalendar(ctx, s.DB)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		sel, err := loadSelection(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if sel.AgencyOrgID != a.OrgID {
			return fpNotFound()
		}
		if sel.Status != FPDraft {
			return problem.New(problem.Conflict, "fixedprice_state", "该比选项目已发布")
		}
		if min := cal.AddDays(calendar.DateOf(now, clock.Shanghai), st.WindowDays, st.WindowDayKind); calendar.DateOf(sel.ApplyUntil, clock.Shanghai).Before(min) {
			return problem.InvalidField("apply_until", "fixedprice_window_short",
				fmt.Sprintf("申请期限自公告发布之日起不得少于%d%s，截止时间不得早于%s；请修改后再发布", st.WindowDays, st.WindowDayKind, min))
		}
		code, err := nextCode(ctx, tx, Engineering, calendar.DateOf(now, clock.Shanghai).Year)
		if err != nil {
			return err
		}
		sel.Code = code
		if _, err := tx.ExecContext(ctx, `UPDATE trading_projects SET code = ?, status = ?, published_at = ?, accepted_at = ?, updated_at = ? WHERE id = ?`,
			code, StatusPublished, now, now, now, sel.ProjectID); err != nil {
			return fmt.Errorf("publish fixed-price project: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_selections SET status = ?, published_at = ?, updated_at = ? WHERE id = ?`,
			FPPublished, now, now, id); err != nil {
			return fmt.Errorf("publish fixed-price selection: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO trading_announcements (project_id, type, code, kind, method, title, body, deadline, published_at)
			VALUES (?, 'tender', ?, ?, ?, ?, ?, ?, ?)`, sel.ProjectID, code, Engineering, MethodFixedPrice, sel.Title+"固定价比选公告",
			SelectionNotice(sel), sel.ApplyUntil, now); err != nil {
			return fmt.Errorf("insert fixed-price announcement: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "fixedprice.publish", ObjectType: "fixedprice", ObjectID: strconv.FormatInt(id, 10), ProjectID: sel.ProjectID,
			Summary: map[string]any{"code": code, "fixed_price_fen": int64(sel.FixedPrice), "apply_until": sel.ApplyUntil}})
	})
}

// SelectionNotice is the text of the 比选公告.
func SelectionNotice(sel *Selection) string {
	var b strings.Builder
	fmt.Fprintf(&b, "项目编号：%s\n交易方式：固定价比选（政府投资工程建设项目）\n建设单位：%s\n", sel.Code, sel.OwnerName)
	fmt.Fprintf(&b, "建设地点：%s\n资金来源：%s\n项目审批（核准、备案）文号：%s\n", sel.Info["site"], sel.Info["funding"], sel.Info["approval_no"])
	fmt.Fprintf(&b, "控制价：%s元（%s）\n下浮率：%s\n", sel.ControlPrice, sel.ControlPrice.Upper(), sel.Rate())
	fmt.Fprintf(&b, "固定价：%s元（%s）\n计算规则：%s\n", sel.FixedPrice, sel.FixedPrice.Upper(), sel.RoundingRule())
	fmt.Fprintf(&b, "申请截止时间：%s（北京时间，截止时刻及以后不再受理）\n", localTime(sel.ApplyUntil))
	fmt.Fprintf(&b, "抽取方式：在交易中心固定价比选项目抽取室公开随机抽取（RFC 3797），确定中选人1名及候补%d名\n抽取地点：%s\n", sel.Backups, sel.Place)
	b.WriteString("申请人资格条件：\n")
	for i, e := range sel.Eligibility {
		fmt.Fprintf(&b, "%d. %s\n", i+1, e)
	}
	fmt.Fprintf(&b, "网上申请：/fixedprice/%d\n", sel.ID)
	return b.String()
}

// ceilingText writes the ceiling as the notices do: "200万元".
func ceilingText(st FixedPriceSettings) string {
	if st.CeilingYuan%10000 == 0 {
		return fmt.Sprintf("%d万元", st.CeilingYuan/10000)
	}
	return st.Ceiling().Yuan()
}
