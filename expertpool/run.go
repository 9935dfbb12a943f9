package expertpool

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/lottery"
	"ggzy/notify"
	"ggzy/problem"
	"ggzy/schedule"
)

// KindReplyDeadline is the timed-event kind of a member's reply deadline;
// its target is "draw:<draw id>/member:<member id>". The schedule engine
// calls HandleReplyDeadline for it.
const KindReplyDeadline = "expertpool.reply_deadline"

// maxWitnessSources bounds the witnesses of one draw.
const maxWitnessSources = 6

// ValidateWitnessSources checks the numbers witnesses typed: each source
// one or more non-negative integers (separated by spaces, commas or 、).
func ValidateWitnessSources(sources []string) error {
	var f problem.Fields
	if len(sources) == 0 {
		f.Add("sources", "witness_required", "请至少由一名见证人输入随机数")
	}
	if len(sources) > maxWitnessSources {
		f.Add("sources", "too_many", fmt.Sprintf("见证人随机数最多%d组", maxWitnessSources))
	}
	for i, src := range sources {
		field := "sources[" + strconv.Itoa(i) + "]"
		tokens := strings.FieldsFunc(src, func(r rune) bool {
			return r == ' ' || r == '\t' || r == ',' || r == '，' || r == '、' || r == '\u3000'
		})
		switch {
		case len(tokens) == 0:
			f.Add(field, "witness_empty", fmt.Sprintf("第%d组随机数为空", i+1))
		case len(src) > 200 || len(tokens) > 20:
			f.Add(field, "witness_too_long", fmt.Sprintf("第%d组随机数过长（最多20个数）", i+1))
		default:
			for _, t := range tokens {
				if len(t) > 18 || strings.IndexFunc(t, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
					f.Add(field, "witness_not_number", fmt.Sprintf("第%d组随机数“%s”不是数字（只能输入0-9，最多18位）", i+1, t))
					break
				}
			}
		}
	}
	return f.Err()
}

// memberToken is a one-time link to send after the commit.
type memberToken struct {
	memberID, drawID, expertID int64
	token                      string
	deadline                   time.Time
}

// RunResult tells the terminal what happened; member names are not in it.
type RunResult struct {
	DrawID  int64
	Key     string
	Picks   []Pick
	Notices int
}

// Run performs a prepared draw with the witnesses' numbers: it reveals the
// committed secret, builds the key from the witness sources and the secret
// (RFC 3797 form), selects primaries then backups in each group, invites the
// primaries and schedules their reply deadlines. Of two staff running the
// same draw at the same moment one wins; the other gets draw_already_run.
func (s *Service) Run(ctx context.Context, drawID int64, witness []string) (*RunResult, error) {
	if err := ValidateWitnessSources(witness); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var res *RunResult
	var tokens []memberToken
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		st, err := LoadSettings(ctx, tx)
		if err != nil {
			return err
		}
		d, err := loadDraw(ctx, tx, drawID, true)
		if err != nil {
			return err
		}
		res, tokens, err = s.runTx(ctx, tx, d, witness, st, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	res.Notices = s.sendNotices(ctx, tokens)
	return res, nil
}

func (s *Service) runTx(ctx context.Context, tx *sqlx.Tx, d *Draw, witness []string, st Settings, now time.Time) (*RunResult, []memberToken, error) {
	if d.Status != DrawPrepared {
		return nil, nil, problem.New(problem.Conflict, "draw_already_run", "该次抽取已经完成，不能重复抽取")
	}
	doc, err := s.document(ctx, tx, d)
	if err != nil {
		return nil, nil, err
	}
	secret, err := s.Vault.Open(purposeSecret, d.Commitment, d.SecretSealed)
	if err != nil {
		return nil, nil, fmt.Errorf("open secret of draw %d: %w", d.ID, err)
	}
	if Hash(secret) != d.Commitment {
		return nil, nil, fmt.Errorf("draw %d: secret does not match its commitment", d.ID)
	}
	sources := append(append([]string(nil), witness...), string(secret))
	key, err := lottery.KeyFromStrings(sources)
	if err != nil {
		var f problem.Fields
		f.AddErr("sources", err)
		return nil, nil, f.Err()
	}
	picks, err := Choose(doc.Groups, sources)
	if err != nil {
		return nil, nil, fmt.Errorf("draw %d: %w", d.ID, err)
	}
	if err := checkStillEligible(ctx, tx, d, picks); err != nil {
		return nil, nil, err
	}
	srcJSON, _ := json.Marshal(sources)
	resJSON, _ := json.Marshal(picks)
	actor := audit.ActorFrom(ctx)
	drawnBy := actor.UserID
	if drawnBy == 0 { // run on an expert's reply: the draw's own runner
		drawnBy = d.CreatedBy.Int64
	}
	// The members are booked from now on: bookings_version moves (bookings.go).
	if _, err := tx.ExecContext(ctx, `UPDATE expert_draws SET status = 'drawn', secret_revealed = ?, sources = ?, key_text = ?, result = ?,
		drawn_by = ?, drawn_at = ?, bookings_version = bookings_version + 1 WHERE id = ? AND status = 'prepared'`,
		string(secret), string(srcJSON), key, string(resJSON), nullInt(drawnBy), now, d.ID); err != nil {
		return nil, nil, fmt.Errorf("record draw %d: %w", d.ID, err)
	}
	deadline := replyDeadline(d, st, now)
	var tokens []memberToken
	var b strings.Builder
	b.WriteString(`INSERT INTO expert_draw_members (draw_id, group_no, specialty_code, rank_no, expert_id, state, token_hash, reply_deadline, updated_at) VALUES `)
	args := make([]any, 0, len(picks)*9)
	for i, p := range picks {
		g := doc.Groups[p.Group-1]
		state, hash, dl := MemberStandby, any(nil), any(nil)
		if p.Rank <= g.Primaries {
			tok, h, err := newToken()
			if err != nil {
				return nil, nil, err
			}
			state, hash, dl = MemberNotified, h, deadline
			tokens = append(tokens, memberToken{drawID: d.ID, expertID: p.ExpertID, token: tok, deadline: deadline})
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, d.ID, p.Group, g.Specialty, p.Rank, p.ExpertID, state, hash, dl, now)
	}
	if len(picks) > 0 {
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return nil, nil, fmt.Errorf("insert members of draw %d: %w", d.ID, err)
		}
	}
	if err := s.armTokens(ctx, tx, tokens, now); err != nil {
		return nil, nil, err
	}
	if err := audit.Record(ctx, tx, now, audit.Event{Action: "expertdraw.run", ObjectType: "expert_draw", ObjectID: fmt.Sprint(d.ID),
		ProjectID: d.ProjectID, Summary: map[string]any{"pool_hash": d.PoolHash, "key": key, "members": len(picks), "auto": d.AutoRun}}); err != nil {
		return nil, nil, err
	}
	return &RunResult{DrawID: d.ID, Key: key, Picks: picks}, tokens, nil
}

// armTokens finds the member ids of freshly invited members and schedules
// their reply deadlines.
func (s *Service) armTokens(ctx context.Context, tx *sqlx.Tx, tokens []memberToken, now time.Time) error {
	for i := range tokens {
		t := &tokens[i]
		if t.memberID == 0 {
			if err := tx.GetContext(ctx, &t.memberID, `SELECT id FROM expert_draw_members WHERE draw_id = ? AND expert_id = ?`, t.drawID, t.expertID); err != nil {
				return fmt.Errorf("find member: %w", err)
			}
		}
		if err := schedule.At(ctx, tx, KindReplyDeadline, deadlineTarget(t.drawID, t.memberID), t.deadline, now); err != nil {
			return err
		}
	}
	return nil
}

func deadlineTarget(drawID, memberID int64) string {
	return fmt.Sprintf("draw:%d/member:%d", drawID, memberID)
}

func replyDeadline(d *Draw, st Settings, now time.Time) time.Time {
	dl := now.Add(time.Duration(st.ReplyMinutes) * time.Minute)
	limit := d.SessionStart
	if !limit.After(now) {
		// Called once the session has begun (a supplementary draw on the
		// day): the expert still gets his reply time, within the session.
		limit = d.SessionEnd
	}
	if dl.After(limit) {
		dl = limit
	}
	return dl
}

func newToken() (token, hash string, err error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token), nil
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// document returns the parsed pool document of d, from a small cache of
// documents already checked against their hash. Verification never uses it.
func (s *Service) document(ctx context.Context, q sqlx.QueryerContext, d *Draw) (*Document, error) {
	s.docMu.Lock()
	doc, ok := s.docs[d.ID]
	s.docMu.Unlock()
	if ok && doc.hash == d.PoolHash {
		return doc, nil
	}
	doc, err := loadDocument(ctx, q, d)
	if err != nil {
		return nil, err
	}
	s.cacheDocument(d.ID, doc)
	return doc, nil
}

func (s *Service) cacheDocument(id int64, doc *Document) {
	s.docMu.Lock()
	defer s.docMu.Unlock()
	if s.docs == nil || len(s.docs) >= 64 {
		s.docs = map[int64]*Document{}
	}
	s.docs[id] = doc
}

func loadDocument(ctx context.Context, q sqlx.QueryerContext, d *Draw) (*Document, error) {
	body, err := readPool(ctx, q, d.ID)
	if err != nil {
		return nil, err
	}
	if Hash(body) != d.PoolHash {
		return nil, fmt.Errorf("draw %d: archived pool does not match the recorded hash", d.ID)
	}
	doc, err := ParseDocument(body)
	if err != nil {
		return nil, err
	}
	doc.hash = d.PoolHash
	return doc, nil
}

// sendNotices invites members after the commit, recording each outcome. It
// returns how many were delivered; failures stay visible on the draw page
// and ResendNotices tries again.
func (s *Service) sendNotices(ctx context.Context, tokens []memberToken) int {
	if len(tokens) == 0 {
		return 0
	}
	type target struct {
		ID    int64     `db:"id"`
		Name  string    `db:"name"`
		Phone string    `db:"phone"`
		Start time.Time `db:"session_starts_at"`
		Place string    `db:"place"`
	}
	ids := make([]any, len(tokens))
	for i, t := range tokens {
		ids[i] = t.memberID
	}
	byID := map[int64]target{}
	q, args, err := sqlx.In(`SELECT m.id, x.name, x.phone, d.session_starts_at, d.place FROM expert_draw_members m
		JOIN experts x ON x.id = m.expert_id JOIN expert_draws d ON d.id = m.draw_id WHERE m.id IN (?)`, ids)
	if err == nil {
		var ts []target
		if err = s.DB.SelectContext(ctx, &ts, q, args...); err == nil {
			for _, t := range ts {
				byID[t.ID] = t
			}
		}
	}
	if err != nil {
		s.log().ErrorContext(ctx, "read notice targets", "err", err)
	}
	sent := 0
	var okIDs []any
	now := s.Clock.Now()
	for _, t := range tokens {
		e, found := byID[t.memberID]
		var nerr error
		if !found {
			nerr = fmt.Errorf("member %d not found", t.memberID)
		} else {
			link := s.ReplyURL + t.token
			text := fmt.Sprintf("【公共资源交易中心】%s您好：您被随机抽取为评标专家，评标时间%s，地点%s。请在%s前通过以下一次性链接确认是否参加：%s",
				e.Name, e.Start.In(clock.Shanghai).Format("2006-01-02 15:04"), e.Place, t.deadline.In(clock.Shanghai).Format("01-02 15:04"), link)
			nerr = s.notifier().Notify(ctx, notify.Message{Kind: "expert.invitation", To: e.Phone, Name: e.Name, Text: text, Link: link,
				Deadline: t.deadline, Ref: deadlineTarget(t.drawID, t.memberID)})
		}
		if nerr == nil {
			sent++
			okIDs = append(okIDs, t.memberID)
			continue
		}
		msg := nerr.Error()
		if len(msg) > 300 {
			msg = msg[:300]
		}
		s.log().WarnContext(ctx, "expert notice failed", "member", t.memberID, "err", nerr)
		if _, uerr := s.DB.ExecContext(ctx, `UPDATE expert_draw_members SET notice_error = ?, updated_at = ? WHERE id = ?`, msg, now, t.memberID); uerr != nil {
			s.log().ErrorContext(ctx, "record notice", "member", t.memberID, "err", uerr)
		}
	}
	if len(okIDs) > 0 {
		q, args, err := sqlx.In(`UPDATE expert_draw_members SET notified_at = ?, notice_error = '', updated_at = ? WHERE id IN (?)`, now, now, okIDs)
		if err == nil {
			_, err = s.DB.ExecContext(ctx, q, args...)
		}
		if err != nil {
			s.log().ErrorContext(ctx, "record notices", "err", err)
		}
	}
	return sent
}

// ResendNotices sends a new one-time link to every invited member of the
// draw whose notice failed or who has not answered; old links stop working.
func (s *Service) ResendNotices(ctx context.Context, drawID int64) (int, error) {
	now := s.Clock.Now()
	var tokens []memberToken
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		tokens = tokens[:0]
		d, err := loadDraw(ctx, tx, drawID, true)
		if err != nil {
			return err
		}
		if err := requireRunner(audit.ActorFrom(ctx), d); err != nil {
			return err
		}
		var ms []struct {
			ID       int64     `db:"id"`
			ExpertID int64     `db:"expert_id"`
			Deadline time.Time `db:"reply_deadline"`
		}
		if err := tx.SelectContext(ctx, &ms, `SELECT id, expert_id, reply_deadline FROM expert_draw_members WHERE draw_id = ? AND state = 'notified' AND reply_deadline > ? FOR UPDATE`, d.ID, now); err != nil {
			return err
		}
		for _, m := range ms {
			tok, h, err := newToken()
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE expert_draw_members SET token_hash = ?, updated_at = ? WHERE id = ?`, h, now, m.ID); err != nil {
				return err
			}
			tokens = append(tokens, memberToken{memberID: m.ID, drawID: d.ID, expertID: m.ExpertID, token: tok, deadline: m.Deadline})
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "expertdraw.resend", ObjectType: "expert_draw", ObjectID: fmt.Sprint(d.ID),
			ProjectID: d.ProjectID, Summary: map[string]any{"notices": len(tokens)}})
	})
	if err != nil {
		return 0, err
	}
	return s.sendNotices(ctx, tokens), nil
}

// Invitation is what the one-time link shows.
type Invitation struct {
	DrawID       int64
	ProjectID    int64
	LotID        int64
	Name         string
	SessionStart time.Time
	SessionEnd   time.Time
	Place        string
	Deadline     time.Time
	State        string
}

const selectInvitation = `SELECT m.id, m.draw_id, m.state, m.reply_deadline, x.name, d.project_id, d.lot_id, d.session_starts_at, d.session_ends_at, d.place
  FROM expert_draw_members m JOIN experts x ON x.id = m.expert_id JOIN expert_draws d ON d.id = m.draw_id WHERE m.token_hash = ?`

var errLinkInvalid = problem.New(problem.NotFound, "reply_link_invalid", "链接无效或已经使用过")

// Invitation reads the invitation behind a one-time link without using it.
func (s *Service) Invitation(ctx context.Context, token string) (*Invitation, error) {
	var r struct {
		ID       int64     `db:"id"`
		DrawID   int64     `db:"draw_id"`
		State    string    `db:"state"`
		Deadline time.Time `db:"reply_deadline"`
		Name     string    `db:"name"`
		Project  int64     `db:"project_id"`
		Lot      int64     `db:"lot_id"`
		Start    time.Time `db:"session_starts_at"`
		End      time.Time `db:"session_ends_at"`
		Place    string    `db:"place"`
	}
	if token == "" || len(token) > 100 {
		return nil, errLinkInvalid
	}
	err := s.DB.GetContext(ctx, &r, selectInvitation, tokenHash(token))
	if errors.Is(err, db.ErrNoRows) {
		return nil, errLinkInvalid
	}
	if err != nil {
		return nil, err
	}
	return &Invitation{DrawID: r.DrawID, ProjectID: r.Project, LotID: r.Lot, Name: r.Name, SessionStart: r.Start, SessionEnd: r.End,
		Place: r.Place, Deadline: r.Deadline, State: r.State}, nil
}

// Reply confirms or declines through a one-time link. The link works once
// and only before the deadline. A decline calls the next backup of the same
// specialty; when there is none, a supplementary draw (补抽) runs.
func (s *Service) Reply(ctx context.Context, token string, accept bool, note string) error {
	if token == "" || len(token) > 100 {
		return errLinkInvalid
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 300 {
		return problem.InvalidField("note", "too_long", "说明不超过300字")
	}
	h := tokenHash(token)
	var drawID int64
	if err := s.DB.GetContext(ctx, &drawID, `SELECT draw_id FROM expert_draw_members WHERE token_hash = ?`, h); err != nil {
		if errors.Is(err, db.ErrNoRows) {
			return errLinkInvalid
		}
		return err
	}
	now := s.Clock.Now()
	var tokens []memberToken
	// READ COMMITTED: this transaction waits for the draw's locks after its
	// first read; what it reads after them (the next link of the secret
	// chain, the members a concurrent supplementary draw just booked) must
	// be the committed state, not the snapshot of its first read.
	err := db.Transact(ctx, s.DB, readCommitted, func(tx *sqlx.Tx) error {
		tokens = nil
		st, err := LoadSettings(ctx, tx)
		if err != nil {
			return err
		}
		d, err := loadDraw(ctx, tx, drawID, true)
		if err != nil {
			return err
		}
		var m struct {
			ID       int64     `db:"id"`
			Group    int       `db:"group_no"`
			State    string    `db:"state"`
			Deadline time.Time `db:"reply_deadline"`
		}
		err = tx.GetContext(ctx, &m, `SELECT id, group_no, state, reply_deadline FROM expert_draw_members WHERE token_hash = ? AND draw_id = ? FOR UPDATE`, h, drawID)
		if errors.Is(err, db.ErrNoRows) {
			return errLinkInvalid
		}
		if err != nil {
			return err
		}
		if m.State != MemberNotified {
			return errLinkInvalid
		}
		if !now.Before(m.Deadline) {
			return problem.New(problem.Gone, "reply_expired", "答复期限已过，视为不参加，将由候补专家递补")
		}
		state := MemberDeclined
		if accept {
			state = MemberConfirmed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE expert_draw_members SET state = ?, token_hash = NULL, replied_at = ?, reply_note = ?, updated_at = ? WHERE id = ?`,
			state, now, note, now, m.ID); err != nil {
			return fmt.Errorf("record reply: %w", err)
		}
		if err := bookingsChanged(ctx, tx, d.ID); err != nil { // also covers the backups replace calls
			return err
		}
		if err := schedule.Cancel(ctx, tx, KindReplyDeadline, deadlineTarget(d.ID, m.ID), now); err != nil {
			return err
		}
		if err := audit.RecordAs(ctx, tx, audit.Actor{Username: "expert-link", Role: "expert", IP: audit.ActorFrom(ctx).IP}, now, audit.Event{
			Action: "expertdraw." + state, ObjectType: "expert_draw", ObjectID: fmt.Sprint(d.ID), ProjectID: d.ProjectID,
			Summary: map[string]any{"member": m.ID, "group": m.Group}}); err != nil {
			return err
		}
		if !accept {
			tokens, err = s.replace(ctx, tx, d, map[int]int{m.Group: 1}, st, now)
		}
		return err
	})
	if err != nil {
		return err
	}
	s.sendNotices(ctx, tokens)
	return nil
}

// HandleReplyDeadline is the handler of KindReplyDeadline events: target is
// "draw:<id>/member:<id>". It is idempotent.
func (s *Service) HandleReplyDeadline(ctx context.Context, target string) error {
	var drawID, memberID int64
	if _, err := fmt.Sscanf(target, "draw:%d/member:%d", &drawID, &memberID); err != nil {
		return fmt.Errorf("reply deadline target %q: %w", target, err)
	}
	return s.ExpireReplies(ctx, drawID)
}

// ExpireReplies marks every invited member of the draw whose deadline has
// passed without an answer as expired and calls backups in their place (or
// runs a supplementary draw). Running it again changes nothing.
// readCommitted is the isolation of the transactions that react to replies
// and expiries (see Reply).
var readCommitted = &sql.TxOptions{Isolation: sql.LevelReadCommitted}

func (s *Service) ExpireReplies(ctx context.Context, drawID int64) error {
	now := s.Clock.Now()
	var tokens []memberToken
	// READ COMMITTED: this transaction waits for the draw's locks after its
	// first read; what it reads after them (the next link of the secret
	// chain, the members a concurrent supplementary draw just booked) must
	// be the committed state, not the snapshot of its first read.
	err := db.Transact(ctx, s.DB, readCommitted, func(tx *sqlx.Tx) error {
		tokens = nil
		st, err := LoadSettings(ctx, tx)
		if err != nil {
			return err
		}
		d, err := loadDraw(ctx, tx, drawID, true)
		if err != nil {
			return err
		}
		var due []struct {
			ID    int64 `db:"id"`
			Group int   `db:"group_no"`
		}
		if err := tx.SelectContext(ctx, &due, `SELECT id, group_no FROM expert_draw_members WHERE draw_id = ? AND state = 'notified' AND reply_deadline <= ? FOR UPDATE`, d.ID, now); err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		missing := map[int]int{}
		for _, m := range due {
			if _, err := tx.ExecContext(ctx, `UPDATE expert_draw_members SET state = 'expired', token_hash = NULL, updated_at = ? WHERE id = ?`, now, m.ID); err != nil {
				return err
			}
			missing[m.Group]++
		}
		if err := bookingsChanged(ctx, tx, d.ID); err != nil { // also covers the backups replace calls
			return err
		}
		if err := audit.RecordAs(ctx, tx, audit.System, now, audit.Event{Action: "expertdraw.expire", ObjectType: "expert_draw",
			ObjectID: fmt.Sprint(d.ID), ProjectID: d.ProjectID, Summary: map[string]any{"expired": len(due)}}); err != nil {
			return err
		}
		tokens, err = s.replace(ctx, tx, d, missing, st, now)
		return err
	})
	if err != nil {
		return err
	}
	s.sendNotices(ctx, tokens)
	return nil
}

// replace calls the next backups of each group for the members missing;
// when a group's backups run out it prepares (and, by setting, runs) a
// supplementary draw of the same lot for what is still missing.
func (s *Service) replace(ctx context.Context, tx *sqlx.Tx, d *Draw, missing map[int]int, st Settings, now time.Time) ([]memberToken, error) {
	var tokens []memberToken
	deadline := replyDeadline(d, st, now)
	short := map[string]int{}
	var order []string
	for group := 1; group <= 10; group++ {
		n := missing[group]
		if n == 0 {
			continue
		}
		var backups []struct {
			ID       int64  `db:"id"`
			ExpertID int64  `db:"expert_id"`
			Code     string `db:"specialty_code"`
		}
		if err := tx.SelectContext(ctx, &backups, `SELECT id, expert_id, specialty_code FROM expert_draw_members WHERE draw_id = ? AND group_no = ? AND state = 'standby'
			ORDER BY rank_no LIMIT `+strconv.Itoa(n)+` FOR UPDATE`, d.ID, group); err != nil {
			return nil, err
		}
		for _, b := range backups {
			tok, h, err := newToken()
			if err != nil {
				return nil, err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE expert_draw_members SET state = 'notified', token_hash = ?, reply_deadline = ?, updated_at = ? WHERE id = ?`,
				h, deadline, now, b.ID); err != nil {
				return nil, err
			}
			tokens = append(tokens, memberToken{memberID: b.ID, drawID: d.ID, expertID: b.ExpertID, token: tok, deadline: deadline})
		}
		if rest := n - len(backups); rest > 0 {
			var code string
			if err := tx.GetContext(ctx, &code, `SELECT specialty_code FROM expert_draw_members WHERE draw_id = ? AND group_no = ? LIMIT 1`, d.ID, group); err != nil {
				return nil, err
			}
			more, err := callLotStandby(ctx, tx, d.LotID, d.ID, code, rest, deadline, now)
			if err != nil {
				return nil, err
			}
			tokens = append(tokens, more...)
			if rest -= len(more); rest == 0 {
				continue
			}
			if short[code] == 0 {
				order = append(order, code)
			}
			short[code] += rest
		}
	}
	if err := s.armTokens(ctx, tx, tokens, now); err != nil {
		return nil, err
	}
	if len(short) == 0 {
		return tokens, nil
	}
	more, _, err := s.supplement(ctx, tx, d, order, short, st, now, false)
	if err != nil {
		return nil, err
	}
	return append(tokens, more...), nil
}

// supplement prepares a supplementary draw for the lot. With
// auto_supplementary it runs at once, its sources being the parent draw's
// witness numbers and the next secret of the chain the lot's first draw
// committed to before its witnesses entered their numbers (chain.go);
// otherwise, or when there is no chain secret left, it waits, prepared, for
// witnesses at the terminal. When the pool cannot fill it the failure is
// recorded for staff and the reply still counts; with strict (staff asked
// for it, Supplement) the failure is the answer instead.
func (s *Service) supplement(ctx context.Context, tx *sqlx.Tx, d *Draw, order []string, short map[string]int, st Settings, now time.Time, strict bool) ([]memberToken, int64, error) {
	var params struct {
		Avoid      []int64 `json:"avoid_org_ids"`
		Region     string  `json:"region"`
		RegionRule string  `json:"region_rule"`
	}
	_ = json.Unmarshal([]byte(d.Params), &params)
	req := DrawRequest{ProjectID: d.ProjectID, LotID: d.LotID, TendererOrgID: d.TendererOrgID, AgencyOrgID: d.AgencyOrgID.Int64,
		SupervisingOrgID: d.SupervisingOrgID.Int64, AvoidOrgIDs: params.Avoid, TradeKind: d.TradeKind, Method: d.Method, BudgetFen: d.BudgetFen,
		SessionStart: d.SessionStart, SessionEnd: d.SessionEnd, Place: d.Place, Region: params.Region, RegionRule: params.RegionRule,
		parent: d.ID, runBy: cmp.Or(d.DrawnBy.Int64, d.CreatedBy.Int64), autoRun: st.AutoSupplement, checkOff: true}
	if st.AutoSupplement {
		req.chainFrom = d
	}
	for _, code := range order {
		req.Quotas = append(req.Quotas, Quota{Specialty: code, Count: short[code], Backups: st.SupplementBackups})
	}
	specs, err := loadSpecialties(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	fail := func(reason error) ([]memberToken, int64, error) {
		if strict {
			return nil, 0, reason
		}
		msg := "补抽失败"
		if p, ok := problem.As(reason); ok {
			msg = p.Message
		} else {
			return nil, 0, reason
		}
		return nil, 0, audit.RecordAs(ctx, tx, audit.System, now, audit.Event{Action: "expertdraw.supplement_failed", ObjectType: "expert_draw",
			ObjectID: fmt.Sprint(d.ID), ProjectID: d.ProjectID, Summary: map[string]any{"reason": msg, "missing": short}})
	}
	if err := req.validate(specs, now); err != nil {
		return fail(err)
	}
	// Backups are best effort in a supplementary draw: shrink them until
	// the pool holds them (a failed prepare writes nothing).
	prep, err := s.prepareTx(ctx, tx, &req, specs, now)
	for b := st.SupplementBackups - 1; b >= 0 && problem.Is(err, "quota_exceeds_pool"); b-- {
		for i := range req.Quotas {
			req.Quotas[i].Backups = b
		}
		prep, err = s.prepareTx(ctx, tx, &req, specs, now)
	}
	if err != nil {
		return fail(err)
	}
	if !req.autoRun {
		return nil, prep.DrawID, nil
	}
	nd, err := loadDraw(ctx, tx, prep.DrawID, true)
	if err != nil {
		return nil, 0, err
	}
	_, tokens, err := s.runTx(ctx, tx, nd, SupplementWitnesses(d.Witnesses(), d.ID), st, now)
	return tokens, prep.DrawID, err
}

// Supplement is staff's 补抽 on a first draw whose committee is short and
// no longer fills itself: an automatic supplementary draw found the pool
// too small (experts were registered or came back since), or a
// supplementary draw waiting for witnesses was cancelled. It draws, like
// the automatic one, what each specialty lacks — the members neither
// confirmed nor waiting for an answer — and returns the new draw, run at
// once with auto_supplementary or waiting for witnesses otherwise. A
// failure (the pool still too small) is the answer and writes nothing. It
// may follow the publication and the start of the session (a decline on
// the day), not its end.
func (s *Service) Supplement(ctx context.Context, drawID int64) (int64, error) {
	now := s.Clock.Now()
	var tokens []memberToken
	var id int64
	err := db.Transact(ctx, s.DB, readCommitted, func(tx *sqlx.Tx) error {
		tokens, id = nil, 0
		st, err := LoadSettings(ctx, tx)
		if err != nil {
			return err
		}
		d, err := loadDraw(ctx, tx, drawID, true)
		if err != nil {
			return err
		}
		if err := requireRunner(audit.ActorFrom(ctx), d); err != nil {
			return err
		}
		if d.ParentDrawID.Valid {
			return problem.New(problem.Conflict, "supplement_parent", "请在原抽取记录上补抽")
		}
		if d.Status != DrawDrawn && d.Status != DrawPublished {
			return problem.New(problem.Conflict, "draw_not_drawn", "只有已抽取的抽取记录可以补抽")
		}
		var pending int64
		err = tx.GetContext(ctx, &pending, `SELECT id FROM expert_draws WHERE lot_id = ? AND parent_draw_id IS NOT NULL AND status = 'prepared' ORDER BY id LIMIT 1`, d.LotID)
		if err == nil {
			return problem.New(problem.Conflict, "supplement_pending", fmt.Sprintf("补抽（抽取 %d）已固定候选名单，尚待见证人输入随机数：请在该记录上抽取，或取消后再补抽", pending))
		}
		if !errors.Is(err, db.ErrNoRows) {
			return err
		}
		doc, err := s.document(ctx, tx, d)
		if err != nil {
			return err
		}
		short, order, err := lotMissing(ctx, tx, d, doc)
		if err != nil {
			return err
		}
		if len(order) == 0 {
			return problem.New(problem.Conflict, "committee_not_short", "各专业已确认或待答复的专家人数已满足，无需补抽")
		}
		// Backups already drawn for the lot come first.
		deadline := replyDeadline(d, st, now)
		var rest []string
		for _, code := range order {
			called, err := callLotStandby(ctx, tx, d.LotID, 0, code, short[code], deadline, now)
			if err != nil {
				return err
			}
			tokens = append(tokens, called...)
			if short[code] -= len(called); short[code] > 0 {
				rest = append(rest, code)
			}
		}
		if len(tokens) > 0 {
			if err := s.armTokens(ctx, tx, tokens, now); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, now, audit.Event{Action: "expertdraw.call_backups", ObjectType: "expert_draw", ObjectID: fmt.Sprint(d.ID),
				ProjectID: d.ProjectID, Summary: map[string]any{"backups_called": len(tokens)}}); err != nil {
				return err
			}
		}
		if len(rest) == 0 {
			id = d.ID // backups were called: no new draw
			return nil
		}
		more, nid, err := s.supplement(ctx, tx, d, rest, short, st, now, true)
		tokens, id = append(tokens, more...), nid
		return err
	})
	if err != nil {
		return 0, err
	}
	s.sendNotices(ctx, tokens)
	return id, nil
}

// checkStillEligible refuses a run that picked an expert who no longer
// qualifies for the session since the pool was fixed: suspended, under a
// penalty on the session day, on leave during it, or invited to (or
// confirmed for) an overlapping session of another lot by a draw run in
// between. The pool document is what witnesses re-check, so the draw is
// not run on a pool that no longer holds: staff cancel it and fix a new
// one. No name is given.
func checkStillEligible(ctx context.Context, tx *sqlx.Tx, d *Draw, picks []Pick) error {
	if len(picks) == 0 {
		return nil
	}
	ids := make([]int64, len(picks))
	for i, p := range picks {
		ids[i] = p.ExpertID
	}
	sd := d.SessionStart.In(clock.Shanghai)
	day := time.Date(sd.Year(), sd.Month(), sd.Day(), 0, 0, 0, 0, time.UTC)
	start, end := d.SessionStart.UTC(), d.SessionEnd.UTC()
	q, args, err := sqlx.In(`SELECT id FROM experts WHERE id IN (?) AND status <> 'active'
		UNION SELECT expert_id FROM expert_penalties WHERE expert_id IN (?) AND decided_on <= ? AND (until_on IS NULL OR until_on >= ?)
		UNION SELECT expert_id FROM expert_leaves WHERE expert_id IN (?) AND ends_at > ? AND starts_at < ?
		UNION SELECT m.expert_id FROM expert_draw_members m JOIN expert_draws o ON o.id = m.draw_id
		  WHERE m.expert_id IN (?) AND m.state IN ('notified', 'confirmed') AND o.status IN ('drawn', 'published')
		  AND o.lot_id <> ? AND o.session_starts_at < ? AND o.session_ends_at > ?`,
		ids, ids, day, day, ids, start, end, ids, d.LotID, end, start)
	if err != nil {
		return err
	}
	var stale []int64
	if err := tx.SelectContext(ctx, &stale, tx.Rebind(q), args...); err != nil {
		return fmt.Errorf("re-check picks of draw %d: %w", d.ID, err)
	}
	if len(stale) > 0 {
		return problem.New(problem.Conflict, "pool_stale", fmt.Sprintf(
			"候选名单固定后，有%d名被抽中的专家不再符合条件（已被其他项目抽中、请假、受到处理或被暂停），本次抽取不能进行：请取消后重新固定候选名单", len(stale)))
	}
	return nil
}

// callLotStandby invites, for a specialty still short once a draw's own
// backups are used up, the backups the lot's other draws hold (a
// supplementary draw draws backups too), in draw order and then RFC 3797
// order, before anything is drawn anew. except is a draw whose backups were
// already called (0: none).
func callLotStandby(ctx context.Context, tx *sqlx.Tx, lotID, except int64, code string, n int, deadline, now time.Time) ([]memberToken, error) {
	if n <= 0 {
		return nil, nil
	}
	var backups []struct {
		ID       int64 `db:"id"`
		ExpertID int64 `db:"expert_id"`
		DrawID   int64 `db:"draw_id"`
	}
	if err := tx.SelectContext(ctx, &backups, `SELECT m.id, m.expert_id, m.draw_id FROM expert_draw_members m JOIN expert_draws x ON x.id = m.draw_id
		WHERE x.lot_id = ? AND x.id <> ? AND x.status <> 'cancelled' AND m.specialty_code = ? AND m.state = 'standby'
		ORDER BY x.seq, m.group_no, m.rank_no LIMIT `+strconv.Itoa(n)+` FOR UPDATE`, lotID, except, code); err != nil {
		return nil, fmt.Errorf("backups of lot %d: %w", lotID, err)
	}
	var tokens []memberToken
	for _, b := range backups {
		tok, h, err := newToken()
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE expert_draw_members SET state = 'notified', token_hash = ?, reply_deadline = ?, updated_at = ? WHERE id = ?`,
			h, deadline, now, b.ID); err != nil {
			return nil, err
		}
		if err := bookingsChanged(ctx, tx, b.DrawID); err != nil {
			return nil, err
		}
		tokens = append(tokens, memberToken{memberID: b.ID, drawID: b.DrawID, expertID: b.ExpertID, token: tok, deadline: deadline})
	}
	return tokens, nil
}

// lotMissing says how many members each specialty of the first draw d
// still lacks across the lot's draws — those neither confirmed nor waiting
// for an answer — and the specialties in the order of d's groups.
func lotMissing(ctx context.Context, q sqlx.QueryerContext, d *Draw, doc *Document) (map[string]int, []string, error) {
	var got []struct {
		Code string `db:"specialty_code"`
		N    int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &got, `SELECT m.specialty_code, COUNT(*) AS n FROM expert_draw_members m JOIN expert_draws x ON x.id = m.draw_id
		WHERE x.lot_id = ? AND x.status <> 'cancelled' AND m.state IN ('notified', 'confirmed') GROUP BY m.specialty_code`, d.LotID); err != nil {
		return nil, nil, fmt.Errorf("members of lot %d: %w", d.LotID, err)
	}
	have := map[string]int{}
	for _, g := range got {
		have[g.Code] = g.N
	}
	var missing map[string]int
	var order []string
	for _, g := range doc.Groups {
		if n := g.Primaries - have[g.Specialty]; n > 0 {
			if missing == nil {
				missing = map[string]int{}
			}
			if missing[g.Specialty] == 0 {
				order = append(order, g.Specialty)
			}
			missing[g.Specialty] += n
			have[g.Specialty] += n
		}
	}
	return missing, order, nil
}
