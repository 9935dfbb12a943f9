package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
	"ggzy/db"
)

// Genesis is the hash before the first event.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Row is an audit event as stored.
type Row struct {
	ID          int64          `db:"id"`
	Seq         sql.NullInt64  `db:"seq"`
	OccurredAt  time.Time      `db:"occurred_at"`
	ActorUserID sql.NullInt64  `db:"actor_user_id"`
	Actor       string         `db:"actor"`
	Role        string         `db:"role"`
	OrgID       sql.NullInt64  `db:"org_id"`
	IP          string         `db:"ip"`
	Action      string         `db:"action"`
	ObjectType  string         `db:"object_type"`
	ObjectID    string         `db:"object_id"`
	ProjectID   sql.NullInt64  `db:"project_id"`
	Summary     string         `db:"summary"`
	PrevHash    sql.NullString `db:"prev_hash"`
	Hash        sql.NullString `db:"hash"`
	SealedAt    sql.NullTime   `db:"sealed_at"`
}

// Columns lists the stored columns in the order Row expects.
const Columns = `id, seq, occurred_at, actor_user_id, actor, role, org_id, ip, action, object_type, object_id, project_id, summary, prev_hash, hash, sealed_at`

// Canonical is the exact byte string an event's hash covers (besides the
// previous hash): a JSON array of the fields in a fixed order, times in UTC
// with microseconds, exactly as encoding/json writes that array (the
// chains sealed so far were hashed over json.Marshal's bytes;
// canonical_test.go compares the two, also under fuzzing). It is written
// by hand because Verify recomputes it for every event of the chain.
func Canonical(r *Row, seq int64) []byte {
	return appendCanonical(make([]byte, 0, 192+len(r.Summary)+len(r.ObjectID)), r, seq)
}

func appendCanonical(b []byte, r *Row, seq int64) []byte {
	b = append(b, '[')
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, r.ID, 10)
	b = append(b, ',', '"')
	b = r.OccurredAt.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	b = append(b, '"', ',')
	b = appendNullInt(b, r.ActorUserID)
	for _, s := range [...]string{r.Actor, r.Role} {
		b = append(b, ',')
		b = appendJSONString(b, s)
	}
	b = append(b, ',')
	b = appendNullInt(b, r.OrgID)
	for _, s := range [...]string{r.IP, r.Action, r.ObjectType, r.ObjectID} {
		b = append(b, ',')
		b = appendJSONString(b, s)
	}
	b = append(b, ',')
	b = appendNullInt(b, r.ProjectID)
	b = append(b, ',')
	b = appendJSONString(b, r.Summary)
	return append(b, ']')
}

func appendNullInt(b []byte, n sql.NullInt64) []byte {
	if !n.Valid {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, n.Int64, 10)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does by default: \", \\ and
// the short escapes for \b \f \n \r \t, \u00XX for the other control
// characters and for < > & (HTML escaping), \ufffd for each invalid UTF-8
// byte, \u2028 and \u2029; everything else as is.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// HashOf chains an event onto prev.
func HashOf(prev string, r *Row, seq int64) string {
	var buf [1024]byte
	return hashInto(buf[:0], prev, r, seq)
}

// hashInto is HashOf with b as the scratch space for the canonical bytes.
func hashInto(b []byte, prev string, r *Row, seq int64) string {
	b = append(b, prev...)
	b = append(b, '\n')
	b = appendCanonical(b, r, seq)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Sealer seals committed events into the chain.
type Sealer struct {
	DB    *sqlx.DB
	Clock clock.Clock
	Log   *slog.Logger
	Batch int // events per transaction; default 500
	// VerifyDaily: after taking the day's checkpoint, walk the whole
	// chain and record the walk (audit_verifications), in the background.
	VerifyDaily bool

	cpMu  sync.Mutex
	cpDay time.Time // the day this instance last saw a checkpoint taken
}

// SealOnce seals up to one batch of unsealed events and reports how many.
func (s *Sealer) SealOnce(ctx context.Context) (int, error) {
	batch := s.Batch
	if batch <= 0 {
		batch = 500
	}
	n := 0
	err := db.Transact(ctx, s.DB, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *sqlx.Tx) error {
		n = 0
		var head struct {
			Seq  int64  `db:"seq"`
			Hash string `db:"hash"`
		}
		if err := tx.GetContext(ctx, &head, `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`); err != nil {
			return fmt.Errorf("lock audit head: %w", err)
		}
		var rows []Row
		if err := tx.SelectContext(ctx, &rows, `SELECT `+Columns+` FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT ?`, batch); err != nil {
			return fmt.Errorf("read unsealed events: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		now := s.Clock.Now().UTC().Truncate(time.Microsecond)
		seq, prev := head.Seq, head.Hash
		for i := range rows {
			seq++
			h := HashOf(prev, &rows[i], seq)
			if _, err := tx.ExecContext(ctx, `UPDATE audit_events SET seq = ?, prev_hash = ?, hash = ?, sealed_at = ? WHERE id = ? AND seq IS NULL`,
				seq, prev, h, now, rows[i].ID); err != nil {
				return fmt.Errorf("seal event %d: %w", rows[i].ID, err)
			}
			prev = h
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ?, updated_at = ? WHERE id = 1`, seq, prev, now); err != nil {
			return fmt.Errorf("move audit head: %w", err)
		}
		n = len(rows)
		return nil
	})
	return n, err
}

func (s *Sealer) verifyDaily(ctx context.Context) {
	v, err := VerifyAndRecord(WithActor(ctx, System), s.DB, s.Clock, ViaDaily)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			s.Log.Error("audit chain: daily verification failed to run", "err", err)
		}
	case !v.OK:
		s.Log.Error("audit chain: daily verification found the chain broken", "bad_seq", v.BadSeq, "bad_id", v.BadID, "code", v.Code, "reason", v.Reason)
	default:
		s.Log.Info("audit chain: daily verification", "events", v.Events, "head_seq", v.HeadSeq, "took", v.FinishedAt.Sub(v.StartedAt).String())
	}
}

// SealAll seals until nothing is left (used by tests and before verify).
func (s *Sealer) SealAll(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.SealOnce(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// Run seals every interval until ctx ends.
func (s *Sealer) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var walks sync.WaitGroup
	defer walks.Wait()
	for {
		for {
			n, err := s.SealOnce(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.Log.Error("audit sealer", "err", err)
				}
				break
			}
			if n == 0 {
				break
			}
		}
		// After sealing, so that the day's checkpoint covers what is
		// waiting; its own event is sealed in the next round.
		taken, err := s.Checkpoint(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("audit checkpoint", "err", err)
		}
		// The instance that took the day's checkpoint walks the chain once:
		// one walk a day across instances, beside the sealing.
		if taken && s.VerifyDaily {
			walks.Add(1)
			go func() {
				defer walks.Done()
				s.verifyDaily(ctx)
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Report is the outcome of Verify.
type Report struct {
	Events      int64  // sealed events checked
	HeadSeq     int64  // the head's sequence number
	HeadHash    string // the head's hash
	StaleUnseal int64  // unsealed events older than a minute
	BadSeq      int64  // first bad event's sequence number (0 when none)
	BadID       int64  // first bad event's id
	Code        string // what is wrong, stable (Broken… constants; "" when whole)
	Reason      string // why it is bad, in English (logs, the command line)
}

// What Verify finds wrong, first thing first.
const (
	BrokenSeqMissing   = "seq_missing"   // no event with the expected seq
	BrokenPrevMismatch = "prev_mismatch" // prev_hash is not the previous event's hash
	BrokenHashMismatch = "hash_mismatch" // the content does not give the stored hash
	BrokenChainShort   = "chain_short"   // the chain ends before the head's seq
	BrokenHeadMismatch = "head_mismatch" // the last event's hash is not the head's
)

// OK reports whether the chain verified.
func (r Report) OK() bool { return r.BadSeq == 0 && r.Reason == "" }

// Message says in Chinese what is wrong ("" when the chain is whole).
func (r Report) Message() string {
	n := strconv.FormatInt(r.BadSeq, 10)
	switch r.Code {
	case "":
		if r.OK() {
			return ""
		}
		return "审计链校验未通过：" + r.Reason
	case BrokenSeqMissing:
		return "第" + n + "号事件缺失（被删除，或序号被改动）"
	case BrokenPrevMismatch:
		return "第" + n + "号事件记录的前一哈希与第" + strconv.FormatInt(r.BadSeq-1, 10) + "号事件的哈希不符（事件被删除、插入或调换）"
	case BrokenHashMismatch:
		return "第" + n + "号事件的内容与其哈希不符（事件内容被改动）"
	case BrokenChainShort:
		return "审计链只到第" + strconv.FormatInt(r.BadSeq-1, 10) + "号事件，链头记录为第" + strconv.FormatInt(r.HeadSeq, 10) + "号（末尾的事件被删除）"
	case BrokenHeadMismatch:
		return "最后一条事件的哈希与链头记录的哈希不符（链头或末尾的事件被改动）"
	}
	return "审计链校验未通过（" + r.Code + "）"
}

// readChainPage appends to rows the sealed events with seq from to to, in
// seq order. It scans without sqlx's reflection: Verify reads the whole
// chain.
func readChainPage(ctx context.Context, x sqlx.QueryerContext, rows []Row, from, to int64) ([]Row, error) {
	rs, err := x.QueryContext(ctx, `SELECT `+Columns+` FROM audit_events WHERE seq BETWEEN ? AND ? ORDER BY seq`, from, to)
	if err != nil {
		return rows, fmt.Errorf("read audit events: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		rows = append(rows, Row{})
		r := &rows[len(rows)-1]
		if err := rs.Scan(&r.ID, &r.Seq, &r.OccurredAt, &r.ActorUserID, &r.Actor, &r.Role, &r.OrgID, &r.IP, &r.Action, &r.ObjectType,
			&r.ObjectID, &r.ProjectID, &r.Summary, &r.PrevHash, &r.Hash, &r.SealedAt); err != nil {
			return rows, fmt.Errorf("read audit events: %w", err)
		}
	}
	if err := rs.Err(); err != nil {
		return rows, fmt.Errorf("read audit events: %w", err)
	}
	return rows, nil
}

// verifyPage is the number of events Verify reads at once (a variable for
// the tests of page boundaries).
var verifyPage int64 = 2000

// Verify walks the chain from the first event to the head as it was when
// Verify started: events sealed meanwhile are left for the next walk. One
// goroutine reads the next page while the caller's hashes the current one.
func Verify(ctx context.Context, x sqlx.QueryerContext, now time.Time) (Report, error) {
	var rep Report
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := sqlx.GetContext(ctx, x, &head, `SELECT seq, hash FROM audit_head WHERE id = 1`); err != nil {
		return rep, fmt.Errorf("read audit head: %w", err)
	}
	rep.HeadSeq, rep.HeadHash = head.Seq, head.Hash

	type page struct {
		rows []Row
		err  error
	}
	pages := make(chan page, 1)
	free := make(chan []Row, 3) // one read, one waiting, one hashed
	for range cap(free) {
		free <- make([]Row, 0, verifyPage)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	// The reader has stopped before Verify returns: x may be a transaction.
	defer func() { cancel(); <-done }()
	go func() {
		defer close(done)
		defer close(pages)
		for from := int64(1); from <= head.Seq; from += verifyPage {
			var buf []Row
			select {
			case buf = <-free:
			case <-rctx.Done():
				return
			}
			rows, err := readChainPage(rctx, x, buf[:0], from, min(from+verifyPage-1, head.Seq))
			select {
			case pages <- page{rows, err}:
			case <-rctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()

	prev := Genesis
	var want int64 = 1
	scratch := make([]byte, 0, 1024)
	for p := range pages {
		if p.err != nil {
			return rep, p.err
		}
		for i := range p.rows {
			r := &p.rows[i]
			fail := func(code, reason string) (Report, error) {
				rep.BadSeq, rep.BadID, rep.Code, rep.Reason = want, r.ID, code, reason
				return rep, nil
			}
			if r.Seq.Int64 != want {
				rep.BadSeq, rep.BadID, rep.Code = want, r.ID, BrokenSeqMissing
				rep.Reason = "event with seq " + strconv.FormatInt(want, 10) + " is missing (next found: " + strconv.FormatInt(r.Seq.Int64, 10) + ")"
				return rep, nil
			}
			if !r.PrevHash.Valid || r.PrevHash.String != prev {
				return fail(BrokenPrevMismatch, "prev_hash does not match the previous event's hash")
			}
			if got := hashInto(scratch[:0], prev, r, want); !r.Hash.Valid || got != r.Hash.String {
				return fail(BrokenHashMismatch, "content does not match its hash (the row was altered)")
			}
			prev = r.Hash.String
			rep.Events++
			want++
		}
		free <- p.rows
	}
	if want-1 != head.Seq {
		rep.BadSeq, rep.Code = want, BrokenChainShort
		rep.Reason = fmt.Sprintf("chain ends at seq %d but the head says %d (events removed from the end)", want-1, head.Seq)
		return rep, nil
	}
	if prev != head.Hash {
		rep.BadSeq, rep.Code = head.Seq, BrokenHeadMismatch
		rep.Reason = "last event's hash differs from the head's hash"
		return rep, nil
	}
	if err := sqlx.GetContext(ctx, x, &rep.StaleUnseal, `SELECT COUNT(*) FROM audit_events WHERE seq IS NULL AND occurred_at < ?`, now.Add(-time.Minute)); err != nil {
		return rep, fmt.Errorf("count unsealed events: %w", err)
	}
	return rep, nil
}
