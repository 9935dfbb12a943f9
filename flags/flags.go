// Package flags computes the supervisors' red flags (预警, DOMAIN.md §8) on
// demand: bids from the same address, identical bid files, deposits from
// the same source, prices hugging the ceiling, the same experts again and
// again with the same agency, and rotating winners.
//
// Flags are computed only from lots whose opening has happened. The rule
// and the unsealing are the trading area's (trading.FlagLots: a lot is
// opened once it has closed at its deadline, and only its sealed rows are
// unsealed); the prices are those read out at the opening (evaluation), so a
// failed opening (流标), where nothing was read out, gives no price flag, and
// a lot whose bids were not opened at all (不予开标, fewer than three) no
// identical-file flag (that would judge their content); the
// experts are the expert pool's draws of those lots. Nothing here reads a
// sealed column. Every read is recorded in the audit trail.
package flags

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/evaluation"
	"ggzy/expertpool"
	"ggzy/money"
	"ggzy/trading"
)

// Kinds of flag.
const (
	SameIP          = "same_ip"          // 同一IP报名/投标
	SameFile        = "same_file"        // 投标文件雷同
	SameDeposit     = "same_deposit"     // 保证金同一来源
	NearCeiling     = "near_ceiling"     // 报价贴近控制价
	ExpertAgency    = "expert_agency"    // 专家与代理机构反复组合
	RotatingWinners = "rotating_winners" // 轮流中标
)

// Kinds lists the kinds in display order.
var Kinds = []string{SameIP, SameFile, SameDeposit, NearCeiling, ExpertAgency, RotatingWinners}

// KindNames are the Chinese names of the kinds.
var KindNames = map[string]string{
	SameIP: "同一IP报名/投标", SameFile: "投标文件雷同", SameDeposit: "保证金同一来源",
	NearCeiling: "报价贴近控制价", ExpertAgency: "专家与代理机构反复组合", RotatingWinners: "轮流中标",
}

// Trading is what the flags read from the trading area: the newest opened
// lots of a window, and whether older ones were left out (more than
// trading.FlagLotCap).
type Trading interface {
	FlagLots(ctx context.Context, f trading.FlagLotFilter) ([]trading.FlagLot, bool, error)
}

// Openings is what the flags read from the openings (evaluation area).
type Openings interface {
	ReadOutPrices(ctx context.Context, lotIDs []int64) ([]evaluation.ReadOutPrice, error)
	// NotOpenedLots: the lots whose bids the opening did not open (fewer
	// than three: 不予开标); their bid files' content is not judged.
	NotOpenedLots(ctx context.Context, lotIDs []int64) ([]int64, error)
}

// Draws is what the flags read from the expert pool.
type Draws interface {
	AgencyDraws(ctx context.Context, lotIDs []int64) ([]expertpool.AgencyDraw, error)
}

// Service computes the flags. DB holds the flags.* settings and the audit
// record of each read.
type Service struct {
	DB       *sqlx.DB
	Clock    clock.Clock
	Trading  Trading
	Openings Openings
	Draws    Draws
}

// Filter selects flags. From and To are opening dates (Asia/Shanghai), both
// included; zero dates mean the last 12 months up to today. A flag over
// several lots (experts, rotating winners) is shown when one of its lots
// matches the project and the dates.
type Filter struct {
	Kind      string        `json:"kind,omitempty"`
	From      calendar.Date `json:"from"`
	To        calendar.Date `json:"to"`
	ProjectID int64         `json:"project_id,omitempty"`
}

// Lot is a lot a flag is about.
type Lot struct {
	LotID     int64     `json:"lot_id"`
	ProjectID int64     `json:"project_id"`
	Code      string    `json:"project_code"`
	Title     string    `json:"project_title"`
	LotName   string    `json:"lot_name"`
	OpenedAt  time.Time `json:"opened_at"`
	Winner    string    `json:"winner,omitempty"` // rotating winners: who won it
}

// Org is an organisation named by a flag (names are public after the
// opening).
type Org struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Action is what one organisation did that a flag is about: signed up,
// submitted a bid form or a bid file from an address, uploaded a file,
// recorded a deposit reference.
type Action struct {
	OrgID   int64     `json:"org_id"`
	OrgName string    `json:"org_name"`
	What    string    `json:"what"` // 报名, 投标函, 投标文件, 保证金
	Detail  string    `json:"detail,omitempty"`
	At      time.Time `json:"at,omitzero"`
}

// Price is a read-out price against the ceiling.
type Price struct {
	OrgID     int64     `json:"org_id"`
	OrgName   string    `json:"org_name"`
	Price     money.Fen `json:"price_fen"`
	PriceText string    `json:"price"`
	RatioBP   int64     `json:"ratio_bp"` // price / ceiling in hundredths of a percent, rounded down
	Ratio     string    `json:"ratio"`    // "99.50%"
}

// Expert is the expert of an expert–agency flag.
type Expert struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Evidence is what a flag rests on; which fields are set depends on the kind.
type Evidence struct {
	IP               string    `json:"ip,omitempty"`                // same_ip
	SHA256           string    `json:"sha256,omitempty"`            // same_file: of the plain content (the receipt's)
	DepositReference string    `json:"deposit_reference,omitempty"` // same_deposit
	Actions          []Action  `json:"actions,omitempty"`           // same_ip, same_file, same_deposit
	Ceiling          money.Fen `json:"ceiling_fen,omitempty"`       // near_ceiling
	CeilingText      string    `json:"ceiling,omitempty"`
	ThresholdBP      int       `json:"threshold_bp,omitempty"` // near_ceiling
	Prices           []Price   `json:"prices,omitempty"`       // near_ceiling
	Expert           *Expert   `json:"expert,omitempty"`       // expert_agency
	Agency           *Org      `json:"agency,omitempty"`       // expert_agency
	Count            int       `json:"count,omitempty"`        // expert_agency: projects; rotating_winners: lots
	MinCount         int       `json:"min_count,omitempty"`    // the setting the count reached
	Since            time.Time `json:"since,omitzero"`         // expert_agency, rotating_winners: start of the 12 months
	Until            time.Time `json:"until,omitzero"`         // and their end (exclusive)
}

// Flag is one red flag.
type Flag struct {
	Kind       string    `json:"kind"`
	KindName   string    `json:"kind_name"`
	Summary    string    `json:"summary"`
	Lots       []Lot     `json:"lots"`
	Orgs       []Org     `json:"organisations"`
	Evidence   Evidence  `json:"evidence"`
	ComputedAt time.Time `json:"computed_at"`
}

// Report is the answer to one read.
type Report struct {
	Flags    []Flag   `json:"flags"`
	Filter   Filter   `json:"filter"`
	Settings Settings `json:"settings"`
	Lots     int      `json:"lots_examined"` // opened lots in the filter's window
	// Truncated: the filter's window (or the 12 months of the experts and
	// rotating winners) held more opened lots than one read examines
	// (trading.FlagLotCap); only the newest were, older ones were left out.
	Truncated  bool      `json:"truncated,omitempty"`
	LotCap     int       `json:"lot_cap"` // trading.FlagLotCap
	ComputedAt time.Time `json:"computed_at"`
}
