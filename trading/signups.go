package trading

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db"
	"ggzy/money"
	"ggzy/problem"
)

// Sealing. Before the opening nobody may learn who signed up or submitted,
// or how many: sign-up and bid rows carry no organisation in clear (only
// keyed hashes: one per lot and organisation for the UNIQUE key, one per
// organisation for "my sign-ups"), what they say is encrypted under the
// project's key, and their audit events name neither the project nor the
// actor — the actor, address and object are sealed inside the event and
// tied to the project's archive when the lot closes.

func (s *Service) orgBlind(lotID, orgID int64) string {
	return s.Vault.Blind("signup", fmt.Sprintf("%d:%d", lotID, orgID))
}

func (s *Service) ownerBlind(orgID int64) string {
	return s.Vault.Blind("owner", strconv.FormatInt(orgID, 10))
}

func (s *Service) seal(purpose string, projectID int64, v any) ([]byte, error) {
	var b []byte
	var err error
	if a, ok := v.(interface{ AppendJSON([]byte) ([]byte, error) }); ok {
		b, err = a.AppendJSON(make([]byte, 0, 256))
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return nil, err
	}
	return s.Vault.Seal(purpose, projectObject(projectID), b)
}

func (s *Service) unseal(purpose string, projectID int64, sealed []byte, v any) error {
	b, err := s.Vault.Open(purpose, projectObject(projectID), sealed)
	if err != nil {
		return fmt.Errorf("unseal %s of project %d: %w", purpose, projectID, err)
	}
	return json.Unmarshal(b, v)
}

// randomID is the id of a sealed row (sign-up, bid file): random in
// [2^40, 2^53) so that ids handed to bidders count nothing (an
// AUTO_INCREMENT id would tell a bidder how many others signed up in
// between) and survive JavaScript's numbers. The columns are declared
// AUTO_INCREMENT (migration 0100) but every insert supplies the id.
func randomID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])%(1<<53-1<<40)) + 1<<40
}

func newRef() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sealedActor is who sealed audit events are recorded as.
var sealedActor = audit.Actor{Username: "sealed", Role: "sealed"}

// recordSealed writes an audit event that says only that a sealed action
// happened; the rest is sealed for the opening.
func (s *Service) recordSealed(ctx context.Context, tx *sqlx.Tx, now time.Time, action, ref string, projectID int64, detail map[string]any) error {
	ev, err := s.sealedEvent(ctx, action, ref, projectID, detail)
	if err != nil {
		return err
	}
	return audit.RecordAs(ctx, tx, sealedActor, now, ev)
}

// sealedEventBlock is the size every sealed audit detail is padded to (a
// multiple of it): larger than any of them but with the longest user names,
// none holding free text. (384 covered those too, at 2 – 5 points of the
// sign-up rate; docs/PERFORMANCE.md, session 6.)
const sealedEventBlock = 256

// sealedEvent is the event recordSealed writes (recorded as sealedActor).
func (s *Service) sealedEvent(ctx context.Context, action, ref string, projectID int64, detail map[string]any) (audit.Event, error) {
	a := audit.ActorFrom(ctx)
	detail["project_id"] = projectID
	detail["user_id"] = a.UserID
	detail["username"] = a.Username
	detail["org_id"] = a.OrgID
	detail["ip"] = a.IP
	b, err := appendDetail(make([]byte, 0, sealedEventBlock), detail)
	if err != nil {
		return audit.Event{}, err
	}
	// Padded (JSON allows the trailing spaces) so that every kind of sealed
	// action — a sign-up, a deposit, a bid, a withdrawal — seals to the same
	// size: the supervisors who read the audit log cannot tell them apart by
	// the length of the sealed text.
	for len(b)%sealedEventBlock != 0 {
		b = append(b, ' ')
	}
	sealed, err := s.Vault.Seal("audit", "sealed:"+ref, b)
	if err != nil {
		return audit.Event{}, err
	}
	// {"sealed": "<base64>"}: base64 needs no JSON escaping.
	return audit.Event{Action: action, ObjectType: "sealed", ObjectID: ref,
		Summary: audit.RawSummary(`{"sealed":"` + base64.StdEncoding.EncodeToString(sealed) + `"}`)}, nil
}

// appendDetail appends detail as json.Marshal writes it (keys in order,
// the same escaping), without reflection for the integers and plain
// strings that sealed events hold: it runs on every sign-up.
func appendDetail(b []byte, detail map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(detail))
	for k := range detail {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		switch v := detail[k].(type) {
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case string:
			b = appendJSONString(b, v)
		case bool:
			b = strconv.AppendBool(b, v)
		default:
			j, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			b = append(b, j...)
		}
	}
	return append(b, '}'), nil
}

func requireBidder(ctx context.Context) (audit.Actor, error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleBidder) || a.OrgID == 0 {
		return a, problem.New(problem.Forbidden, "forbidden", "只有投标人（供应商、竞买人）可以报名和递交")
	}
	return a, nil
}

// lotState is a lot with what the rules about it need.
type lotState struct {
	LotID       int64          `db:"id"`
	ProjectID   int64          `db:"project_id"`
	LotName     string         `db:"name"`
	Deposit     int64          `db:"deposit"`
	LotStatus   string         `db:"status"`
	Status      string         `db:"pstatus"`
	SignupUntil sql.NullTime   `db:"signup_until"`
	Deadline    sql.NullTime   `db:"deadline"`
	Eligibility string         `db:"eligibility"`
	Code        sql.NullString `db:"code"`
	Title       string         `db:"title"`

	elig []string // Eligibility parsed (signupLot)
}

func lotNotFound() error {
	return problem.New(problem.NotFound, "lot_not_found", "标段（包）不存在或未发布")
}

func loadLot(ctx context.Context, q sqlx.QueryerContext, lotID int64, lock bool) (*lotState, error) {
	query := `SELECT l.id, l.project_id, l.name, l.deposit, l.status, p.status AS pstatus, p.signup_until, p.deadline, p.eligibility, p.code, p.title
		FROM trading_lots l JOIN trading_projects p ON p.id = l.project_id WHERE l.id = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	var st lotState
	err := sqlx.GetContext(ctx, q, &st, query, lotID)
	if err == nil && st.Status == StatusTerminated {
		return nil, errTerminated()
	}
	if errors.Is(err, sql.ErrNoRows) || (err == nil && st.Status != StatusPublished && st.Status != StatusResult) {
		return nil, lotNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("lot %d: %w", lotID, err)
	}
	return &st, nil
}

// errDeadline is the answer to anything at or after the deadline.
func errDeadline() error {
	return problem.New(problem.Gone, "deadline_passed", "递交截止时间已到，不再接受递交、修改或撤回")
}

// signupSealed is what a sign-up says, sealed.
type signupSealed struct {
	OrgID    int64     `json:"org_id"`
	UserID   int64     `json:"user_id"`
	Username string    `json:"username"`
	IP       string    `json:"ip"`
	Declared []string  `json:"declared"`
	At       time.Time `json:"at"`
	AuditRef string    `json:"audit_ref"`
}

// SignUp signs the actor's organisation up for a lot (报名), declaring every
// eligibility condition of the announcement (declared[i] confirms the i-th).
// One sign-up per organisation and lot: the UNIQUE key decides races.
func (s *Service) SignUp(ctx context.Context, lotID int64, declared []bool) (*MySignup, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	st, err := s.signupLot(ctx, lotID)
	if err != nil {
		return nil, err
	}
	if !now.Before(st.SignupUntil.Time) || !now.Before(st.Deadline.Time) || st.LotStatus != LotOpen || st.Status != StatusPublished {
		return nil, problem.New(problem.Gone, "signup_closed", "报名已截止")
	}
	// Not invited comes first: it is the reason, whatever was declared.
	if err := s.checkInvited(ctx, st.ProjectID, a.OrgID); err != nil {
		return nil, err
	}
	elig := st.elig
	var f problem.Fields
	for i := range elig {
		if i >= len(declared) || !declared[i] {
			f.Add(fmt.Sprintf("declare%d", i+1), "eligibility_not_declared", fmt.Sprintf("请声明满足第%d项资格条件：%s", i+1, elig[i]))
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	ref := newRef()
	sealed, err := s.seal("signup", st.ProjectID, signupSealed{OrgID: a.OrgID, UserID: a.UserID, Username: a.Username, IP: a.IP, Declared: elig, At: now, AuditRef: ref})
	if err != nil {
		return nil, err
	}
	id := randomID()
	ev, err := s.sealedEvent(ctx, "trading.sealed", ref, st.ProjectID, map[string]any{"what": "signup", "lot_id": lotID, "signup_id": id})
	if err != nil {
		return nil, err
	}
	req := &signupReq{ctx: ctx, id: id, lotID: lotID, projectID: st.ProjectID, orgBlind: s.orgBlind(lotID, a.OrgID), ownerBlind: s.ownerBlind(a.OrgID),
		sealed: sealed, at: now, event: ev, done: make(chan struct{})}
	if err := s.signupGroup().submit(s, req); err != nil {
		return nil, err
	}
	return &MySignup{ID: id, LotID: lotID, ProjectID: st.ProjectID, Code: st.Code.String, Title: st.Title, LotName: st.LotName, LotStatus: req.lotStatus,
		Deadline: req.deadline, DepositDue: money.Fen(st.Deposit), SignedUpAt: now, Receipts: []Receipt{}}, nil
}

// signupLot returns what a sign-up needs to know of a lot. Once its
// project is published none of it changes before the sign-up deadline
// (clarifications only move the submission deadline later, and a lot
// closes at that deadline, never before the sign-up deadline), so it is
// kept after the first read.
func (s *Service) signupLot(ctx context.Context, lotID int64) (*lotState, error) {
	if v, ok := s.lotCache.Load(lotID); ok {
		return v.(*lotState), nil
	}
	st, err := loadLot(ctx, s.DB, lotID, false)
	if err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(st.Eligibility), &st.elig)
	if st.Status == StatusPublished && st.LotStatus == LotOpen {
		s.lotCache.Store(lotID, st)
	}
	return st, nil
}

// Deposit methods.
var DepositMethods = map[string]string{"bank_transfer": "银行转账", "guarantee": "银行保函", "e_guarantee": "电子保函"}

type depositSealed struct {
	Method    string    `json:"method"`
	Reference string    `json:"reference"`
	Amount    money.Fen `json:"amount"`
	At        time.Time `json:"at"`
}

// RecordDeposit records how the bidder paid the deposit of a sign-up (the
// transfer reference, guarantee or e-guarantee number), sealed until the
// opening, where it is checked against the bank's or guarantor's record.
func (s *Service) RecordDeposit(ctx context.Context, signupID int64, method, reference string) error {
	a, err := requireBidder(ctx)
	if err != nil {
		return err
	}
	reference = strings.TrimSpace(reference)
	var f problem.Fields
	if _, ok := DepositMethods[method]; !ok {
		f.Add("method", "deposit_method_unknown", "缴纳方式只能是银行转账、银行保函或电子保函")
	}
	if n := utf8.RuneCountInString(reference); n < 4 || n > 64 {
		f.Add("reference", "reference_invalid", "请填写4-64位的转账流水号或保函编号")
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		su, err := s.ownSignup(ctx, tx, signupID, a)
		if err != nil {
			return err
		}
		st, err := loadLot(ctx, tx, su.LotID, true)
		if err != nil {
			return err
		}
		if st.LotStatus != LotOpen || !now.Before(st.Deadline.Time) {
			return errDeadline()
		}
		sealed, err := s.seal("deposit", st.ProjectID, depositSealed{Method: method, Reference: reference, Amount: money.Fen(st.Deposit), At: now})
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE trading_signups SET deposit_sealed = ? WHERE id = ?`, sealed, signupID)
		if err != nil {
			return fmt.Errorf("record deposit: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			// Withdrawn (moved out of trading_signups) since it was read.
			return problem.New(problem.NotFound, "signup_not_found", "报名记录不存在")
		}
		return s.recordSealed(ctx, tx, now, "trading.sealed", newRef(), st.ProjectID, map[string]any{"what": "deposit", "signup_id": signupID, "method": method})
	})
}

type signupRow struct {
	ID           int64        `db:"id"`
	LotID        int64        `db:"lot_id"`
	ProjectID    int64        `db:"project_id"`
	OwnerBlind   string       `db:"owner_blind"`
	Sealed       []byte       `db:"sealed"`
	Deposit      []byte       `db:"deposit_sealed"`
	DepositCheck string       `db:"deposit_check"`
	RefundDue    sql.NullTime `db:"refund_due"`
	RefundedAt   sql.NullTime `db:"refunded_at"`
	RefundNote   string       `db:"refund_note"`
	CreatedAt    time.Time    `db:"created_at"`
}

const signupColumns = `id, lot_id, project_id, owner_blind, sealed, deposit_sealed, deposit_check, refund_due, refunded_at, refund_note, created_at`

// ownSignup returns the actor's sign-up; someone else's is "not found".
func (s *Service) ownSignup(ctx context.Context, q sqlx.QueryerContext, id int64, a audit.Actor) (*signupRow, error) {
	var r signupRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+signupColumns+` FROM trading_signups WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && r.OwnerBlind != s.ownerBlind(a.OrgID)) {
		return nil, problem.New(problem.NotFound, "signup_not_found", "报名记录不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("sign-up %d: %w", id, err)
	}
	return &r, nil
}

// Receipt is the 回执 of a bid file.
type Receipt struct {
	FileID     int64     `json:"id"`
	LotID      int64     `json:"lot_id"`
	Name       string    `json:"name"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	ReceivedAt time.Time `json:"received_at"`
	Status     string    `json:"status"` // submitted, replaced, withdrawn
}

// ReceivedText is the receipt time in Beijing time to the microsecond, as
// the receipt states it.
func (r Receipt) ReceivedText() string {
	return r.ReceivedAt.In(clock.Shanghai).Format("2006-01-02 15:04:05.000000")
}

// MySignup is one of the bidder's sign-ups with its deposit and receipts.
type MySignup struct {
	ID            int64     `json:"id"`
	LotID         int64     `json:"lot_id"`
	ProjectID     int64     `json:"project_id"`
	Code          string    `json:"code"`
	Title         string    `json:"title"`
	LotName       string    `json:"lot_name"`
	LotStatus     string    `json:"lot_status"`
	Deadline      time.Time `json:"deadline"`
	DepositDue    money.Fen `json:"deposit_due"`
	DepositMethod string    `json:"deposit_method,omitempty"`
	DepositRef    string    `json:"deposit_reference,omitempty"`
	DepositCheck  string    `json:"deposit_check,omitempty"`
	RefundDue     string    `json:"refund_due,omitempty"`
	RefundedAt    time.Time `json:"refunded_at,omitzero"`
	SignedUpAt    time.Time `json:"signed_up_at"`
	Receipts      []Receipt `json:"receipts"`
}

// MySignups lists the actor's organisation's sign-ups, newest first.
func (s *Service) MySignups(ctx context.Context) ([]MySignup, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return nil, err
	}
	var rows []signupRow
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+signupColumns+` FROM trading_signups WHERE owner_blind = ? ORDER BY created_at DESC, id LIMIT 500`, s.ownerBlind(a.OrgID)); err != nil {
		return nil, fmt.Errorf("my sign-ups: %w", err)
	}
	out := make([]MySignup, 0, len(rows))
	for _, r := range rows {
		m, err := s.mySignup(ctx, &r)
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	return out, nil
}

// MySignup returns one of the actor's sign-ups.
func (s *Service) MySignup(ctx context.Context, id int64) (*MySignup, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.ownSignup(ctx, s.DB, id, a)
	if err != nil {
		return nil, err
	}
	return s.mySignup(ctx, r)
}

// MySignupForLot returns the actor's sign-up for a lot, or nil.
func (s *Service) MySignupForLot(ctx context.Context, lotID int64) (*MySignup, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return nil, err
	}
	var r signupRow
	err = s.DB.GetContext(ctx, &r, `SELECT `+signupColumns+` FROM trading_signups WHERE lot_id = ? AND org_blind = ?`, lotID, s.orgBlind(lotID, a.OrgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sign-up for lot %d: %w", lotID, err)
	}
	return s.mySignup(ctx, &r)
}

func (s *Service) mySignup(ctx context.Context, r *signupRow) (*MySignup, error) {
	var info struct {
		Code     sql.NullString `db:"code"`
		Title    string         `db:"title"`
		LotName  string         `db:"name"`
		Status   string         `db:"status"`
		Deadline sql.NullTime   `db:"deadline"`
		Deposit  int64          `db:"deposit"`
	}
	if err := s.DB.GetContext(ctx, &info, `SELECT p.code, p.title, l.name, l.status, p.deadline, l.deposit
		FROM trading_lots l JOIN trading_projects p ON p.id = l.project_id WHERE l.id = ?`, r.LotID); err != nil {
		return nil, fmt.Errorf("lot of sign-up %d: %w", r.ID, err)
	}
	m := &MySignup{ID: r.ID, LotID: r.LotID, ProjectID: r.ProjectID, Code: info.Code.String, Title: info.Title, LotName: info.LotName,
		LotStatus: info.Status, Deadline: info.Deadline.Time, DepositDue: money.Fen(info.Deposit), DepositCheck: r.DepositCheck,
		RefundedAt: r.RefundedAt.Time, SignedUpAt: r.CreatedAt, Receipts: []Receipt{}}
	var err error
	if m.RefundDue, m.DepositMethod, m.DepositRef, m.Receipts, err = s.signupDetail(ctx, r); err != nil {
		return nil, err
	}
	return m, nil
}

// signupDetail is what a sign-up's bidder and, at the opening, staff read
// of it: the refund due date, the deposit (unsealed) and the receipts.
func (s *Service) signupDetail(ctx context.Context, r *signupRow) (refundDue, depositMethod, depositRef string, receipts []Receipt, err error) {
	if r.RefundDue.Valid {
		refundDue = r.RefundDue.Time.Format("2006-01-02")
	}
	if len(r.Deposit) > 0 {
		var d depositSealed
		if err := s.unseal("deposit", r.ProjectID, r.Deposit, &d); err != nil {
			return "", "", "", nil, err
		}
		depositMethod, depositRef = d.Method, d.Reference
	}
	receipts, err = s.receipts(ctx, r.ID, r.ProjectID)
	return refundDue, depositMethod, depositRef, receipts, err
}

// Question is a bidder's question; the asker is not recorded in clear.
type Question struct {
	ID        int64     `db:"id" json:"id"`
	Body      string    `db:"body" json:"body"`
	Answered  bool      `db:"answered" json:"answered"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// Ask puts a question to the agency of a published project before its
// deadline. The agency sees the question, never who asked.
func (s *Service) Ask(ctx context.Context, projectID int64, body string) (int64, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return 0, err
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return 0, problem.InvalidField("body", "required", "请填写问题")
	}
	if utf8.RuneCountInString(body) > 2000 {
		return 0, problem.InvalidField("body", "too_long", "问题不能超过2000字")
	}
	now := s.Clock.Now()
	var id int64
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var row struct {
			Status   string       `db:"status"`
			Deadline sql.NullTime `db:"deadline"`
		}
		err := tx.GetContext(ctx, &row, `SELECT status, deadline FROM trading_projects WHERE id = ?`, projectID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && row.Status != StatusPublished) {
			return notFound()
		}
		if err != nil {
			return fmt.Errorf("project %d: %w", projectID, err)
		}
		if !now.Before(row.Deadline.Time) {
			return errDeadline()
		}
		// An invited tender (邀请招标) takes questions from its invitees only,
		// as it takes their sign-ups.
		if err := s.checkInvited(ctx, projectID, a.OrgID); problem.Is(err, "not_invited") {
			return problem.New(problem.Forbidden, "not_invited", "本项目采用邀请招标，只有收到投标邀请书的投标人（供应商）可以提问")
		} else if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO trading_questions (project_id, owner_blind, body, created_at) VALUES (?, ?, ?, ?)`,
			projectID, s.ownerBlind(a.OrgID), body, now)
		if err != nil {
			return fmt.Errorf("insert question: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return s.recordSealed(ctx, tx, now, "trading.sealed", newRef(), projectID, map[string]any{"what": "question", "question_id": id})
	})
	return id, err
}

// Questions lists a project's questions for its agency.
func (s *Service) Questions(ctx context.Context, projectID int64) ([]Question, error) {
	if _, err := s.Project(ctx, projectID); err != nil {
		return nil, err
	}
	var out []Question
	if err := s.DB.SelectContext(ctx, &out, `SELECT id, body, answer_id IS NOT NULL AS answered, created_at FROM trading_questions WHERE project_id = ? ORDER BY id`, projectID); err != nil {
		return nil, fmt.Errorf("questions: %w", err)
	}
	return out, nil
}
