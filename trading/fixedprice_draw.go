package trading

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/db"
	"ggzy/lottery"
	"ggzy/minutes"
	"ggzy/problem"
	"ggzy/schedule"
)

// Exclusion rules applied automatically when the pool is frozen.
const (
	ExclManagerEngaged = "manager_engaged"
	ExclBlacklisted    = "blacklisted"
	ExclTooManyAwards  = "too_many_awards"
	ExclRecentWin      = "recent_win"
)

// ExclusionNames are the Chinese names of the exclusion rules.
var ExclusionNames = map[string]string{
	ExclManagerEngaged: "拟派项目经理在其他在建项目任职",
	ExclBlacklisted:    "列入黑名单",
	ExclTooManyAwards:  "在手固定价比选项目超过限额",
	ExclRecentWin:      "近期已中选",
}

// Exclusion is one automatic exclusion of an application, with its reason.
type Exclusion struct {
	ApplicationID int64  `db:"application_id" json:"application_id"`
	Rule          string `db:"rule" json:"rule"`
	Reason        string `db:"reason" json:"reason"`
}

// RuleName is the Chinese name of the rule.
func (x Exclusion) RuleName() string { return ExclusionNames[x.Rule] }

// Draw statuses.
const (
	DrawStatusPrepared = "prepared"
	DrawStatusDrawn    = "drawn"
)

// PoolMember is one numbered member of a frozen pool.
type PoolMember struct {
	No            int    `json:"no"`
	ApplicationID int64  `json:"application_id"`
	USCC          string `json:"uscc"`
	Name          string `json:"name"`
}

// PoolDocument is the archived pool of a fixed-price draw as canonical
// text; its SHA-256 is the pool hash shown in the room before the witnesses
// enter their numbers.
type PoolDocument struct {
	SelectionID int64
	ProjectCode string
	FixedPrice  int64
	Count       int // winner + backups actually drawn
	Commitment  string
	Members     []PoolMember
	Excluded    []PoolExcluded
}

// PoolExcluded is an application left out of the pool, with why.
type PoolExcluded struct {
	ApplicationID int64
	USCC          string
	Rule          string // "rejected" (staff review) or an Excl* rule
	Reason        string
}

const fpDocMagic = "GGZY-FIXEDPRICE-DRAW-POOL 1"

// fpSourcesLine says in the document how the key is built.
const fpSourcesLine = "sources witnesses-in-entry-order then revealed-server-secret"

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Bytes renders the canonical text.
func (d *PoolDocument) Bytes() []byte {
	var b bytes.Buffer
	b.Grow(len(d.Members)*80 + len(d.Excluded)*80 + 512)
	b.WriteString(fpDocMagic + "\n")
	fmt.Fprintf(&b, "selection %d\nproject %s\nfixed_price_fen %d\ncount %d\n%s\ncommitment %s\n",
		d.SelectionID, d.ProjectCode, d.FixedPrice, d.Count, fpSourcesLine, d.Commitment)
	for _, m := range d.Members {
		fmt.Fprintf(&b, "member %d %d %s %s\n", m.No, m.ApplicationID, m.USCC, oneLine(m.Name))
	}
	for _, x := range d.Excluded {
		fmt.Fprintf(&b, "exclude %d %s %s %s\n", x.ApplicationID, x.USCC, x.Rule, oneLine(x.Reason))
	}
	b.WriteString("end\n")
	return b.Bytes()
}

// ParsePoolDocument reads what Bytes wrote.
func ParsePoolDocument(text []byte) (*PoolDocument, error) {
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	if len(lines) < 3 || lines[0] != fpDocMagic || lines[len(lines)-1] != "end" {
		return nil, fmt.Errorf("pool document: not a %q document", fpDocMagic)
	}
	d := &PoolDocument{}
	for i, ln := range lines[1 : len(lines)-1] {
		word, rest, _ := strings.Cut(ln, " ")
		bad := func(err error) error { return fmt.Errorf("pool document line %d: %q: %v", i+2, ln, err) }
		switch word {
		case "selection":
			n, err := strconv.ParseInt(rest, 10, 64)
			if err != nil {
				return nil, bad(err)
			}
			d.SelectionID = n
		case "project":
			d.ProjectCode = rest
		case "fixed_price_fen":
			n, err := strconv.ParseInt(rest, 10, 64)
			if err != nil {
				return nil, bad(err)
			}
			d.FixedPrice = n
		case "count":
			n, err := strconv.Atoi(rest)
			if err != nil {
				return nil, bad(err)
			}
			d.Count = n
		case "sources":
			if ln != fpSourcesLine {
				return nil, bad(errors.New("unknown sources rule"))
			}
		case "commitment":
			d.Commitment = rest
		case "member":
			f := strings.SplitN(rest, " ", 4)
			if len(f) < 3 {
				return nil, bad(errors.New("short member line"))
			}
			no, err1 := strconv.Atoi(f[0])
			id, err2 := strconv.ParseInt(f[1], 10, 64)
			if err := errors.Join(err1, err2); err != nil {
				return nil, bad(err)
			}
			if no != len(d.Members)+1 {
				return nil, bad(fmt.Errorf("member numbered %d, want %d", no, len(d.Members)+1))
			}
			m := PoolMember{No: no, ApplicationID: id, USCC: f[2]}
			if len(f) == 4 {
				m.Name = f[3]
			}
			d.Members = append(d.Members, m)
		case "exclude":
			f := strings.SplitN(rest, " ", 4)
			if len(f) < 3 {
				return nil, bad(errors.New("short exclude line"))
			}
			id, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return nil, bad(err)
			}
			x := PoolExcluded{ApplicationID: id, USCC: f[1], Rule: f[2]}
			if len(f) == 4 {
				x.Reason = f[3]
			}
			d.Excluded = append(d.Excluded, x)
		default:
			return nil, bad(errors.New("unknown line"))
		}
	}
	return d, nil
}

// SHA256Hex is the hex SHA-256 of b.
func SHA256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// newDrawSecret returns a fresh server secret. The leading "S" keeps it a
// text source even when every hex digit happens to be a digit.
func newDrawSecret() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "S" + strings.ToUpper(hex.EncodeToString(b)), nil
}

// exclusions computes the automatic exclusions of a selection's qualified
// applications at now, set-wise (one query per rule).
func exclusions(ctx context.Context, q sqlx.QueryerContext, sel *Selection, st FixedPriceSettings, now time.Time) ([]Exclusion, error) {
	var out []Exclusion
	type row struct {
		ID     int64  `db:"id"`
		Detail string `db:"detail"`
		N      int    `db:"n"`
	}
	run := func(rule, query string, args []any, reason func(r row) string) error {
		var rows []row
		if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
			return fmt.Errorf("exclusion rule %s: %w", rule, err)
		}
		for _, r := range rows {
			out = append(out, Exclusion{ApplicationID: r.ID, Rule: rule, Reason: reason(r)})
		}
		return nil
	}
	if err := run(ExclManagerEngaged, `SELECT a.id, MIN(COALESCE(p.code, CONCAT('#', p.id))) AS detail, COUNT(*) AS n
		FROM fixedprice_applications a
		JOIN fixedprice_awards w ON w.manager_cert = a.manager_cert AND w.state IN (`+activeAwardStates+`) AND w.selection_id <> a.selection_id
		JOIN fixedprice_selections s2 ON s2.id = w.selection_id JOIN trading_projects p ON p.id = s2.project_id
		WHERE a.selection_id = ? AND a.status = 'qualified' GROUP BY a.id`, []any{sel.ID},
		func(r row) string {
			return fmt.Sprintf("拟派项目经理（注册证书编号见申请）正在项目%s等%d个在建项目任职", r.Detail, r.N)
		}); err != nil {
		return nil, err
	}
	if err := run(ExclBlacklisted, `SELECT a.id, MIN(b.reason) AS detail, COUNT(*) AS n
		FROM fixedprice_applications a JOIN fixedprice_blacklist b ON b.org_id = a.org_id
		WHERE a.selection_id = ? AND a.status = 'qualified' AND b.valid_from <= ? AND (b.valid_until IS NULL OR b.valid_until > ?) GROUP BY a.id`,
		[]any{sel.ID, now, now},
		func(r row) string { return "列入黑名单：" + r.Detail }); err != nil {
		return nil, err
	}
	if err := run(ExclTooManyAwards, `SELECT a.id, '' AS detail, COUNT(*) AS n
		FROM fixedprice_applications a JOIN fixedprice_awards w ON w.org_id = a.org_id AND w.state IN (`+activeAwardStates+`) AND w.selection_id <> a.selection_id
		WHERE a.selection_id = ? AND a.status = 'qualified' GROUP BY a.id HAVING COUNT(*) >= ?`, []any{sel.ID, st.MaxActiveAwards},
		func(r row) string {
			return fmt.Sprintf("在手固定价比选项目%d个，已达上限%d个（再中选将超过限额）", r.N, st.MaxActiveAwards)
		}); err != nil {
		return nil, err
	}
	if st.WinCooldownDays > 0 {
		since := now.Add(-time.Duration(st.WinCooldownDays) * 24 * time.Hour)
		if err := run(ExclRecentWin, `SELECT a.id, '' AS detail, COUNT(*) AS n
			FROM fixedprice_applications a JOIN fixedprice_awards w ON w.org_id = a.org_id
			  AND w.state IN (`+activeAwardStates+`,'completed') AND w.called_at >= ? AND w.selection_id <> a.selection_id
			WHERE a.selection_id = ? AND a.status = 'qualified' GROUP BY a.id`, []any{since, sel.ID},
			func(r row) string {
				return fmt.Sprintf("最近%d日内已在固定价比选中中选", st.WinCooldownDays)
			}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FixedPriceDraw is a draw's archive and state.
type FixedPriceDraw struct {
	ID          int64     `db:"id" json:"id"`
	SelectionID int64     `db:"selection_id" json:"selection_id"`
	ProjectID   int64     `db:"project_id" json:"project_id"`
	PoolDoc     string    `db:"pool_doc" json:"pool_document"`
	PoolHash    string    `db:"pool_hash" json:"pool_hash"`
	PoolSize    int       `db:"pool_size" json:"pool_size"`
	Count       int       `db:"draw_count" json:"count"`
	Commitment  string    `db:"commitment" json:"commitment"`
	Sealed      []byte    `db:"secret_sealed" json:"-"`
	Secret      string    `db:"secret_revealed" json:"secret,omitempty"`
	Key         string    `db:"key_text" json:"key,omitempty"`
	ResultText  string    `db:"result" json:"-"`
	Status      string    `db:"status" json:"status"`
	PreparedAt  time.Time `db:"prepared_at" json:"prepared_at"`
	DrawnAt     NullTime  `db:"drawn_at" json:"drawn_at"`

	Witnesses []Witness `db:"-" json:"witnesses"`
	Result    []int     `db:"-" json:"result,omitempty"` // member numbers in draw order
}

// Witness is one witness's numbers, in entry order.
type Witness struct {
	Position  int       `db:"position" json:"position"`
	Name      string    `db:"name" json:"name"`
	Role      string    `db:"role" json:"role"`
	Numbers   string    `db:"numbers" json:"numbers"`
	EnteredAt time.Time `db:"entered_at" json:"entered_at"`
}

const drawColumns = `id, selection_id, project_id, pool_doc, pool_hash, pool_size, draw_count, commitment, secret_sealed, secret_revealed,
  key_text, result, status, prepared_at, drawn_at`

func loadDrawBy(ctx context.Context, q sqlx.QueryerContext, col string, id int64, lock bool) (*FixedPriceDraw, error) {
	query := `SELECT ` + drawColumns + ` FROM fixedprice_draws WHERE ` + col + ` = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	var d FixedPriceDraw
	err := sqlx.GetContext(ctx, q, &d, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.New(problem.NotFound, "fixedprice_draw_not_found", "尚无抽取记录")
	}
	if err != nil {
		return nil, fmt.Errorf("fixed-price draw %s=%d: %w", col, id, err)
	}
	if err := sqlx.SelectContext(ctx, q, &d.Witnesses, `SELECT position, name, role, numbers, entered_at FROM fixedprice_witnesses WHERE draw_id = ? ORDER BY position`, d.ID); err != nil {
		return nil, fmt.Errorf("witnesses of draw %d: %w", d.ID, err)
	}
	if d.ResultText != "" {
		for _, f := range strings.Fields(d.ResultText) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, fmt.Errorf("draw %d: stored result %q: %w", d.ID, d.ResultText, err)
			}
			d.Result = append(d.Result, n)
		}
	}
	return &d, nil
}

// Sources are the key's sources in order: each witness's numbers, then the
// revealed secret.
func (d *FixedPriceDraw) Sources() []string {
	out := make([]string, 0, len(d.Witnesses)+1)
	for _, w := range d.Witnesses {
		out = append(out, w.Numbers)
	}
	return append(out, d.Secret)
}

func (s *FixedPrice) sealSecret(drawObject, secret string) ([]byte, error) {
	if s.Vault == nil {
		return []byte(secret), nil
	}
	return s.Vault.Seal("fixedprice-secret", drawObject, []byte(secret))
}

func (s *FixedPrice) openSecret(drawObject string, sealed []byte) (string, error) {
	if s.Vault == nil {
		return string(sealed), nil
	}
	b, err := s.Vault.Open("fixedprice-secret", drawObject, sealed)
	return string(b), err
}

// PrepareDraw freezes the pool once the window has closed and every
// application is reviewed: it applies the automatic exclusions (each
// recorded with its reason), numbers the remaining qualified applications in
// application order, records the pool document and its SHA-256, and commits
// to a fresh server secret (SHA-256 of it) — all before any witness enters a
// number. It returns the draw id.
func (s *FixedPrice) PrepareDraw(ctx context.Context, selectionID int64) (int64, error) {
	a, err := requireStaff(ctx)
	if err != nil {
		return 0, err
	}
	st, err := LoadFixedPriceSettings(ctx, s.DB)
	if err != nil {
		return 0, err
	}
	var drawID int64
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		now := s.Clock.Now()
		sel, err := loadSelection(ctx, tx, selectionID, true)
		if err != nil {
			return err
		}
		switch {
		case sel.Status == FPDraft:
			return problem.New(problem.Conflict, "fixedprice_state", "比选公告尚未发布")
		case sel.Status != FPPublished:
			return problem.New(problem.Conflict, "fixedprice_draw_exists", "该项目的入围名单已固定，不能重复生成")
		case now.Before(sel.ApplyUntil):
			return problem.New(problem.Conflict, "fixedprice_window_open", fmt.Sprintf("申请截止（%s）前不能固定入围名单", localTime(sel.ApplyUntil)))
		}
		apps, err := listApplications(ctx, tx, selectionID)
		if err != nil {
			return err
		}
		pending := 0
		for _, ap := range apps {
			if ap.Status == AppPending {
				pending++
			}
		}
		if pending > 0 {
			return problem.New(problem.Conflict, "fixedprice_reviews_pending", fmt.Sprintf("还有%d份申请未完成资格审查", pending))
		}
		ex, err := exclusions(ctx, tx, sel, st, now)
		if err != nil {
			return err
		}
		excluded := map[int64][]Exclusion{}
		for _, x := range ex {
			excluded[x.ApplicationID] = append(excluded[x.ApplicationID], x)
		}
		doc := &PoolDocument{SelectionID: sel.ID, ProjectCode: sel.Code, FixedPrice: int64(sel.FixedPrice)}
		for _, ap := range apps {
			switch {
			case ap.Status == AppRejected:
				doc.Excluded = append(doc.Excluded, PoolExcluded{ApplicationID: ap.ID, USCC: ap.OrgUSCC, Rule: "rejected", Reason: ap.ReviewReason})
			case len(excluded[ap.ID]) > 0:
				for _, x := range excluded[ap.ID] {
					doc.Excluded = append(doc.Excluded, PoolExcluded{ApplicationID: ap.ID, USCC: ap.OrgUSCC, Rule: x.Rule, Reason: x.Reason})
				}
			default:
				doc.Members = append(doc.Members, PoolMember{No: len(doc.Members) + 1, ApplicationID: ap.ID, USCC: ap.OrgUSCC, Name: ap.OrgName})
			}
		}
		if len(doc.Members) == 0 {
			return problem.New(problem.Conflict, "fixedprice_no_eligible", "没有符合条件的申请人，不能抽取；请重新组织比选")
		}
		doc.Count = min(len(doc.Members), 1+sel.Backups)
		secret, err := newDrawSecret()
		if err != nil {
			return fmt.Errorf("draw secret: %w", err)
		}
		doc.Commitment = SHA256Hex([]byte(secret))
		text := doc.Bytes()
		hash := SHA256Hex(text)
		// The secret is sealed under the selection (the draw id is not known
		// before the insert).
		sealed, err := s.sealSecret(selectionTarget(sel.ID), secret)
		if err != nil {
			return fmt.Errorf("seal draw secret: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO fixedprice_draws (selection_id, project_id, pool_doc, pool_hash, pool_size, draw_count, commitment,
			secret_sealed, key_text, result, status, prepared_at, prepared_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, ?)`,
			sel.ID, sel.ProjectID, string(text), hash, len(doc.Members), doc.Count, doc.Commitment, sealed, DrawStatusPrepared, now, nullID(a.UserID))
		if db.IsDuplicate(err) {
			return problem.New(problem.Conflict, "fixedprice_draw_exists", "该项目的入围名单已固定，不能重复生成")
		}
		if err != nil {
			return fmt.Errorf("insert draw: %w", err)
		}
		if drawID, err = res.LastInsertId(); err != nil {
			return err
		}
		for _, x := range ex {
			if _, err := tx.ExecContext(ctx, `INSERT INTO fixedprice_exclusions (selection_id, application_id, rule, reason) VALUES (?, ?, ?, ?)`,
				sel.ID, x.ApplicationID, x.Rule, x.Reason); err != nil {
				return fmt.Errorf("insert exclusion: %w", err)
			}
		}
		if err := setSelectionStatus(ctx, tx, sel.ID, FPPrepared, now); err != nil {
			return fmt.Errorf("selection prepared: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "fixedprice.draw_prepare", ObjectType: "fixedprice_draw", ObjectID: strconv.FormatInt(drawID, 10),
			ProjectID: sel.ProjectID, Summary: map[string]any{"selection_id": sel.ID, "pool_hash": hash, "pool_size": len(doc.Members), "count": doc.Count,
				"commitment": doc.Commitment, "excluded": len(doc.Excluded)}})
	})
	return drawID, err
}

// MaxWitnessNumbers bounds one witness's input.
const MaxWitnessNumbers = 20

// CheckWitnessNumbers validates what a witness entered: one to
// MaxWitnessNumbers non-negative whole numbers of at most 18 digits,
// separated by spaces, commas or 、. It returns them in the canonical form
// stored (space-separated, leading zeros dropped).
func CheckWitnessNumbers(s string) (string, error) {
	notNumber := problem.InvalidField("numbers", "fixedprice_witness_not_number", "见证人输入的应为数字（非负整数，可用空格或逗号分隔多个数）")
	toks := strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == ',' || r == '，' || r == '、' || r == '　'
	})
	if len(toks) == 0 {
		return "", problem.InvalidField("numbers", "fixedprice_witness_empty", "请输入见证人随机数")
	}
	if len(toks) > MaxWitnessNumbers {
		return "", problem.InvalidField("numbers", "fixedprice_witness_too_many", fmt.Sprintf("每位见证人最多输入%d个数", MaxWitnessNumbers))
	}
	for i, t := range toks {
		if len(t) > 18 {
			return "", notNumber
		}
		for _, r := range t {
			if r < '0' || r > '9' {
				return "", notNumber
			}
		}
		n, _ := strconv.ParseUint(t, 10, 64)
		toks[i] = strconv.FormatUint(n, 10)
	}
	canon := strings.Join(toks, " ")
	if _, err := lottery.KeyFromStrings([]string{canon}); err != nil {
		return "", notNumber
	}
	return canon, nil
}

// AddWitness records one witness's numbers (staff at the draw terminal, or a
// supervisor) after the commitment and before the draw.
func (s *FixedPrice) AddWitness(ctx context.Context, selectionID int64, name, role, numbers string) error {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleStaff) && !a.Has(accounts.RoleSupervisor) {
		return problem.New(problem.Forbidden, "forbidden", "只有交易中心工作人员或监督人员可以录入见证人随机数")
	}
	var f problem.Fields
	name, role = strings.TrimSpace(name), strings.TrimSpace(role)
	if name == "" || len([]rune(name)) > 64 {
		f.Add("name", "required", "请填写见证人姓名（不超过64字）")
	}
	if role == "" || len([]rune(role)) > 64 {
		f.Add("role", "required", "请填写见证人身份（如 监督人员、招标人代表）")
	}
	// Both are printed in the draw record.
	if bad := minutes.Unprintable(name); name != "" && bad != "" {
		f.Add("name", "unprintable_chars", "姓名含有文书字库无法打印的字符“"+bad+"”")
	}
	if bad := minutes.Unprintable(role); role != "" && bad != "" {
		f.Add("role", "unprintable_chars", "身份含有文书字库无法打印的字符“"+bad+"”")
	}
	canon, err := CheckWitnessNumbers(numbers)
	f.AddErr("numbers", err)
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		now := s.Clock.Now()
		sel, err := loadSelection(ctx, tx, selectionID, true)
		if err != nil {
			return err
		}
		if sel.Status != FPPrepared {
			return problem.New(problem.Conflict, "fixedprice_state", "只能在入围名单固定并公布承诺值之后、抽取之前录入见证人随机数")
		}
		d, err := loadDrawBy(ctx, tx, "selection_id", selectionID, true)
		if err != nil {
			return err
		}
		if len(d.Witnesses) >= 10 {
			return problem.New(problem.Conflict, "fixedprice_witness_too_many", "见证人最多10位")
		}
		// One person is one witness: entered twice, they would meet the
		// rule of at least two witnesses alone.
		for _, w := range d.Witnesses {
			if w.Name == name {
				return problem.New(problem.Conflict, "fixedprice_witness_duplicate", "见证人“"+name+"”已录入随机数")
			}
		}
		pos := len(d.Witnesses) + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO fixedprice_witnesses (draw_id, position, name, role, numbers, entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			d.ID, pos, name, role, canon, nullID(a.UserID), now); err != nil {
			return fmt.Errorf("insert witness: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "fixedprice.witness", ObjectType: "fixedprice_draw", ObjectID: strconv.FormatInt(d.ID, 10),
			ProjectID: sel.ProjectID, Summary: map[string]any{"position": pos, "name": name, "role": role, "numbers": canon}})
	})
}

// RunDraw reveals the server secret, builds the RFC 3797 key from the
// witnesses' numbers and the secret, picks the winner and the ordered
// backups, publishes the result for publicity and schedules its end.
func (s *FixedPrice) RunDraw(ctx context.Context, selectionID int64) error {
	a, err := requireStaff(ctx)
	if err != nil {
		return err
	}
	st, cal, err := s.settingsCalendar(ctx, s.DB)
	if err != nil {
		return err
	}
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		now := s.Clock.Now()
		sel, err := loadSelection(ctx, tx, selectionID, true)
		if err != nil {
			return err
		}
		if sel.Status != FPPrepared {
			return problem.New(problem.Conflict, "fixedprice_state", "当前状态不能抽取（须先固定入围名单，且只能抽取一次）")
		}
		d, err := loadDrawBy(ctx, tx, "selection_id", selectionID, true)
		if err != nil {
			return err
		}
		if len(d.Witnesses) < st.MinWitnesses {
			return problem.New(problem.Conflict, "fixedprice_witnesses_missing", fmt.Sprintf("至少需要%d位见证人录入随机数，现有%d位", st.MinWitnesses, len(d.Witnesses)))
		}
		secret, err := s.openSecret(selectionTarget(sel.ID), d.Sealed)
		if err != nil {
			return fmt.Errorf("open draw secret: %w", err)
		}
		if SHA256Hex([]byte(secret)) != d.Commitment {
			return fmt.Errorf("draw %d: sealed secret does not match its commitment", d.ID)
		}
		d.Secret = secret
		key, err := lottery.KeyFromStrings(d.Sources())
		if err != nil {
			return fmt.Errorf("draw %d key: %w", d.ID, err)
		}
		order, err := lottery.Select(key, d.PoolSize, d.Count)
		if err != nil {
			return fmt.Errorf("draw %d select: %w", d.ID, err)
		}
		doc, err := ParsePoolDocument([]byte(d.PoolDoc))
		if err != nil {
			return err
		}
		parts := make([]string, len(order))
		for i, n := range order {
			parts[i] = strconv.Itoa(n)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_draws SET secret_revealed = ?, key_text = ?, result = ?, status = ?, drawn_at = ?, drawn_by = ? WHERE id = ?`,
			secret, key, strings.Join(parts, " "), DrawStatusDrawn, now, nullID(a.UserID), d.ID); err != nil {
			return fmt.Errorf("store draw result: %w", err)
		}
		apps, err := listApplications(ctx, tx, selectionID)
		if err != nil {
			return err
		}
		byID := map[int64]*Application{}
		for i := range apps {
			byID[apps[i].ID] = &apps[i]
		}
		var names []string
		for i, n := range order {
			m := doc.Members[n-1]
			ap := byID[m.ApplicationID]
			if ap == nil {
				return fmt.Errorf("draw %d: member %d has no application %d", d.ID, n, m.ApplicationID)
			}
			state, called := AwardWaiting, any(nil)
			if i == 0 {
				state, called = AwardPublicity, now
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO fixedprice_awards (selection_id, rank_no, application_id, org_id, manager_cert, state, called_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, sel.ID, i+1, ap.ID, ap.OrgID, ap.ManagerCert, state, called); err != nil {
				return fmt.Errorf("insert award rank %d: %w", i+1, err)
			}
			names = append(names, ap.OrgName)
		}
		until := endOfDays(cal, now, st.PublicityDays, calendar.CalendarDays)
		if _, err := tx.ExecContext(ctx, `UPDATE fixedprice_selections SET status = ?, publicity_until = ?, current_rank = 1, updated_at = ? WHERE id = ?`,
			FPPublicity, until, now, sel.ID); err != nil {
			return fmt.Errorf("selection publicity: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_projects SET status = ?, result_at = ?, updated_at = ? WHERE id = ?`, StatusResult, now, now, sel.ProjectID); err != nil {
			return fmt.Errorf("project result: %w", err)
		}
		var body strings.Builder
		fmt.Fprintf(&body, "项目编号：%s\n交易方式：固定价比选\n固定价：%s元（%s）\n", sel.Code, sel.FixedPrice, sel.FixedPrice.Upper())
		fmt.Fprintf(&body, "抽取时间：%s　抽取地点：%s\n入围名单SHA-256：%s\n", localTime(now), sel.Place, d.PoolHash)
		fmt.Fprintf(&body, "中选人：%s\n", names[0])
		for i, n := range names[1:] {
			fmt.Fprintf(&body, "第%d候补：%s\n", i+1, n)
		}
		fmt.Fprintf(&body, "公示期至：%s（北京时间）\n抽取记录及复核：/fixedprice/%d/record\n", localTime(until), sel.ID)
		if _, err := tx.ExecContext(ctx, `INSERT INTO trading_announcements (project_id, type, code, kind, method, title, body, deadline, published_at)
			VALUES (?, 'result', ?, ?, ?, ?, ?, ?, ?)`, sel.ProjectID, sel.Code, Engineering, MethodFixedPrice, sel.Title+"固定价比选结果公示",
			body.String(), until, now); err != nil {
			return fmt.Errorf("insert result announcement: %w", err)
		}
		if err := schedule.At(ctx, tx, FixedPricePublicityEnd, selectionTarget(sel.ID), until, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "fixedprice.draw", ObjectType: "fixedprice_draw", ObjectID: strconv.FormatInt(d.ID, 10),
			ProjectID: sel.ProjectID, Summary: map[string]any{"selection_id": sel.ID, "pool_hash": d.PoolHash, "secret": secret, "key": key,
				"result": order, "publicity_until": until}})
	})
}

// DrawArchive is everything a re-check needs, as stored.
type DrawArchive struct {
	Draw   *FixedPriceDraw `json:"draw"`
	Awards []AwardRank     `json:"awards"` // application id by rank
}

// AwardRank is one rank of a draw's result as stored.
type AwardRank struct {
	Rank          int    `db:"rank_no" json:"rank"`
	ApplicationID int64  `db:"application_id" json:"application_id"`
	OrgID         int64  `db:"org_id" json:"org_id"`
	State         string `db:"state" json:"state"`
}

// Check is one step of a re-check.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Verification is the outcome of recomputing a draw from its archive.
type Verification struct {
	DrawID     int64   `json:"draw_id"`
	OK         bool    `json:"ok"`
	Checks     []Check `json:"checks"`
	Recomputed []int   `json:"recomputed"`
}

// VerifyArchive recomputes a draw from its archive alone: the pool hash,
// the commitment against the revealed secret, the key from the sources, the
// RFC 3797 order, and the ranks recorded.
func VerifyArchive(ar *DrawArchive) *Verification {
	d := ar.Draw
	v := &Verification{DrawID: d.ID, OK: true}
	add := func(name string, ok bool, detail string) {
		v.Checks = append(v.Checks, Check{Name: name, OK: ok, Detail: detail})
		v.OK = v.OK && ok
	}
	var doc *PoolDocument
	order := committedDraw{Noun: "入围名单", Unit: "人", Picked: "抽取", PoolDoc: d.PoolDoc, PoolHash: d.PoolHash, PoolSize: d.PoolSize, Count: d.Count,
		Commitment: d.Commitment, Drawn: d.Status == DrawStatusDrawn, Secret: d.Secret, Sources: d.Sources(), Key: d.Key, Result: d.Result,
	}.check(add, func(text string) (poolFacts, error) {
		var err error
		if doc, err = ParsePoolDocument([]byte(text)); err != nil {
			return poolFacts{}, err
		}
		return poolFacts{Members: len(doc.Members), Count: doc.Count, Commitment: doc.Commitment}, nil
	})
	if order == nil {
		return v
	}
	v.Recomputed = order
	ranksOK := len(ar.Awards) == len(order)
	for i, aw := range ar.Awards {
		if i >= len(order) || aw.Rank != i+1 || aw.ApplicationID != doc.Members[order[i]-1].ApplicationID {
			ranksOK = false
		}
	}
	add("中选人及候补顺序", ranksOK, fmt.Sprintf("%d个名次", len(ar.Awards)))
	return v
}

// Archive loads a draw's archive by draw id.
func (s *FixedPrice) Archive(ctx context.Context, drawID int64) (*DrawArchive, error) {
	d, err := loadDrawBy(ctx, s.DB, "id", drawID, false)
	if err != nil {
		return nil, err
	}
	ar := &DrawArchive{Draw: d}
	if err := s.DB.SelectContext(ctx, &ar.Awards, `SELECT rank_no, application_id, org_id, state FROM fixedprice_awards WHERE selection_id = ? ORDER BY rank_no`, d.SelectionID); err != nil {
		return nil, fmt.Errorf("awards of draw %d: %w", drawID, err)
	}
	return ar, nil
}

// Verify recomputes the draw drawID from the stored archive (the CLI
// `trading draw verify fp-<id>` and the supervisor's page).
func (s *FixedPrice) Verify(ctx context.Context, drawID int64) (*Verification, error) {
	ar, err := s.Archive(ctx, drawID)
	if err != nil {
		return nil, err
	}
	return VerifyArchive(ar), nil
}

// DrawRoom is what the draw-room screen and the draw record show.
type DrawRoom struct {
	Selection *Selection      `json:"selection"`
	Draw      *FixedPriceDraw `json:"draw,omitempty"`
	Members   []PoolMember    `json:"members,omitempty"`
	Excluded  []PoolExcluded  `json:"excluded,omitempty"`
	Ranked    []RankedMember  `json:"ranked,omitempty"`
	Step      int             `json:"step"` // 0 not frozen, 1 pool+commitment, 2 witnesses entering, 3 drawn
}

// RankedMember is one rank of the result with its member.
type RankedMember struct {
	Rank      int    `json:"rank"`
	No        int    `json:"no"`
	Name      string `json:"name"`
	USCC      string `json:"uscc"`
	State     string `json:"state"`
	StateName string `json:"state_name"`
}

// Room returns the draw room's view of a selection. Before the pool is
// frozen it holds the selection only; the secret appears once drawn.
func (s *FixedPrice) Room(ctx context.Context, selectionID int64) (*DrawRoom, error) {
	sel, err := s.Selection(ctx, selectionID)
	if err != nil {
		return nil, err
	}
	room := &DrawRoom{Selection: sel}
	d, err := loadDrawBy(ctx, s.DB, "selection_id", selectionID, false)
	if problem.Is(err, "fixedprice_draw_not_found") {
		return room, nil
	}
	if err != nil {
		return nil, err
	}
	d.Sealed = nil
	room.Draw = d
	doc, err := ParsePoolDocument([]byte(d.PoolDoc))
	if err != nil {
		return nil, err
	}
	room.Members, room.Excluded = doc.Members, doc.Excluded
	room.Step = 1
	if len(d.Witnesses) > 0 {
		room.Step = 2
	}
	if d.Status == DrawStatusDrawn {
		room.Step = 3
		var aw []AwardRank
		if err := s.DB.SelectContext(ctx, &aw, `SELECT rank_no, application_id, org_id, state FROM fixedprice_awards WHERE selection_id = ? ORDER BY rank_no`, selectionID); err != nil {
			return nil, fmt.Errorf("awards of %d: %w", selectionID, err)
		}
		for i, a := range aw {
			if i >= len(d.Result) {
				break
			}
			m := doc.Members[d.Result[i]-1]
			room.Ranked = append(room.Ranked, RankedMember{Rank: a.Rank, No: m.No, Name: m.Name, USCC: m.USCC, State: a.State, StateName: AwardStateNames[a.State]})
		}
	}
	return room, nil
}
