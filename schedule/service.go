// Package schedule owns rooms, terminals, bookings and the timed-event engine that runs due events exactly once across instances.
package schedule

import (
	"github.com/jmoiron/sqlx"

	"ggzy/clock"
)

// Service is the schedule service. Each method is one transaction.
type Service struct {
	DB    *sqlx.DB
	Clock clock.Clock
}
