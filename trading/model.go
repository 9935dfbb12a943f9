package trading

import (
	"time"

	"ggzy/money"
)

// Kinds of trading (DOMAIN.md §2).
const (
	Engineering = "engineering"
	Procurement = "procurement"
	Land        = "land"
	Property    = "property"
)

// Kinds lists the kinds in display order.
var Kinds = []string{Engineering, Procurement, Land, Property}

// KindNames are the Chinese names of the kinds.
var KindNames = map[string]string{
	Engineering: "建设工程招投标",
	Procurement: "政府采购",
	Land:        "土地使用权出让",
	Property:    "产权交易",
}

// kindPrefix starts a project code: GC-2026-0001.
var kindPrefix = map[string]string{Engineering: "GC", Procurement: "CG", Land: "TD", Property: "CQ"}

// Methods are the trading methods allowed per kind (fixed-price selection
// has its own issue).
var Methods = map[string][]string{
	Engineering: {"open", "invited"},
	Procurement: {"open", "invited", "negotiation", "consultation", "inquiry", "single_source"},
	Land:        {"tender", "auction", "listing"},
	Property:    {"listing"},
}

// MethodNames are the Chinese names of the methods.
var MethodNames = map[string]string{
	"open": "公开招标", "invited": "邀请招标", "negotiation": "竞争性谈判", "consultation": "竞争性磋商",
	"inquiry": "询价", "single_source": "单一来源", "tender": "招标", "auction": "拍卖", "listing": "挂牌",
	MethodFixedPrice: "固定价比选", // registered through FixedPrice (fixedprice.go), not listed in Methods
}

// ValidMethod reports whether method belongs to kind.
func ValidMethod(kind, method string) bool {
	for _, m := range Methods[kind] {
		if m == method {
			return true
		}
	}
	return false
}

// Project statuses.
const (
	StatusDraft      = "draft"
	StatusSubmitted  = "submitted"
	StatusReturned   = "returned"
	StatusAccepted   = "accepted"
	StatusPublished  = "published"
	StatusResult     = "result"
	StatusTerminated = "terminated" // 终止招标 (采购) before the deadline: terminate.go
)

// StatusNames are the Chinese names of project statuses.
var StatusNames = map[string]string{
	StatusDraft: "草稿", StatusSubmitted: "待受理", StatusReturned: "已退回", StatusAccepted: "已受理",
	StatusPublished: "已发布公告", StatusResult: "已公告结果", StatusTerminated: "已终止",
}

// Lot statuses.
const (
	LotOpen       = "open"
	LotClosed     = "closed"     // submissions closed at the deadline: opened
	LotTerminated = "terminated" // the project was terminated before the deadline: never opened
)

// FieldDef describes a kind-specific field.
type FieldDef struct {
	Name     string
	Label    string
	Required bool
	Money    bool // parsed with money.Parse
}

// KindFields are the kind-specific fields of a project and of each lot,
// with the labels of the lot's price and estimate columns.
type KindFields struct {
	Project       []FieldDef
	Lot           []FieldDef
	PriceLabel    string
	EstimateLabel string // empty: not asked
	Timeline      []string
}

// MaxAmount is the largest amount a registration, a bid form or a result
// takes: one trillion yuan (一万亿元), above any lot a centre trades. Larger
// amounts were typing slips that broke sums later (the monthly statistics
// add the lots' prices; a price near the int64 limit overflowed them).
const MaxAmount = money.Fen(1_000_000_000_000 * 100)

// Fields per kind.
var Fields = map[string]KindFields{
	Engineering: {
		Project:    []FieldDef{{Name: "site", Label: "建设地点", Required: true}, {Name: "funding", Label: "资金来源", Required: true}, {Name: "approval_no", Label: "项目审批（核准、备案）文号", Required: true}},
		PriceLabel: "招标控制价", EstimateLabel: "估算价",
		Timeline: []string{"docs_from", "docs_until", "signup_until", "deadline"},
	},
	Procurement: {
		Project:    []FieldDef{{Name: "purchaser", Label: "采购人", Required: true}, {Name: "category", Label: "采购品目（货物/服务/工程）", Required: true}},
		PriceLabel: "采购预算",
		Timeline:   []string{"docs_from", "docs_until", "signup_until", "deadline"},
	},
	Land: {
		Project: []FieldDef{{Name: "transferor", Label: "出让人", Required: true}},
		Lot: []FieldDef{{Name: "parcel_no", Label: "宗地编号", Required: true}, {Name: "area", Label: "出让面积（平方米）", Required: true},
			{Name: "land_use", Label: "土地用途", Required: true}, {Name: "term", Label: "出让年限（年）", Required: true},
			{Name: "increment", Label: "加价幅度（元）", Required: true, Money: true}},
		PriceLabel: "起始价",
		Timeline:   []string{"signup_until", "bid_start", "deadline"},
	},
	Property: {
		Project:    []FieldDef{{Name: "transferor", Label: "转让方", Required: true}},
		PriceLabel: "挂牌价", EstimateLabel: "评估值",
		Timeline: []string{"signup_until", "deadline"},
	},
}

// TimelineLabels name the events of a timeline.
var TimelineLabels = map[string]string{
	"announce":      "公告发布",
	"docs_from":     "文件发售（获取）开始",
	"docs_until":    "文件发售（获取）截止",
	"signup_until":  "报名截止",
	"bid_start":     "挂牌/拍卖开始",
	"deadline":      "递交截止（开标）",
	"clarification": "澄清或修改发出",
	"result":        "结果公告",
	"refund":        "保证金退还",
}

// Timeline is when things happen, in UTC.
type Timeline struct {
	DocsFrom    time.Time `json:"docs_from,omitzero"`
	DocsUntil   time.Time `json:"docs_until,omitzero"`
	SignupUntil time.Time `json:"signup_until,omitzero"`
	BidStart    time.Time `json:"bid_start,omitzero"`
	Deadline    time.Time `json:"deadline,omitzero"`
}

// Get returns the event time by name.
func (t Timeline) Get(name string) time.Time {
	switch name {
	case "docs_from":
		return t.DocsFrom
	case "docs_until":
		return t.DocsUntil
	case "signup_until":
		return t.SignupUntil
	case "bid_start":
		return t.BidStart
	case "deadline":
		return t.Deadline
	}
	return time.Time{}
}

// Lot is a 标段 or 包 (a parcel for land).
type Lot struct {
	ID       int64             `json:"id"`
	No       int               `json:"no"`
	Name     string            `json:"name"`
	Price    money.Fen         `json:"price_fen"`
	Estimate money.Fen         `json:"estimate_fen"`
	Deposit  money.Fen         `json:"deposit_fen"`
	Details  map[string]string `json:"details"`
	// Reserve is the secret reserve price (land 底价); only set on input,
	// stored sealed, never read back before the result.
	Reserve    money.Fen `json:"-"`
	HasReserve bool      `json:"-"`
	Status     string    `json:"status"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	Winner     string    `json:"winner,omitempty"`
	AwardPrice money.Fen `json:"award_price_fen,omitempty"`
	// The lot's result (outcomes.go), empty before the result is
	// published: the outcome, its Chinese name for the project's kind and
	// method, why a lot was not awarded (with the rule's legal basis), the
	// qualified bidders counted for land and property, and the land reserve
	// price (底价) the result revealed.
	Outcome         string    `json:"outcome,omitempty"`
	OutcomeName     string    `json:"outcome_name,omitempty"`
	OutcomeReason   string    `json:"outcome_reason,omitempty"`
	Bidders         *int      `json:"qualified_bidders,omitempty"`
	RevealedReserve money.Fen `json:"reserve_fen,omitempty"`
	ReserveRevealed bool      `json:"reserve_revealed,omitempty"`
}

// Project is a registration (进场登记) with its lots.
type Project struct {
	ID          int64             `json:"id"`
	Code        string            `json:"code"`
	Kind        string            `json:"kind"`
	Method      string            `json:"method"`
	Title       string            `json:"title"`
	OwnerName   string            `json:"owner_name"`
	AgencyOrgID int64             `json:"agency_org_id"`
	Locality    string            `json:"locality"`
	RuleSetID   int64             `json:"rule_set_id"`
	Status      string            `json:"status"`
	Details     map[string]string `json:"details"`
	Eligibility []string          `json:"eligibility"`
	Place       string            `json:"place"`
	Timeline    Timeline          `json:"timeline"`
	SubmittedAt time.Time         `json:"submitted_at,omitzero"`
	AcceptedAt  time.Time         `json:"accepted_at,omitzero"`
	PublishedAt time.Time         `json:"published_at,omitzero"`
	ResultAt    time.Time         `json:"result_at,omitzero"`
	CreatedAt   time.Time         `json:"created_at"`
	Lots        []Lot             `json:"lots"`
	Reviews     []Review          `json:"reviews,omitempty"`
}

// Review is a staff decision on a submission.
type Review struct {
	Decision   string    `json:"decision"` // accept or return
	Items      []string  `json:"items"`
	ReviewedAt time.Time `json:"reviewed_at"`
}

// Finding is a rule checked against a project.
type Finding struct {
	RuleID  string `json:"rule_id"`
	Basis   string `json:"basis"`
	Action  string `json:"action"`
	Field   string `json:"field"`
	Message string `json:"message"`
}
