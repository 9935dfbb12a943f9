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
