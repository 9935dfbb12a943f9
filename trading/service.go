// Package trading owns projects of the four kinds (engineering, procurement, land, property), lots, announcements and their timelines, the rules as data, sign-ups, deposits, sealed bids, fixed-price selection and awards.
package trading

import (
	"github.com/jmoiron/sqlx"

	"ggzy/clock"
)

// Service is the trading service. Each method is one transaction.
type Service struct {
	DB    *sqlx.DB
	Clock clock.Clock
}
