// Package expertpool owns the evaluation experts, their specialties, avoidance rules and the publicly verifiable draws.
package expertpool

import (
	"github.com/jmoiron/sqlx"

	"ggzy/clock"
)

// Service is the expertpool service. Each method is one transaction.
type Service struct {
	DB    *sqlx.DB
	Clock clock.Clock
}
