package approval

import (
	"github.com/jmoiron/sqlx"

	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/vault"
)

// Service is the approval hall. Its methods take the acting user from the
// context (audit.ActorFrom) and check the role and the ownership of what
// they touch; every state change is written in one transaction with its
// audit event.
type Service struct {
	DB       *sqlx.DB
	Clock    clock.Clock
	Calendar *calendar.Store
	Vault    *vault.Vault
	// Throttle limits failed public lookups per address (zero value:
	// DefaultLookupThrottle).
	Throttle LookupThrottle
}

// Case types (approval_items.case_type).
const (
	TypeInstant   = "instant"   // 即办件
	TypePromised  = "promised"  // 承诺件
	TypeJoint     = "joint"     // 联办件
	TypeEscalated = "escalated" // 上报件
)

// Case statuses (approval_cases.status).
const (
	CaseReceived   = "received"
	CaseIncomplete = "incomplete" // 一次性告知 given, waiting for materials
	CaseRefused    = "refused"    // 不予受理
	CaseAccepted   = "accepted"
	CaseInReview   = "in_review"
	CaseSuspended  = "suspended"
	CaseDecided    = "decided"
	CaseDelivered  = "delivered"
	CaseWithdrawn  = "withdrawn"
)

// Step statuses (approval_steps.status).
const (
	StepPending   = "pending"
	StepAgreed    = "agreed"
	StepDisagreed = "disagreed"
	StepDeemed    = "deemed" // 超时默认
)

// Timed events of the hall (schedule.At in the same transaction as the
// change that sets them; handlers registered in cmd/trading/events.go).
const (
	// MaterialsDueEvent fires at the start of the day after a case's
	// materials_due: a case still incomplete is deemed withdrawn (逾期未
	// 补正，视为撤回申请, [practice]). Target "case:<id>".
	MaterialsDueEvent = "approval.materials_due"
	// StepDueEvent fires at the start of the day after a step's due_on: a
	// step still pending is deemed to agree (超时默认, setting
	// approval.deemed_agree). Target "step:<id>".
	StepDueEvent = "approval.step_due"
)

// Decisions (approval_cases.decision).
const (
	DecisionApproved = "approved" // 准予许可
	DecisionDenied   = "denied"   // 不予许可
)

// Item statuses (approval_items.status).
const (
	ItemActive   = "active"
	ItemInactive = "inactive"
)

// Applicant kinds (approval_cases.applicant_kind).
const (
	ApplicantPerson       = "person"
	ApplicantOrganisation = "organisation"
)

// CaseTypeNames, CaseStatusNames and StepStatusNames are the Chinese names.
var (
	CaseTypeNames   = map[string]string{TypeInstant: "即办件", TypePromised: "承诺件", TypeJoint: "联办件", TypeEscalated: "上报件"}
	CaseStatusNames = map[string]string{
		CaseReceived: "已收件", CaseIncomplete: "待补正", CaseRefused: "不予受理", CaseAccepted: "已受理",
		CaseInReview: "审查中", CaseSuspended: "中止计时", CaseDecided: "已办结", CaseDelivered: "已送达", CaseWithdrawn: "已撤回",
	}
	StepStatusNames    = map[string]string{StepPending: "待办", StepAgreed: "同意", StepDisagreed: "不同意", StepDeemed: "超时默认同意"}
	DecisionNames      = map[string]string{DecisionApproved: "准予许可", DecisionDenied: "不予许可"}
	SuspendReasonNames = map[string]string{
		"hearing": "听证", "tendering": "招标、拍卖", "testing": "检验、检测、检疫", "expert_review": "鉴定、专家评审", "other": "其他法定情形",
	}
	// CaseStatusOrder lists the statuses a case rests in, in the order of
	// its life, for filters (received and accepted are never stored).
	CaseStatusOrder = []string{CaseIncomplete, CaseInReview, CaseSuspended, CaseDecided, CaseDelivered, CaseRefused, CaseWithdrawn}
	// SuspendReasonOrder lists the reasons as 行政许可法 45 names them, the
	// catch-all last.
	SuspendReasonOrder = []string{"hearing", "tendering", "testing", "expert_review", "other"}
)
