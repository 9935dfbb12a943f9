// Package trading owns projects of the four kinds (engineering, procurement, land, property), lots, announcements and their timelines, the rules as data, sign-ups, deposits, sealed bids, fixed-price selection and awards.
package trading

import (
	"context"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/vault"
)

// Files is the content-addressed store sealed bid files go to (filestore.Local
// or an object store).
type Files interface {
	Put(ctx context.Context, r io.Reader) (key string, size int64, err error)
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// DefaultMaxFileBytes is the per-file limit of a bid upload when the setting
// trading.bid_file_max_mb is absent.
const DefaultMaxFileBytes = 200 << 20

// Service is the trading service. Each method is one transaction.
type Service struct {
	DB       *sqlx.DB
	Clock    clock.Clock
	Vault    *vault.Vault
	Calendar *calendar.Store
	Files    Files
	// UploadSlots caps the bid uploads streamed at once (default 64): under
	// a deadline surge the admitted uploads finish at full speed instead of
	// every upload crawling past the deadline together; the others wait
	// (their clients' bodies unread) for a slot.
	UploadSlots int
	// PortalTTL is how long a public announcement list stays cached
	// (default 2 s; negative disables the cache).
	PortalTTL time.Duration
	// SignupBatch caps the sign-ups written in one group commit (default
	// 128) and SignupFlushers the group commits in flight at once
	// (default 2); see signup_batch.go.
	SignupBatch    int
	SignupFlushers int
	// Multi, when set, is a pool of the same database whose connections
	// take several statements per request (db.OpenMulti): the sign-up
	// group commit then needs two round trips instead of five.
	Multi *sqlx.DB
	// OpeningClosed, when set (wiring.Evaluation sets it), reports whether
	// a lot's opening session is over: its record, with the deposit checks
	// printed in the 开标记录表, is then final, and CheckDeposit refuses.
	OpeningClosed func(ctx context.Context, lotID int64) (bool, error)
	// EvaluationAward, when set (wiring.Evaluation sets it), tells what the
	// evaluation decided for a lot: the result notice of an engineering or
	// procurement lot evaluated in this system states its award.
	EvaluationAward func(ctx context.Context, lotID int64) (EvaluatedAward, error)
	// DeadlineMoved, when set (wiring.Schedule sets it), is told that a
	// clarification moved a project's deadline (the opening) from one time
	// to another, after the move committed: the room bookings follow, and
	// it returns what staff must still arrange, in Chinese.
	DeadlineMoved func(ctx context.Context, projectID int64, from, to time.Time) []string
	// ProjectTerminated, when set (wiring.Schedule sets it), is told that a
	// project was terminated, after the commit: its room bookings are
	// cancelled; it returns what staff must still arrange, in Chinese.
	ProjectTerminated func(ctx context.Context, projectID int64) []string
	// OpeningHours, when set (wiring.Schedule sets it), gives the hours
	// (minutes of the day, Beijing time; from ≤ t < until) in which the
	// centre's opening and auction rooms are open; ok is false when it has
	// none. A deadline outside them is refused.
	OpeningHours func(ctx context.Context) (from, until int, ok bool, err error)

	portalMu    sync.Mutex
	portalCache map[string]portalEntry

	slotsOnce sync.Once
	slots     chan struct{}
	lotCache  sync.Map // lot id → *lotState, see signupLot
	groupOnce sync.Once
	group     *signupGroup
	// multiCounts counts what became of the batches sent in two round
	// trips (SignupBatches).
	multiCounts [multiOutcomes]atomic.Int64

	invitedCache sync.Map // project id → *invitedSet, see checkInvited
}

// uploadSlot waits for an upload slot; release it when done.
func (s *Service) uploadSlot(ctx context.Context) (release func(), err error) {
	s.slotsOnce.Do(func() {
		n := s.UploadSlots
		if n <= 0 {
			n = 64
		}
		s.slots = make(chan struct{}, n)
	})
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Service) calendar(ctx context.Context) (*calendar.Calendar, error) {
	if s.Calendar == nil {
		return calendar.New(nil), nil
	}
	return s.Calendar.Calendar(ctx)
}

func projectObject(id int64) string { return "project:" + strconv.FormatInt(id, 10) }
