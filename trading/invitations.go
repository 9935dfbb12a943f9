package trading

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/db"
	"ggzy/idcode"
	"ggzy/lottery"
	"ggzy/money"
	"ggzy/problem"
)

// Invited tendering (邀请招标). Before publication the agency enters the
// candidate organisations of an invited project — registered bidder
// organisations, named by 统一社会信用代码. Engineering invites them directly
// (招标投标法第十七条: three or more specific legal persons). Procurement
// draws the invitees at random from the candidates (政府采购法第三十四条):
// entering the candidates freezes the pool as canonical text, records its
// SHA-256 and a SHA-256 commitment to a fresh server secret; the draw then
// takes the witnesses' numbers, reveals the secret and picks the invitees by
// RFC 3797 (lottery), so that anyone can recompute it from the record (as
// fixed-price selection does, fixedprice_draw.go). A draw is done once; the
// list of either kind is fixed once the project is published, and Publish
// refuses an invited project with fewer than three invitees. A procurement
// pool names where its candidates came from (政府采购货物和服务招标投标管理办法
// 第十四条): a prequalification announcement, the finance department's
// supplier database or the purchaser's written recommendation — from the
// last two the pool must hold at least twice as many as are drawn — and the
// draw records the two or more of the purchaser's staff who supervised it.
// Only invitees
// may sign up (checkInvited, on the sign-up path); they find their
// invitations (投标邀请书) in their workspace. Nothing here touches the
// sealed sign-ups: the agency knows whom it invited, never who signed up.

// MethodInvited is the trading method code of invited tendering.
const MethodInvited = "invited"

// Invitation modes and statuses.
const (
	InviteDirect = "direct" // engineering: the invitees are named
	InviteDraw   = "draw"   // procurement: the invitees are drawn from the candidates

	InvitationNamed    = "named"
	InvitationPrepared = "prepared" // pool and commitment recorded, not drawn
	InvitationDrawn    = "drawn"
)

// MinInvitees is the least number of invitees the law allows.
const MinInvitees = 3

// Where a procurement pool's candidates came from (87号令第十四条).
const (
	SourcePrequal   = "prequal"   // 发布资格预审公告征集
	SourceLibrary   = "library"   // 从省级以上财政部门建立的供应商库中选取
	SourceRecommend = "recommend" // 采购人书面推荐
)

// InviteSources names the sources of a procurement pool, in form order.
var InviteSources = []struct{ Code, Name string }{
	{SourcePrequal, "发布资格预审公告征集"},
	{SourceLibrary, "从省级以上人民政府财政部门建立的供应商库中选取"},
	{SourceRecommend, "采购人书面推荐"},
}

// InviteSourceName is the Chinese name of a pool source ("" when unknown).
func InviteSourceName(code string) string {
	for _, s := range InviteSources {
		if s.Code == code {
			return s.Name
		}
	}
	return ""
}

// The basis of the pool-size and supervision rules of an invited
// procurement draw.
const (
	basis87Art14   = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）第十四条"
	MinSupervisors = 2
	maxSupervisors = 10
)

const (
	maxCandidates     = 200
	maxWitnessSources = 10
)

// invitedRules are the laws an invited project's list answers to. They are
// fixed by statute, not numbers a locality sets, so they are not rule rows.
var invitedRules = map[string]Rule{
	Engineering: {ID: "eng.invited_min", Title: "邀请招标应当向三个以上具备承担招标项目的能力、资信良好的特定的法人或者其他组织发出投标邀请书",
		Basis: "《招标投标法》第十七条", Action: "block"},
	Procurement: {ID: "proc.invited_draw", Title: "邀请招标应当从符合相应资格条件的供应商中通过随机方式选择三家以上的供应商并发出投标邀请书",
		Basis: "《政府采购法》第三十四条", Action: "block"},
}

// inviteMode is how a kind of project chooses its invitees.
func inviteMode(kind string) string {
	if kind == Procurement {
		return InviteDraw
	}
	return InviteDirect
}

func errNotInvitedMethod() error {
	return problem.New(problem.Conflict, "method_not_invited", "本项目的交易方式不是邀请招标")
}

func errInvitationsFixed(msg string) error {
	return problem.New(problem.Conflict, "invitations_fixed", msg)
}

func errNotInvited() error {
	return problem.New(problem.Forbidden, "not_invited", "本项目采用邀请招标，只有收到投标邀请书的投标人（供应商）可以报名")
}

// InvitationCandidate is one numbered member of a project's candidate list.
type InvitationCandidate struct {
	No    int    `json:"no"`
	OrgID int64  `json:"org_id"`
	USCC  string `json:"uscc"`
	Name  string `json:"name"`
}

// invitationPool is the canonical text of a candidate list; for a draw its
// SHA-256 is recorded with the commitment before anyone enters a number.
type invitationPool struct {
	ProjectID  int64
	Code       string
	Mode       string
	Count      int
	Source     string // draw only; absent from pools frozen before it was asked
	Commitment string // draw only
	Members    []InvitationCandidate
}

const invitationPoolMagic = "GGZY-INVITATION-POOL 1"

// Bytes renders the canonical text.
func (d *invitationPool) Bytes() []byte {
	var b bytes.Buffer
	code := d.Code
	if code == "" {
		code = "-"
	}
	fmt.Fprintf(&b, "%s\nproject %d %s\nmode %s\ncount %d\n", invitationPoolMagic, d.ProjectID, code, d.Mode, d.Count)
	if d.Source != "" {
		fmt.Fprintf(&b, "source %s\n", d.Source)
	}
	if d.Mode == InviteDraw {
		fmt.Fprintf(&b, "%s\ncommitment %s\n", fpSourcesLine, d.Commitment)
	}
	for _, m := range d.Members {
		fmt.Fprintf(&b, "member %d %d %s %s\n", m.No, m.OrgID, m.USCC, oneLine(m.Name))
	}
	b.WriteString("end\n")
	return b.Bytes()
}

// parseInvitationPool reads what Bytes wrote.
func parseInvitationPool(text string) (*invitationPool, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 || lines[0] != invitationPoolMagic || lines[len(lines)-1] != "end" {
		return nil, fmt.Errorf("invitation pool: not a %q document", invitationPoolMagic)
	}
	d := &invitationPool{}
	for i, ln := range lines[1 : len(lines)-1] {
		word, rest, _ := strings.Cut(ln, " ")
		bad := func(err error) error { return fmt.Errorf("invitation pool line %d: %q: %v", i+2, ln, err) }
		var err error
		switch word {
		case "project":
			id, code, _ := strings.Cut(rest, " ")
			d.ProjectID, err = strconv.ParseInt(id, 10, 64)
			if d.Code = code; code == "-" {
				d.Code = ""
			}
		case "mode":
			d.Mode = rest
		case "count":
			d.Count, err = strconv.Atoi(rest)
		case "source":
			if d.Source = rest; InviteSourceName(rest) == "" {
				err = errors.New("unknown source")
			}
		case "sources":
			if ln != fpSourcesLine {
				err = errors.New("unknown sources rule")
			}
		case "commitment":
			d.Commitment = rest
		case "member":
			f := strings.SplitN(rest, " ", 4)
			if len(f) < 3 {
				return nil, bad(errors.New("short member line"))
			}
			m := InvitationCandidate{USCC: f[2]}
			if len(f) == 4 {
				m.Name = f[3]
			}
			var err2 error
			m.No, err = strconv.Atoi(f[0])
			m.OrgID, err2 = strconv.ParseInt(f[1], 10, 64)
			if err = errors.Join(err, err2); err == nil && m.No != len(d.Members)+1 {
				err = fmt.Errorf("member numbered %d, want %d", m.No, len(d.Members)+1)
			}
			d.Members = append(d.Members, m)
		default:
			err = errors.New("unknown line")
		}
		if err != nil {
			return nil, bad(err)
		}
	}
	return d, nil
}

// Invitee is an invited organisation.
type Invitee struct {
	Position int    `db:"position" json:"position"`
	OrgID    int64  `db:"org_id" json:"org_id"`
	Name     string `db:"name" json:"name"`
	USCC     string `db:"uscc" json:"uscc"`
}

// InvitationDraw is the record of a procurement project's random draw:
// everything needed to recompute it (VerifyInvitationDraw). The secret, the
// witnesses' numbers, the key and the result are empty until the draw.
type InvitationDraw struct {
	PoolDoc  string `json:"pool_document"`
	PoolHash string `json:"pool_hash"`
	PoolSize int    `json:"pool_size"`
	Count    int    `json:"count"`
	Source   string `json:"source,omitempty"` // where the candidates came from (SourcePrequal, …), from the pool document
	// Supervisors are the purchaser's staff who supervised the draw on
	// site, as the agency entered them with the witnesses' numbers.
	Supervisors []string  `json:"supervisors"`
	Commitment  string    `json:"commitment"`
	Sources     []string  `json:"sources"` // the witnesses' numbers, in entry order
	Secret      string    `json:"secret,omitempty"`
	Key         string    `json:"key,omitempty"`
	Result      []int     `json:"result"` // candidate numbers in draw order
	PreparedAt  time.Time `json:"prepared_at"`
	DrawnAt     time.Time `json:"drawn_at,omitzero"`
}

// Invitations is an invited project's candidate list, invitees and draw
// record, as its agency, staff, supervisors and admins see them.
type Invitations struct {
	ProjectID     int64                 `json:"project_id"`
	Code          string                `json:"code"`
	Title         string                `json:"title"`
	Kind          string                `json:"kind"`
	ProjectStatus string                `json:"project_status"`
	Mode          string                `json:"mode"`   // direct or draw
	Status        string                `json:"status"` // "" (nothing entered), named, prepared or drawn
	Count         int                   `json:"count"`
	Fixed         bool                  `json:"fixed"` // the list can no longer change
	Candidates    []InvitationCandidate `json:"candidates"`
	Invitees      []Invitee             `json:"invitees"`
	Draw          *InvitationDraw       `json:"draw,omitempty"`
	Verification  *Verification         `json:"verification,omitempty"`
}

// ModeName is the Chinese name of the way invitees are chosen.
func (iv *Invitations) ModeName() string {
	if iv.Mode == InviteDraw {
		return "从符合资格条件的供应商中随机抽取"
	}
	return "招标人直接确定"
}

// InvitationInput is what the agency enters: the candidates' 统一社会信用代码
// (for engineering, the invitees) and, for procurement, how many to draw and
// where the candidates came from (SourcePrequal, SourceLibrary,
// SourceRecommend). Blank entries are skipped; field names count every
// entry from 1.
type InvitationInput struct {
	Candidates []string
	Count      int
	Source     string
}

// SourceName is the Chinese name of the draw's pool source.
func (d *InvitationDraw) SourceName() string { return InviteSourceName(d.Source) }

type invitationRow struct {
	Mode        string       `db:"mode"`
	Count       int          `db:"invite_count"`
	PoolDoc     string       `db:"pool_doc"`
	PoolHash    string       `db:"pool_hash"`
	PoolSize    int          `db:"pool_size"`
	Commitment  string       `db:"commitment"`
	Sealed      []byte       `db:"secret_sealed"`
	Secret      string       `db:"secret_revealed"`
	Sources     string       `db:"sources"`
	Key         string       `db:"key_text"`
	Result      string       `db:"result"`
	Status      string       `db:"status"`
	PreparedAt  time.Time    `db:"prepared_at"`
	DrawnAt     sql.NullTime `db:"drawn_at"`
	Supervisors string       `db:"supervisors"`
}

const invitationColumns = `mode, invite_count, pool_doc, pool_hash, pool_size, commitment, secret_sealed, secret_revealed, sources, key_text,
	result, status, prepared_at, drawn_at, supervisors`

func loadInvitationRow(ctx context.Context, q sqlx.QueryerContext, projectID int64, lock bool) (*invitationRow, error) {
	query := `SELECT ` + invitationColumns + ` FROM trading_invitations WHERE project_id = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	var r invitationRow
	err := sqlx.GetContext(ctx, q, &r, query, projectID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("invitations of project %d: %w", projectID, err)
	}
	return &r, nil
}

// lockInvitedProject locks the actor's invited project for a change of its
// list and returns it; a published project's list is fixed.
func lockInvitedProject(ctx context.Context, tx *sqlx.Tx, projectID int64, a audit.Actor) (*Project, error) {
	status, err := lockOwned(ctx, tx, projectID, a)
	if err != nil {
		return nil, err
	}
	if status == StatusPublished || status == StatusResult {
		return nil, errInvitationsFixed("公告已发布，受邀单位名单不能再修改")
	}
	p, err := loadProject(ctx, tx, projectID)
	if err != nil {
		return nil, err
	}
	if p.Method != MethodInvited {
		return nil, errNotInvitedMethod()
	}
	return p, nil
}

// SetInvitations records the candidates of the actor's invited project
// before its publication. Engineering: they are the invitees (at least
// three). Procurement: the pool of at least in.Count (≥ 3) candidates is
// frozen with its SHA-256 and the commitment to the draw's secret; DrawInvitees
// then picks the invitees. Unknown or invalid codes are named per field
// (candidate1, candidate2, …). A list already drawn cannot be replaced.
func (s *Service) SetInvitations(ctx context.Context, projectID int64, in InvitationInput) (*Invitations, error) {
	a, err := requireAgency(ctx)
	if err != nil {
		return nil, err
	}
	type entry struct {
		field, uscc string
	}
	var f problem.Fields
	var entries []entry
	seen := map[string]int{}
	for i, raw := range in.Candidates {
		c := idcode.NormalizeUSCC(raw)
		if c == "" {
			continue
		}
		field := fmt.Sprintf("candidate%d", i+1)
		if len(entries) == maxCandidates {
			f.Add("candidates", "too_many", fmt.Sprintf("候选单位不能超过%d家", maxCandidates))
			break
		}
		if err := idcode.ValidateUSCC(c); err != nil {
			f.AddErr(field, err)
			continue
		}
		if j, dup := seen[c]; dup {
			f.Add(field, "candidate_duplicate", fmt.Sprintf("与第%d项重复", j))
			continue
		}
		seen[c] = i + 1
		entries = append(entries, entry{field, c})
	}
	if len(entries) == 0 && f.Empty() {
		f.Add("candidates", "required", "请填写受邀（候选）单位的统一社会信用代码")
	}
	now := s.Clock.Now()
	var p *Project
	checked := f // the checks made before the transaction: each attempt starts from them
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		f := checked // a copy: what one attempt adds is gone in the next
		pp, err := lockInvitedProject(ctx, tx, projectID, a)
		if err != nil {
			return err
		}
		p = pp
		mode := inviteMode(p.Kind)
		old, err := loadInvitationRow(ctx, tx, projectID, true)
		if err != nil {
			return err
		}
		if old != nil && old.Status == InvitationDrawn {
			return errInvitationsFixed("已随机抽取受邀供应商，名单已固定，不能重新录入")
		}
		// Resolve the codes to registered bidder organisations.
		orgs := map[string]InvitationCandidate{}
		orgStatus := map[string]string{}
		if len(entries) > 0 {
			codes := make([]string, len(entries))
			for i, e := range entries {
				codes[i] = e.uscc
			}
			q, args, err := sqlx.In(`SELECT id, name, uscc, kind, status FROM organisations WHERE uscc IN (?)`, codes)
			if err != nil {
				return err
			}
			var rows []struct {
				ID     int64  `db:"id"`
				Name   string `db:"name"`
				USCC   string `db:"uscc"`
				Kind   string `db:"kind"`
				Status string `db:"status"`
			}
			if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), args...); err != nil {
				return fmt.Errorf("candidate organisations: %w", err)
			}
			for _, r := range rows {
				if r.Kind == accounts.OrgBidder {
					orgs[r.USCC] = InvitationCandidate{OrgID: r.ID, USCC: r.USCC, Name: r.Name}
					orgStatus[r.USCC] = r.Status
				}
			}
		}
		var members []InvitationCandidate
		for _, e := range entries {
			m, ok := orgs[e.uscc]
			switch {
			case !ok:
				f.Add(e.field, "candidate_unknown", fmt.Sprintf("统一社会信用代码 %s 不是本中心已登记的投标人（供应商）", e.uscc))
			case orgStatus[e.uscc] != accounts.StatusActive:
				f.Add(e.field, "candidate_inactive", fmt.Sprintf("%s（%s）的单位登记尚未审核通过或已停用", m.Name, e.uscc))
			default:
				m.No = len(members) + 1
				members = append(members, m)
			}
		}
		count := len(members)
		source := ""
		if mode == InviteDraw {
			count = in.Count
			switch {
			case in.Count < MinInvitees:
				f.Add("count", "invite_count_min", fmt.Sprintf("邀请数量不得少于%d家（%s）", MinInvitees, invitedRules[Procurement].Basis))
			case in.Count > len(entries) && len(entries) > 0:
				f.Add("count", "invite_count_over", fmt.Sprintf("邀请数量不能超过候选单位数（%d家）", len(entries)))
			}
			source = strings.TrimSpace(in.Source)
			switch {
			case source == "":
				f.Add("source", "required", "请选择候选供应商名单的产生方式")
			case InviteSourceName(source) == "":
				f.Add("source", "invite_source_unknown", "候选供应商名单的产生方式只能是资格预审公告征集、供应商库选取或采购人书面推荐")
			case source != SourcePrequal && in.Count >= MinInvitees && len(entries) < 2*in.Count:
				f.Add("candidates", "invite_pool_too_small", fmt.Sprintf("从供应商库选取或由采购人书面推荐产生名单的，备选的符合资格条件供应商总数不得少于拟随机抽取供应商总数的两倍：抽取%d家至少应有%d家候选，现有%d家（%s）",
					in.Count, 2*in.Count, len(entries), basis87Art14))
			}
		} else if in.Count != 0 || strings.TrimSpace(in.Source) != "" {
			if in.Count != 0 {
				f.Add("count", "not_applicable", "建设工程邀请招标由招标人直接确定受邀单位，不填邀请数量")
			}
			if strings.TrimSpace(in.Source) != "" {
				f.Add("source", "not_applicable", "建设工程邀请招标由招标人直接确定受邀单位，不填名单产生方式")
			}
		}
		if mode == InviteDirect && len(entries) > 0 && len(entries) < MinInvitees {
			f.Add("candidates", "invitees_too_few", fmt.Sprintf("%s：至少应邀请%d家，现有%d家", invitedRules[Engineering].describe(), MinInvitees, len(entries)))
		}
		if err := f.Err(); err != nil {
			return err
		}
		doc := &invitationPool{ProjectID: projectID, Code: p.Code, Mode: mode, Count: count, Source: source, Members: members}
		status2, sealed := InvitationNamed, []byte(nil)
		if mode == InviteDraw {
			secret, err := newDrawSecret()
			if err != nil {
				return fmt.Errorf("draw secret: %w", err)
			}
			doc.Commitment = SHA256Hex([]byte(secret))
			if sealed, err = s.Vault.Seal("invitation-secret", projectObject(projectID), []byte(secret)); err != nil {
				return fmt.Errorf("seal draw secret: %w", err)
			}
			status2 = InvitationPrepared
		}
		text := string(doc.Bytes())
		hash := SHA256Hex([]byte(text))
		if _, err := tx.ExecContext(ctx, `DELETE FROM trading_invitees WHERE project_id = ?`, projectID); err != nil {
			return fmt.Errorf("replace invitees: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM trading_invitations WHERE project_id = ?`, projectID); err != nil {
			return fmt.Errorf("replace invitations: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO trading_invitations (project_id, mode, invite_count, pool_doc, pool_hash, pool_size, commitment,
			secret_sealed, sources, key_text, status, prepared_at, prepared_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, ?)`,
			projectID, mode, count, text, hash, len(members), doc.Commitment, sealed, status2, now, nullID(a.UserID)); err != nil {
			return fmt.Errorf("insert invitations: %w", err)
		}
		if mode == InviteDirect {
			for _, m := range members {
				if _, err := tx.ExecContext(ctx, `INSERT INTO trading_invitees (project_id, org_id, position) VALUES (?, ?, ?)`, projectID, m.OrgID, m.No); err != nil {
					return fmt.Errorf("insert invitee: %w", err)
				}
			}
		}
		summary := map[string]any{"mode": mode, "candidates": len(members), "count": count, "pool_hash": hash}
		if mode == InviteDraw {
			summary["commitment"], summary["source"] = doc.Commitment, source
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.invitation.set", ObjectType: "project", ObjectID: fmt.Sprint(projectID),
			ProjectID: projectID, Summary: summary})
	})
	if err != nil {
		return nil, err
	}
	return s.loadInvitations(ctx, s.DB, p)
}

// DrawInvitees draws the invitees of the actor's procurement project from
// its frozen pool: the key is built from the witnesses' numbers (one entry
// per witness, entered after the commitment was recorded) and the revealed
// server secret (RFC 3797). supervisors names the purchaser's staff who
// supervised the draw on site (at least two, 87号令第十四条). It runs once;
// the result is fixed.
func (s *Service) DrawInvitees(ctx context.Context, projectID int64, sources, supervisors []string) (*Invitations, error) {
	a, err := requireAgency(ctx)
	if err != nil {
		return nil, err
	}
	var f problem.Fields
	var names []string
	seenName := map[string]int{}
	for i, raw := range supervisors {
		name := strings.Join(strings.Fields(raw), " ")
		if name == "" {
			continue
		}
		field := fmt.Sprintf("supervisor%d", i+1)
		switch n := utf8.RuneCountInString(name); {
		case n > 32:
			f.Add(field, "too_long", "姓名不能超过32个字")
		case seenName[name] > 0:
			f.Add(field, "supervisor_duplicate", fmt.Sprintf("与第%d位重复", seenName[name]))
		default:
			seenName[name] = i + 1
			names = append(names, name)
		}
	}
	switch {
	case len(names) > maxSupervisors:
		f.Add("supervisors", "too_many", fmt.Sprintf("监督人员最多录入%d位", maxSupervisors))
	case len(names) < MinSupervisors && f.Empty():
		f.Add("supervisors", "supervisors_too_few", fmt.Sprintf("随机抽取供应商时应当有不少于两名采购人工作人员在场监督（%s），请录入在场监督人员的姓名，现有%d位", basis87Art14, len(names)))
	}
	var nums []string
	badNumbers := false
	for i, src := range sources {
		if strings.TrimSpace(src) == "" {
			continue
		}
		canon, err := CheckWitnessNumbers(src)
		if err != nil {
			f.AddErr(fmt.Sprintf("numbers%d", i+1), err)
			badNumbers = true
			continue
		}
		nums = append(nums, canon)
	}
	if len(nums) == 0 && !badNumbers {
		f.Add("numbers", "required", "请录入至少一位见证人的随机数")
	}
	if len(nums) > maxWitnessSources {
		f.Add("numbers", "too_many", fmt.Sprintf("见证人最多%d位", maxWitnessSources))
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var p *Project
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		pp, err := lockInvitedProject(ctx, tx, projectID, a)
		if err != nil {
			return err
		}
		p = pp
		r, err := loadInvitationRow(ctx, tx, projectID, true)
		if err != nil {
			return err
		}
		switch {
		case r == nil || r.Mode != InviteDraw || inviteMode(p.Kind) != InviteDraw:
			return problem.New(problem.Conflict, "invitation_not_prepared", "请先录入候选供应商和邀请数量，再进行随机抽取")
		case r.Status == InvitationDrawn:
			return errInvitationsFixed("已随机抽取受邀供应商，不能重复抽取")
		}
		b, err := s.Vault.Open("invitation-secret", projectObject(projectID), r.Sealed)
		if err != nil {
			return fmt.Errorf("open draw secret of project %d: %w", projectID, err)
		}
		secret := string(b)
		if SHA256Hex(b) != r.Commitment {
			return fmt.Errorf("project %d: sealed draw secret does not match its commitment", projectID)
		}
		doc, err := parseInvitationPool(r.PoolDoc)
		if err != nil {
			return err
		}
		key, err := lottery.KeyFromStrings(append(append([]string(nil), nums...), secret))
		if err != nil {
			return fmt.Errorf("project %d draw key: %w", projectID, err)
		}
		order, err := lottery.Select(key, len(doc.Members), doc.Count)
		if err != nil {
			return fmt.Errorf("project %d draw: %w", projectID, err)
		}
		parts := make([]string, len(order))
		for i, n := range order {
			parts[i] = strconv.Itoa(n)
			if _, err := tx.ExecContext(ctx, `INSERT INTO trading_invitees (project_id, org_id, position) VALUES (?, ?, ?)`,
				projectID, doc.Members[n-1].OrgID, i+1); err != nil {
				return fmt.Errorf("insert invitee: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_invitations SET secret_revealed = ?, sources = ?, key_text = ?, result = ?, status = ?,
			drawn_at = ?, drawn_by = ?, supervisors = ? WHERE project_id = ?`, secret, strings.Join(nums, "\n"), key, strings.Join(parts, " "), InvitationDrawn,
			now, nullID(a.UserID), strings.Join(names, "\n"), projectID); err != nil {
			return fmt.Errorf("store draw: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.invitation.draw", ObjectType: "project", ObjectID: fmt.Sprint(projectID),
			ProjectID: projectID, Summary: map[string]any{"pool_hash": r.PoolHash, "commitment": r.Commitment, "sources": nums, "secret": secret,
				"key": key, "result": order, "supervisors": names}})
	})
	if err != nil {
		return nil, err
	}
	return s.loadInvitations(ctx, s.DB, p)
}

// Invitations returns an invited project's list and draw record to its
// agency, or to staff, supervisors and admins.
func (s *Service) Invitations(ctx context.Context, projectID int64) (*Invitations, error) {
	a := audit.ActorFrom(ctx)
	p, err := loadProject(ctx, s.DB, projectID)
	if err != nil {
		return nil, err
	}
	if !canSeeAll(a) && !(a.Has(accounts.RoleAgency) && a.OrgID == p.AgencyOrgID) {
		return nil, notFound()
	}
	if p.Method != MethodInvited {
		return nil, errNotInvitedMethod()
	}
	return s.loadInvitations(ctx, s.DB, p)
}

func (s *Service) loadInvitations(ctx context.Context, q sqlx.QueryerContext, p *Project) (*Invitations, error) {
	iv := &Invitations{ProjectID: p.ID, Code: p.Code, Title: p.Title, Kind: p.Kind, ProjectStatus: p.Status, Mode: inviteMode(p.Kind),
		Candidates: []InvitationCandidate{}, Invitees: []Invitee{}}
	r, err := loadInvitationRow(ctx, q, p.ID, false)
	if err != nil {
		return nil, err
	}
	iv.Fixed = p.Status == StatusPublished || p.Status == StatusResult || (r != nil && r.Status == InvitationDrawn)
	if r == nil {
		return iv, nil
	}
	iv.Mode, iv.Status, iv.Count = r.Mode, r.Status, r.Count
	doc, err := parseInvitationPool(r.PoolDoc)
	if err != nil {
		return nil, err
	}
	iv.Candidates = append(iv.Candidates, doc.Members...)
	if err := sqlx.SelectContext(ctx, q, &iv.Invitees, `SELECT i.position, i.org_id, o.name, o.uscc FROM trading_invitees i
		JOIN organisations o ON o.id = i.org_id WHERE i.project_id = ? ORDER BY i.position`, p.ID); err != nil {
		return nil, fmt.Errorf("invitees of project %d: %w", p.ID, err)
	}
	if r.Mode != InviteDraw {
		return iv, nil
	}
	d := &InvitationDraw{PoolDoc: r.PoolDoc, PoolHash: r.PoolHash, PoolSize: r.PoolSize, Count: r.Count, Source: doc.Source, Commitment: r.Commitment,
		Sources: []string{}, Supervisors: []string{}, Result: []int{}, PreparedAt: r.PreparedAt}
	if r.Status == InvitationDrawn {
		d.Secret, d.Key, d.DrawnAt = r.Secret, r.Key, r.DrawnAt.Time
		if r.Sources != "" {
			d.Sources = strings.Split(r.Sources, "\n")
		}
		if r.Supervisors != "" {
			d.Supervisors = strings.Split(r.Supervisors, "\n")
		}
		for _, f := range strings.Fields(r.Result) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, fmt.Errorf("project %d: stored draw result %q: %w", p.ID, r.Result, err)
			}
			d.Result = append(d.Result, n)
		}
	}
	iv.Draw = d
	if r.Status == InvitationDrawn {
		iv.Verification = VerifyInvitationDraw(d, iv.Invitees)
	}
	return iv, nil
}

// VerifyInvitationDraw recomputes a draw from its record alone: the pool
// hash, the commitment against the revealed secret, the key from the
// witnesses' numbers and the secret, the RFC 3797 order, and the invitees.
func VerifyInvitationDraw(d *InvitationDraw, invitees []Invitee) *Verification {
	v := &Verification{OK: true}
	add := func(name string, ok bool, detail string) {
		v.Checks = append(v.Checks, Check{Name: name, OK: ok, Detail: detail})
		v.OK = v.OK && ok
	}
	var doc *invitationPool
	order := committedDraw{Noun: "候选名单", Unit: "家", Picked: "邀请", PoolDoc: d.PoolDoc, PoolHash: d.PoolHash, PoolSize: d.PoolSize, Count: d.Count,
		Commitment: d.Commitment, Drawn: d.Secret != "", Secret: d.Secret, Sources: append(append([]string(nil), d.Sources...), d.Secret),
		Key: d.Key, Result: d.Result,
	}.check(add, func(text string) (poolFacts, error) {
		var err error
		if doc, err = parseInvitationPool(text); err != nil {
			return poolFacts{}, err
		}
		return poolFacts{Members: len(doc.Members), Count: doc.Count, Commitment: doc.Commitment}, nil
	})
	if order == nil {
		return v
	}
	v.Recomputed = order
	ok := len(invitees) == len(order)
	for i, iv := range invitees {
		if i >= len(order) || iv.Position != i+1 || iv.OrgID != doc.Members[order[i]-1].OrgID {
			ok = false
		}
	}
	add("受邀供应商及顺序", ok, fmt.Sprintf("%d家", len(invitees)))
	if doc.Source == SourceLibrary || doc.Source == SourceRecommend {
		add("候选数量（第十四条）", len(doc.Members) >= 2*doc.Count,
			fmt.Sprintf("%s：候选%d家，抽取%d家，候选须不少于抽取数的两倍", InviteSourceName(doc.Source), len(doc.Members), doc.Count))
	}
	return v
}

// invitationFindings is what Publish finds wrong with an invited project's
// list: fewer than three invitees, or a procurement list not drawn.
func invitationFindings(ctx context.Context, q sqlx.QueryerContext, p *Project) ([]Finding, error) {
	if p.Method != MethodInvited {
		return nil, nil
	}
	rule, ok := invitedRules[p.Kind]
	if !ok {
		return nil, nil
	}
	r, err := loadInvitationRow(ctx, q, p.ID, false)
	if err != nil {
		return nil, err
	}
	var n int
	if err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM trading_invitees WHERE project_id = ?`, p.ID); err != nil {
		return nil, fmt.Errorf("invitees of project %d: %w", p.ID, err)
	}
	finding := func(msg string) []Finding {
		return []Finding{{RuleID: rule.ID, Basis: rule.Basis, Action: rule.Action, Field: "invitees", Message: rule.describe() + "：" + msg}}
	}
	switch {
	case p.Kind == Procurement && (r == nil || r.Mode != InviteDraw || r.Status != InvitationDrawn):
		return finding(fmt.Sprintf("尚未从候选供应商中随机抽取受邀供应商（现有%d家）", n)), nil
	case n < MinInvitees:
		return finding(fmt.Sprintf("受邀单位现有%d家，至少应有%d家", n, MinInvitees)), nil
	}
	return nil, nil
}

// invitedSet is what checkInvited knows of a published project: whether it
// is invited and, if so, its invitees. Neither changes after publication.
type invitedSet struct {
	invited bool
	orgs    map[int64]struct{}
}

var notInvitedSet = &invitedSet{}

// MayInvitedSignUp reports whether the actor's organisation may sign up
// for the project as far as invitations go: always for a project that is
// not an invited tender, for an invited one only when it was invited (the
// bidder's lot page shows the refusal instead of a form it cannot use).
func (s *Service) MayInvitedSignUp(ctx context.Context, projectID int64) (bool, error) {
	err := s.checkInvited(ctx, projectID, audit.ActorFrom(ctx).OrgID)
	if problem.Is(err, "not_invited") {
		return false, nil
	}
	return err == nil, err
}

// checkInvited refuses the sign-up of an organisation that was not invited
// to an invited project. It is on the sign-up path: a published project's
// answer (invited or not, and its invitees) is read once and kept in memory
// (the list is fixed at publication), so after the first sign-up of a
// project it costs no query, whichever its method.
func (s *Service) checkInvited(ctx context.Context, projectID, orgID int64) error {
	v, ok := s.invitedCache.Load(projectID)
	if !ok {
		set, keep, err := loadInvitedSet(ctx, s.DB, projectID)
		if err != nil {
			return err
		}
		v = set
		if keep {
			v, _ = s.invitedCache.LoadOrStore(projectID, set)
		}
	}
	set := v.(*invitedSet)
	if !set.invited {
		return nil
	}
	if _, ok := set.orgs[orgID]; ok {
		return nil
	}
	return errNotInvited()
}

// loadInvitedSet reads a project's invited set; keep reports whether it is
// final (the project is published, so its method and list are fixed).
func loadInvitedSet(ctx context.Context, q sqlx.QueryerContext, projectID int64) (set *invitedSet, keep bool, err error) {
	var p struct {
		Method string `db:"method"`
		Status string `db:"status"`
	}
	err = sqlx.GetContext(ctx, q, &p, `SELECT method, status FROM trading_projects WHERE id = ?`, projectID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, notFound()
	}
	if err != nil {
		return nil, false, fmt.Errorf("method of project %d: %w", projectID, err)
	}
	keep = p.Status == StatusPublished || p.Status == StatusResult
	if p.Method != MethodInvited {
		return notInvitedSet, keep, nil
	}
	var ids []int64
	if err := sqlx.SelectContext(ctx, q, &ids, `SELECT org_id FROM trading_invitees WHERE project_id = ?`, projectID); err != nil {
		return nil, false, fmt.Errorf("invitees of project %d: %w", projectID, err)
	}
	set = &invitedSet{invited: true, orgs: make(map[int64]struct{}, len(ids))}
	for _, id := range ids {
		set.orgs[id] = struct{}{}
	}
	return set, keep, nil
}

// Invitation is a 投标邀请书 as its invitee sees it: the project, its
// code, its lots and deadlines.
type Invitation struct {
	ProjectID      int64           `db:"id" json:"project_id"`
	Code           string          `db:"code" json:"code"`
	Title          string          `db:"title" json:"title"`
	Kind           string          `db:"kind" json:"kind"`
	Tenderer       string          `db:"owner_name" json:"tenderer"`
	Agency         string          `db:"agency" json:"agency"`
	Place          string          `db:"place" json:"place"`
	Status         string          `db:"status" json:"project_status"`
	DocsFrom       NullTime        `db:"docs_from" json:"docs_from"`
	DocsUntil      NullTime        `db:"docs_until" json:"docs_until"`
	SignupUntil    NullTime        `db:"signup_until" json:"signup_until"`
	Deadline       NullTime        `db:"deadline" json:"deadline"`
	InvitedAt      NullTime        `db:"published_at" json:"invited_at"`
	AnnouncementID int64           `db:"-" json:"announcement_id"`
	SignupOpen     bool            `db:"-" json:"signup_open"`
	Lots           []InvitationLot `db:"-" json:"lots"`
}

// InvitationLot is a lot named in an invitation.
type InvitationLot struct {
	ID      int64     `db:"id" json:"id"`
	No      int       `db:"lot_no" json:"no"`
	Name    string    `db:"name" json:"name"`
	Deposit money.Fen `db:"deposit" json:"deposit_fen"`
}

// MyInvitations lists the invitations the actor's organisation received:
// the invited projects that name it and have been published, newest first.
func (s *Service) MyInvitations(ctx context.Context) ([]Invitation, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return nil, err
	}
	out := []Invitation{}
	if err := s.DB.SelectContext(ctx, &out, `SELECT p.id, COALESCE(p.code, '') AS code, p.title, p.kind, p.owner_name, COALESCE(o.name, '') AS agency,
			p.place, p.status, p.docs_from, p.docs_until, p.signup_until, p.deadline, p.published_at
		FROM trading_invitees i JOIN trading_projects p ON p.id = i.project_id LEFT JOIN organisations o ON o.id = p.agency_org_id
		WHERE i.org_id = ? AND p.method = ? AND p.status IN (?, ?) ORDER BY p.published_at DESC, p.id DESC LIMIT 200`,
		a.OrgID, MethodInvited, StatusPublished, StatusResult); err != nil {
		return nil, fmt.Errorf("my invitations: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	at := map[int64]int{}
	for i, iv := range out {
		ids[i], at[iv.ProjectID] = iv.ProjectID, i
		out[i].Lots = []InvitationLot{}
	}
	q, args, err := sqlx.In(`SELECT id, project_id, lot_no, name, deposit FROM trading_lots WHERE project_id IN (?) ORDER BY project_id, lot_no`, ids)
	if err != nil {
		return nil, err
	}
	var lots []struct {
		InvitationLot
		ProjectID int64 `db:"project_id"`
	}
	if err := s.DB.SelectContext(ctx, &lots, s.DB.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("lots of my invitations: %w", err)
	}
	for _, l := range lots {
		i := at[l.ProjectID]
		out[i].Lots = append(out[i].Lots, l.InvitationLot)
	}
	q, args, err = sqlx.In(`SELECT project_id, MIN(id) AS id FROM trading_announcements WHERE type = 'tender' AND project_id IN (?) GROUP BY project_id`, ids)
	if err != nil {
		return nil, err
	}
	var anns []struct {
		ProjectID int64 `db:"project_id"`
		ID        int64 `db:"id"`
	}
	if err := s.DB.SelectContext(ctx, &anns, s.DB.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("announcements of my invitations: %w", err)
	}
	for _, an := range anns {
		out[at[an.ProjectID]].AnnouncementID = an.ID
	}
	now := s.Clock.Now()
	for i := range out {
		iv := &out[i]
		iv.SignupOpen = iv.Status == StatusPublished && now.Before(iv.SignupUntil.Time) && now.Before(iv.Deadline.Time)
	}
	return out, nil
}
