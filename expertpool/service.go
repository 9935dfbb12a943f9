// Package expertpool owns the evaluation experts, their specialties, avoidance rules and the publicly verifiable draws.
package expertpool

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
	"ggzy/notify"
	"ggzy/settings"
	"ggzy/vault"
)

// Notifier sends a notice to an expert (notify.Log, notify.Webhook).
type Notifier interface {
	Notify(ctx context.Context, m notify.Message) error
}

// Service is the expertpool service. Each method is one transaction.
type Service struct {
	DB    *sqlx.DB
	Clock clock.Clock
	// Vault encrypts ID numbers and draw secrets; required.
	Vault *vault.Vault
	// Notifier sends invitations; nil logs them to Log.
	Notifier Notifier
	Log      *slog.Logger
	// Lots checks a draw's lot against the trading area (draw.go); nil
	// keeps the ids as given.
	Lots Lots
	// ReplyURL is the absolute prefix of one-time reply links, e.g.
	// "https://ggzy.example.gov.cn/experts/reply/"; the token is appended.
	ReplyURL string

	progressMu sync.Mutex
	progress   map[string]*ImportProgress

	docMu sync.Mutex
	docs  map[int64]*Document // parsed pool documents (immutable once written), by draw id

	rosters  rosterCache  // candidates per specialty code, by registry version (pool.go)
	bookings bookingCache // booked members per draw, by bookings version (bookings.go)
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) notifier() Notifier {
	if s.Notifier != nil {
		return s.Notifier
	}
	return notify.Log{Logger: s.log()}
}

// Settings are the locality's rules, kept in the settings table under
// "expertpool.*" and read once per transaction. Missing rows take the
// defaults below.
type Settings struct {
	AgeLimit          int  // expertpool.age_limit: excluded when older than this on the session day [70]
	MinYears          int  // expertpool.min_years: years in the field [8]
	RequireSenior     bool // expertpool.require_senior: senior title (副高级 or 正高级) [true]
	EmploymentYears   int  // expertpool.employment_years: look-back of the employment rule [3]
	FreqLimit         int  // expertpool.freq_limit: excluded when already drawn this often for the tenderer… [3]
	FreqDays          int  // expertpool.freq_days: …within this many days [90]
	ReplyMinutes      int  // expertpool.reply_minutes: time to confirm or decline [120]
	HideNames         bool // expertpool.hide_names_until_signin: the draw terminal shows no names until sign-in [false]
	AutoSupplement    bool // expertpool.auto_supplementary: run the 补抽 at once when backups run out [true]
	SupplementBackups int  // expertpool.supplementary_backups: backups of a 补抽 [2]
}

// DefaultSettings are used for rows not in the settings table.
var DefaultSettings = Settings{AgeLimit: 70, MinYears: 8, RequireSenior: true, EmploymentYears: 3, FreqLimit: 3, FreqDays: 90,
	ReplyMinutes: 120, AutoSupplement: true, SupplementBackups: 2}

const selectSettings = `SELECT name, value FROM settings WHERE name LIKE 'expertpool.%'`

// LoadSettings reads the settings.
func LoadSettings(ctx context.Context, q sqlx.QueryerContext) (Settings, error) {
	st := DefaultSettings
	rows, err := q.QueryxContext(ctx, selectSettings)
	if err != nil {
		return st, fmt.Errorf("read expert pool settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return st, err
		}
		value = strings.TrimSpace(value)
		n, nerr := strconv.Atoi(value)
		b := value == "1" || strings.EqualFold(value, "true")
		switch strings.TrimPrefix(name, "expertpool.") {
		case "age_limit":
			if nerr == nil && n > 0 {
				st.AgeLimit = n
			}
		case "min_years":
			if nerr == nil && n >= 0 {
				st.MinYears = n
			}
		case "require_senior":
			st.RequireSenior = b
		case "employment_years":
			if nerr == nil && n >= 0 {
				st.EmploymentYears = n
			}
		case "freq_limit":
			if nerr == nil && n >= 0 {
				st.FreqLimit = n
			}
		case "freq_days":
			if nerr == nil && n >= 0 {
				st.FreqDays = n
			}
		case "reply_minutes":
			if nerr == nil && n > 0 {
				st.ReplyMinutes = n
			}
		case "hide_names_until_signin":
			st.HideNames = b
		case "auto_supplementary":
			st.AutoSupplement = b
		case "supplementary_backups":
			if nerr == nil && n >= 0 {
				st.SupplementBackups = n
			}
		}
	}
	return st, rows.Err()
}

// SetSetting writes one expertpool setting (tests and the admin page).
func SetSetting(ctx context.Context, x sqlx.ExecerContext, name, value string, now time.Time) error {
	return settings.Set(ctx, x, "expertpool", name, value, now)
}
