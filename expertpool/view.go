package expertpool

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/idcode"
	"ggzy/lottery"
	"ggzy/problem"
)

// MemberView is one selected member as the viewer may see him. Name and
// ExpertID are empty when the viewer may not see who was drawn.
type MemberView struct {
	ID          int64      `json:"id"`
	Group       int        `json:"group"`
	Specialty   string     `json:"specialty"`
	Rank        int        `json:"rank"`
	State       string     `json:"state"`
	ExpertID    int64      `json:"expert_id,omitempty"`
	Name        string     `json:"name,omitempty"`
	Phone       string     `json:"phone,omitempty"` // masked
	Deadline    *time.Time `json:"reply_deadline,omitempty"`
	NoticeError string     `json:"notice_error,omitempty"`
	SignedIn    bool       `json:"signed_in"`
}

// DrawView is a draw as a viewer may see it.
type DrawView struct {
	Draw
	Groups       []PoolGroup    `json:"groups"`
	Excluded     map[string]int `json:"excluded_by_reason"`
	Exclusions   []Exclusion    `json:"exclusions,omitempty"` // for those who may see members
	Members      []MemberView   `json:"members"`
	NamesVisible bool           `json:"names_visible"`
	Hidden       string         `json:"names_hidden_reason,omitempty"`
	Witnesses    []string       `json:"witness_sources,omitempty"`
	Secret       string         `json:"revealed_secret,omitempty"`
	Key          string         `json:"key,omitempty"`
	Children     []int64        `json:"supplementary_draws,omitempty"`
	// Missing is, for a first draw run and not yet published, how many
	// members each specialty still lacks across the lot's draws (neither
	// confirmed nor waiting for an answer): what a 补抽 (Supplement) draws.
	Missing map[string]int `json:"missing,omitempty"`
	// SecretDerivation says, for an automatic supplementary draw, which link
	// of which draw's secret chain its secret is (chain.go).
	SecretDerivation string `json:"secret_derivation,omitempty"`
}

// otherDrawReasons are the exclusions that come from other lots' draws:
// an expert booked for an overlapping session, or drawn too often for the
// tenderer. Their ids would tell staff who sits on another lot's committee
// before its result is published, so only supervisors see them by expert
// (everyone sees their counts).
var otherDrawReasons = map[string]bool{"booked": true, "too_frequent": true}

// visibleExclusions is the list of excluded experts a viewer who may see
// the draw's members is shown: without those excluded only because of
// another lot's draw, unless he is a supervisor.
func visibleExclusions(all []Exclusion, supervisor bool) []Exclusion {
	if supervisor {
		return all
	}
	var out []Exclusion
	for _, x := range all {
		var reasons []string
		for _, r := range x.Reasons {
			if base, _, _ := strings.Cut(r, ":"); !otherDrawReasons[base] {
				reasons = append(reasons, r)
			}
		}
		if len(reasons) > 0 {
			out = append(out, Exclusion{ExpertID: x.ExpertID, Reasons: reasons})
		}
	}
	return out
}

// mayView decides what the actor in ctx sees of a draw: staff who run it
// and supervisors see the members; other staff see the draw without names;
// the tenderer's and agency's users see it only once published.
// requireRunner refuses staff other than those who prepared or ran the
// draw (and so see its names) the steps that act on its members: signing
// them in, publishing, re-sending invitations. The command line (system)
// may.
func requireRunner(a audit.Actor, d *Draw) error {
	if a.Role == "system" {
		return nil
	}
	if _, names, err := mayView(a, d); err != nil || !names || a.Has("supervisor") && !a.Has("staff") {
		return problem.New(problem.Forbidden, "draw_not_yours", "只有本次抽取的经办人员可以办理")
	}
	return nil
}

func mayView(a audit.Actor, d *Draw) (visible bool, names bool, err error) {
	switch {
	case a.Has("supervisor"):
		return true, true, nil
	case a.Has("staff"):
		runs := a.UserID != 0 && (a.UserID == d.CreatedBy.Int64 || a.UserID == d.DrawnBy.Int64)
		return true, runs, nil
	case a.Has("agency") && d.Status == DrawPublished && a.OrgID != 0 && (a.OrgID == d.TendererOrgID || a.OrgID == d.AgencyOrgID.Int64):
		return true, true, nil
	}
	return false, false, problem.New(problem.NotFound, "draw_not_found", "抽取记录不存在")
}

// DrawView returns the draw as the actor in ctx may see it. With the
// setting hide_names_until_signin even the staff running the draw see a
// member's name only after he has signed in; supervisors always see them.
func (s *Service) DrawView(ctx context.Context, id int64) (*DrawView, error) {
	d, err := loadDraw(ctx, s.DB, id, false)
	if err != nil {
		return nil, err
	}
	a := audit.ActorFrom(ctx)
	_, names, err := mayView(a, d)
	if err != nil {
		return nil, err
	}
	st, err := LoadSettings(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	doc, err := s.document(ctx, s.DB, d)
	if err != nil {
		return nil, err
	}
	v := &DrawView{Draw: *d, Excluded: map[string]int{}, NamesVisible: names}
	if d.Derived() {
		v.SecretDerivation = fmt.Sprintf("%s root %d index %d", chainScheme, d.SecretRoot.Int64, d.ChainIndex.Int64)
	}
	for _, g := range doc.Groups {
		g.Pool = nil
		v.Groups = append(v.Groups, g)
	}
	for _, x := range doc.Exclusions {
		for _, r := range x.Reasons {
			base, _, _ := strings.Cut(r, ":")
			v.Excluded[base]++
		}
	}
	if names {
		v.Exclusions = visibleExclusions(doc.Exclusions, a.Has("supervisor"))
		src := d.Sources()
		if len(src) > 0 {
			v.Witnesses, v.Secret = src[:len(src)-1], src[len(src)-1]
		}
		v.Key = d.KeyText.String
	} else if a.Has("staff") {
		v.Hidden = "仅本次抽取的经办人员和监督人员可以查看抽取结果"
	}
	if d.Status == DrawPublished || a.Has("supervisor") {
		src := d.Sources()
		if len(src) > 0 {
			v.Witnesses, v.Secret = src[:len(src)-1], src[len(src)-1]
		}
		v.Key = d.KeyText.String
	}
	var ms []struct {
		ID       int64        `db:"id"`
		Group    int          `db:"group_no"`
		Code     string       `db:"specialty_code"`
		Rank     int          `db:"rank_no"`
		State    string       `db:"state"`
		ExpertID int64        `db:"expert_id"`
		Name     string       `db:"name"`
		Phone    string       `db:"phone"`
		Deadline sql.NullTime `db:"reply_deadline"`
		NoticeEr string       `db:"notice_error"`
		SignedIn sql.NullTime `db:"signed_in_at"`
	}
	if err := s.DB.SelectContext(ctx, &ms, `SELECT m.id, m.group_no, m.specialty_code, m.rank_no, m.state, m.expert_id, x.name, x.phone,
		m.reply_deadline, m.notice_error, m.signed_in_at FROM expert_draw_members m JOIN experts x ON x.id = m.expert_id
		WHERE m.draw_id = ? ORDER BY m.group_no, m.rank_no`, id); err != nil {
		return nil, fmt.Errorf("read members of draw %d: %w", id, err)
	}
	for _, m := range ms {
		mv := MemberView{ID: m.ID, Group: m.Group, Specialty: m.Code, Rank: m.Rank, State: m.State, NoticeError: m.NoticeEr, SignedIn: m.SignedIn.Valid}
		if m.Deadline.Valid {
			t := m.Deadline.Time
			mv.Deadline = &t
		}
		show := names
		if show && st.HideNames && !a.Has("supervisor") && !m.SignedIn.Valid {
			show = false
			v.Hidden = "按设置，专家签到后才显示姓名"
			// The experts excluded as already drawn are the members:
			// their ids would name them through the expert register.
			v.Exclusions = nil
		}
		if a.Has("agency") && m.State != MemberConfirmed {
			continue
		}
		if show {
			mv.ExpertID, mv.Name, mv.Phone = m.ExpertID, m.Name, idcode.MaskPhone(m.Phone)
		}
		v.Members = append(v.Members, mv)
	}
	if err := s.DB.SelectContext(ctx, &v.Children, `SELECT id FROM expert_draws WHERE parent_draw_id = ? ORDER BY id`, id); err != nil {
		return nil, err
	}
	if (d.Status == DrawDrawn || d.Status == DrawPublished) && !d.ParentDrawID.Valid && d.SessionEnd.After(s.Clock.Now()) {
		if v.Missing, _, err = lotMissing(ctx, s.DB, d, doc); err != nil {
			return nil, err
		}
	}
	if err := audit.Record(ctx, s.DB, s.Clock.Now(), audit.Event{Action: "expertdraw.view", ObjectType: "expert_draw", ObjectID: fmt.Sprint(id),
		ProjectID: d.ProjectID, Summary: map[string]any{"names": names}}); err != nil {
		return nil, err
	}
	return v, nil
}

// DrawFilter selects draws for the list.
type DrawFilter struct {
	ProjectID int64
	LotID     int64
	Status    string
	Limit     int
}

// ListDraws lists draws, newest first (no members).
func (s *Service) ListDraws(ctx context.Context, f DrawFilter) ([]Draw, error) {
	q := selectDraw + ` WHERE 1=1`
	var args []any
	if f.ProjectID > 0 {
		q += ` AND project_id = ?`
		args = append(args, f.ProjectID)
	}
	if f.LotID > 0 {
		q += ` AND lot_id = ?`
		args = append(args, f.LotID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, f.Limit)
	var out []Draw
	if err := s.DB.SelectContext(ctx, &out, q, args...); err != nil {
		return nil, fmt.Errorf("list draws: %w", err)
	}
	return out, nil
}

// PoolDocument returns the archived pool document of a draw to those who
// may see its members (and to everyone allowed to see it once published).
func (s *Service) PoolDocument(ctx context.Context, id int64) ([]byte, error) {
	d, err := loadDraw(ctx, s.DB, id, false)
	if err != nil {
		return nil, err
	}
	if _, names, err := mayView(audit.ActorFrom(ctx), d); err != nil || !names {
		return nil, problem.New(problem.Forbidden, "draw_confidential", "仅本次抽取的经办人员和监督人员可以查看候选名单")
	}
	return readPool(ctx, s.DB, id)
}

// SignIn records that a confirmed member has signed in at the evaluation
// room; with hide_names_until_signin his name becomes visible.
func (s *Service) SignIn(ctx context.Context, drawID, memberID int64) error {
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		d, err := loadDraw(ctx, tx, drawID, true)
		if err != nil {
			return err
		}
		if err := requireRunner(audit.ActorFrom(ctx), d); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE expert_draw_members SET signed_in_at = ?, updated_at = ? WHERE id = ? AND draw_id = ? AND state = 'confirmed' AND signed_in_at IS NULL`,
			now, now, memberID, drawID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return problem.New(problem.Conflict, "signin_not_allowed", "只有已确认参加且尚未签到的专家可以签到")
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "expertdraw.signin", ObjectType: "expert_draw", ObjectID: fmt.Sprint(drawID),
			ProjectID: d.ProjectID, Summary: map[string]any{"member": memberID}})
	})
}

// Publish fixes the result: once every group has its primaries confirmed
// (counting supplementary draws of the lot), the draw and its supplementary
// draws become published and the tenderer and agency may see the committee.
// Cancel cancels a prepared draw that has not been run (staff): its pool
// no longer holds (pool_stale), its session moved, or it was prepared in
// error. Its pool document stays archived; the lot may be prepared again.
func (s *Service) Cancel(ctx context.Context, drawID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return problem.InvalidField("reason", "required", "请写明取消的原因")
	case utf8.RuneCountInString(reason) > 200:
		return problem.InvalidField("reason", "too_long", "原因不能超过200个字")
	}
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		d, err := loadDraw(ctx, tx, drawID, true)
		if err != nil {
			return err
		}
		if d.Status != DrawPrepared {
			return problem.New(problem.Conflict, "draw_not_prepared", "只有尚未抽取的抽取记录可以取消")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE expert_draws SET status = 'cancelled' WHERE id = ? AND status = 'prepared'`, drawID); err != nil {
			return fmt.Errorf("cancel draw %d: %w", drawID, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "expertdraw.cancel", ObjectType: "expert_draw", ObjectID: fmt.Sprint(drawID),
			ProjectID: d.ProjectID, Summary: map[string]any{"lot_id": d.LotID, "reason": reason}})
	})
}

func (s *Service) Publish(ctx context.Context, drawID int64) error {
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		d, err := loadDraw(ctx, tx, drawID, true)
		if err != nil {
			return err
		}
		if err := requireRunner(audit.ActorFrom(ctx), d); err != nil {
			return err
		}
		if d.ParentDrawID.Valid {
			return problem.New(problem.Conflict, "publish_parent", "请在原抽取记录上公布结果")
		}
		if d.Status != DrawDrawn {
			return problem.New(problem.Conflict, "draw_not_drawn", "只有已抽取、尚未公布的抽取记录可以公布")
		}
		doc, err := s.document(ctx, tx, d)
		if err != nil {
			return err
		}
		var got []struct {
			Code string `db:"specialty_code"`
			N    int    `db:"n"`
		}
		if err := tx.SelectContext(ctx, &got, `SELECT m.specialty_code, COUNT(*) AS n FROM expert_draw_members m JOIN expert_draws d ON d.id = m.draw_id
			WHERE d.lot_id = ? AND m.state = 'confirmed' GROUP BY m.specialty_code`, d.LotID); err != nil {
			return err
		}
		have := map[string]int{}
		for _, g := range got {
			have[g.Code] = g.N
		}
		specs, err := loadSpecialties(ctx, tx)
		if err != nil {
			return err
		}
		for _, g := range doc.Groups {
			if have[g.Specialty] < g.Primaries {
				return problem.New(problem.Conflict, "committee_incomplete",
					fmt.Sprintf("专业“%s”已确认%d人，需要%d人，不能公布", specs.Label(g.Specialty), have[g.Specialty], g.Primaries))
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE expert_draws SET status = 'published', published_at = ? WHERE lot_id = ? AND status = 'drawn'`, now, d.LotID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "expertdraw.publish", ObjectType: "expert_draw", ObjectID: fmt.Sprint(drawID),
			ProjectID: d.ProjectID, Summary: map[string]any{"lot_id": d.LotID}})
	})
}

// Archive is everything needed to re-check a draw without the database.
type Archive struct {
	DrawID     int64    `json:"draw_id"`
	PoolHash   string   `json:"pool_hash"`
	Commitment string   `json:"secret_commitment"`
	Sources    []string `json:"sources"` // witness sources, then the revealed secret
	Result     []Pick   `json:"result"`
	Document   string   `json:"pool_document"`
	// Derivation is set for an automatic supplementary draw (chain.go).
	Derivation *Derivation `json:"secret_derivation,omitempty"`
}

// Derivation is what re-checks the secret and witness numbers of an
// automatic supplementary draw: the root draw whose commitment fixed the
// secret chain, with its revealed secret, and the parent draw whose witness
// numbers were reused. The root's own archive shows that its commitment is
// the one in its pool document; check it too.
type Derivation struct {
	Scheme          string   `json:"scheme"`
	RootDrawID      int64    `json:"root_draw_id"`
	Index           int      `json:"index"`
	RootCommitment  string   `json:"root_secret_commitment"`
	RootSecret      string   `json:"root_revealed_secret"`
	ParentDrawID    int64    `json:"parent_draw_id"`
	ParentWitnesses []string `json:"parent_witness_sources"`
}

// Check is one step of a verification.
type Check struct {
	Name   string `json:"name"`  // stable: pool_hash, selection, …
	Label  string `json:"label"` // the check in Chinese, for people
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// checkLabels name the checks of a re-check for people.
var checkLabels = map[string]string{
	"pool_hash":               "候选名单哈希",
	"pool_document":           "候选名单文件",
	"commitment_in_document":  "名单文件中的密钥承诺",
	"sources":                 "随机数来源",
	"secret_commitment":       "服务器密钥与承诺值",
	"key":                     "随机数种子",
	"selection":               "按 RFC 3797 重新计算",
	"secret_derivation":       "补抽密钥的来源",
	"root_commitment":         "原抽取的密钥承诺",
	"secret_chain":            "密钥哈希链",
	"witness_sources":         "沿用的见证人随机数",
	"status":                  "抽取状态",
	"members":                 "记录的抽取结果",
	"chain_order":             "哈希链使用顺序",
	"root_draw":               "原抽取的复核",
	"secret_fixed_in_advance": "密钥事先固定",
}

func newCheck(name string, ok bool, detail string) Check {
	return Check{Name: name, Label: cmp.Or(checkLabels[name], name), OK: ok, Detail: detail}
}

// Verification is the outcome of re-checking a draw.
type Verification struct {
	DrawID int64   `json:"draw_id"`
	OK     bool    `json:"ok"`
	Checks []Check `json:"checks"`
	Key    string  `json:"key,omitempty"`
	Picks  []Pick  `json:"recomputed,omitempty"`
	// Supplementary are the re-checks of a first draw's supplementary draws
	// (Verify); each is also one check of the first draw.
	Supplementary []Verification `json:"supplementary,omitempty"`
}

// VerifyArchive recomputes a draw from its archive alone: the pool
// document's SHA-256 against the recorded hash, the revealed secret against
// its commitment, and the selection from the sources. For an automatic
// supplementary draw it also recomputes the secret's chain back to the
// root's revealed secret and commitment, and checks that the witness
// numbers are the parent's.
func VerifyArchive(a Archive) Verification {
	v := Verification{DrawID: a.DrawID}
	add := func(name string, ok bool, detail string) {
		v.Checks = append(v.Checks, newCheck(name, ok, detail))
	}
	h := Hash([]byte(a.Document))
	add("pool_hash", h == a.PoolHash, "候选名单文件的 SHA-256 = "+h)
	doc, err := ParseDocument([]byte(a.Document))
	if err != nil {
		add("pool_document", false, err.Error())
		return v
	}
	add("commitment_in_document", doc.Commitment == a.Commitment, "候选名单文件所载的密钥承诺值 "+doc.Commitment)
	if len(a.Sources) == 0 {
		add("sources", false, "没有随机数：尚未抽取")
		return v
	}
	secret := a.Sources[len(a.Sources)-1]
	add("secret_commitment", Hash([]byte(secret)) == a.Commitment, "公布的服务器密钥的 SHA-256 = "+Hash([]byte(secret)))
	verifyDerivation(add, doc, a, secret)
	key, err := lottery.KeyFromStrings(a.Sources)
	if err != nil {
		add("key", false, err.Error())
		return v
	}
	v.Key = key
	picks, err := Choose(doc.Groups, a.Sources)
	if err != nil {
		add("selection", false, err.Error())
		return v
	}
	v.Picks = picks
	add("selection", slices.Equal(picks, a.Result), fmt.Sprintf("按 RFC 3797 重新计算出 %d 名（含候补）及其顺序", len(picks)))
	v.OK = true
	for _, c := range v.Checks {
		v.OK = v.OK && c.OK
	}
	return v
}

// verifyDerivation checks the secret chain and the witness numbers of an
// automatic supplementary draw, when its document or archive says it is one.
func verifyDerivation(add func(string, bool, string), doc *Document, a Archive, secret string) {
	root, index, commitment, inDoc, err := parseDerivation(doc.Header)
	if err != nil {
		add("secret_derivation", false, err.Error())
		return
	}
	dv := a.Derivation
	switch {
	case !inDoc && dv == nil:
		return // a first draw, or a supplementary draw with its own witnesses
	case !inDoc:
		add("secret_derivation", false, "存档称密钥由哈希链推导，但候选名单文件未记载")
		return
	case dv == nil:
		add("secret_derivation", false, fmt.Sprintf("候选名单文件记载密钥为抽取 %d 的哈希链第 %d 项，但存档缺少推导信息", root, index))
		return
	}
	parent := ""
	for _, h := range doc.Header {
		if p, ok := strings.CutPrefix(h, "supplementary_of "); ok {
			parent = p
		}
	}
	add("secret_derivation", dv.Scheme == chainScheme && dv.RootDrawID == root && dv.Index == index && parent == strconv.FormatInt(dv.ParentDrawID, 10),
		fmt.Sprintf("候选名单文件：密钥为抽取 %[3]d 的哈希链（%[2]s）第 %[1]d 项；为抽取 %[4]s 的补抽", index, chainScheme, root, parent))
	add("root_commitment", Hash([]byte(dv.RootSecret)) == dv.RootCommitment && dv.RootCommitment == commitment,
		fmt.Sprintf("抽取 %d 公布的服务器密钥的 SHA-256 = %s，即其候选名单文件所载的承诺值", dv.RootDrawID, Hash([]byte(dv.RootSecret))))
	add("secret_chain", ChainReaches(secret, dv.Index, dv.RootSecret),
		fmt.Sprintf("对本次公布的密钥连续做 %d 次 ChainStep，得到抽取 %d 公布的密钥", dv.Index, dv.RootDrawID))
	want := SupplementWitnesses(dv.ParentWitnesses, dv.ParentDrawID)
	add("witness_sources", slices.Equal(a.Sources[:len(a.Sources)-1], want),
		fmt.Sprintf("见证人随机数沿用抽取 %d 的：%s", dv.ParentDrawID, strings.Join(want, " / ")))
}

// ArchiveOf loads the archive of a draw that has been run, for anyone who
// may see its members (or once published).
func (s *Service) ArchiveOf(ctx context.Context, id int64) (*Archive, error) {
	d, err := loadDraw(ctx, s.DB, id, false)
	if err != nil {
		return nil, err
	}
	if a := audit.ActorFrom(ctx); a.Role != "system" {
		if _, names, err := mayView(a, d); err != nil || !names {
			return nil, problem.New(problem.Forbidden, "draw_confidential", "仅本次抽取的经办人员和监督人员可以查看抽取档案")
		}
		if err := s.checkNamesShown(ctx, a, d); err != nil {
			return nil, err
		}
	}
	return archiveOf(ctx, s.DB, d)
}

// checkNamesShown refuses the archive and the verification — which name
// the drawn experts by id — to staff while hide_names_until_signin hides a
// drawn member's name from them (not yet signed in); supervisors see them.
func (s *Service) checkNamesShown(ctx context.Context, a audit.Actor, d *Draw) error {
	if a.Has("supervisor") {
		return nil
	}
	st, err := LoadSettings(ctx, s.DB)
	if err != nil {
		return err
	}
	if !st.HideNames {
		return nil
	}
	var waiting int
	if err := s.DB.GetContext(ctx, &waiting, `SELECT COUNT(*) FROM expert_draw_members m JOIN expert_draws d ON d.id = m.draw_id
		WHERE (d.id = ? OR d.parent_draw_id = ?) AND m.signed_in_at IS NULL AND m.state IN ('notified', 'confirmed')`, d.ID, d.ID); err != nil {
		return err
	}
	if waiting > 0 {
		return problem.New(problem.Forbidden, "draw_confidential", "按设置，专家签到后才能查看抽取档案或复核抽取")
	}
	return nil
}

func archiveOf(ctx context.Context, q sqlx.QueryerContext, d *Draw) (*Archive, error) {
	body, err := readPool(ctx, q, d.ID)
	if err != nil {
		return nil, err
	}
	a := &Archive{DrawID: d.ID, PoolHash: d.PoolHash, Commitment: d.Commitment, Sources: d.Sources(), Document: string(body)}
	if d.ResultJSON.Valid {
		if err := json.Unmarshal([]byte(d.ResultJSON.String), &a.Result); err != nil {
			return nil, fmt.Errorf("draw %d result: %w", d.ID, err)
		}
	}
	if d.Derived() {
		root, err := loadDraw(ctx, q, d.SecretRoot.Int64, false)
		if err != nil {
			return nil, fmt.Errorf("root of draw %d: %w", d.ID, err)
		}
		parent, err := loadDraw(ctx, q, d.ParentDrawID.Int64, false)
		if err != nil {
			return nil, fmt.Errorf("parent of draw %d: %w", d.ID, err)
		}
		rootSecret := ""
		if src := root.Sources(); len(src) > 0 {
			rootSecret = src[len(src)-1] // what the root's own verification checks against its commitment
		}
		a.Derivation = &Derivation{Scheme: chainScheme, RootDrawID: root.ID, Index: int(d.ChainIndex.Int64), RootCommitment: root.Commitment,
			RootSecret: rootSecret, ParentDrawID: parent.ID, ParentWitnesses: parent.Witnesses()}
	}
	return a, nil
}

// Verify re-checks a draw from what the database archived, and also that
// the members recorded are the ones the recomputation selects. For an
// automatic supplementary draw it also checks the secret chain against the
// root draw and that the chain's links are used in order; a first draw's
// verification includes each of its supplementary draws. It is for
// supervisors and the command line (audit.System).
func (s *Service) Verify(ctx context.Context, id int64) (*Verification, error) {
	d, err := loadDraw(ctx, s.DB, id, false)
	if err != nil {
		return nil, err
	}
	actor := audit.ActorFrom(ctx)
	if actor.Role != "system" {
		if _, names, err := mayView(actor, d); err != nil || !names {
			return nil, problem.New(problem.Forbidden, "draw_confidential", "仅本次抽取的经办人员和监督人员可以复核抽取")
		}
		if err := s.checkNamesShown(ctx, actor, d); err != nil {
			return nil, err
		}
	}
	v, err := s.verifyDraw(ctx, d, nil)
	if err != nil {
		return nil, err
	}
	if d.ParentDrawID.Valid {
		return v, nil
	}
	rootResult := *v
	// The supplementary draws of the lot that descend from this one, in
	// the order they were made.
	var lot []*Draw
	if err := s.DB.SelectContext(ctx, &lot, selectDraw+` WHERE lot_id = ? AND seq > ? AND parent_draw_id IS NOT NULL ORDER BY seq`, d.LotID, d.Seq); err != nil {
		return nil, fmt.Errorf("supplementary draws of draw %d: %w", d.ID, err)
	}
	ours := map[int64]bool{d.ID: true}
	for _, c := range lot {
		if !ours[c.ParentDrawID.Int64] {
			continue
		}
		ours[c.ID] = true
		known := &rootResult
		if c.SecretRoot.Int64 != d.ID {
			known = nil
		}
		cv, err := s.verifyDraw(ctx, c, known)
		if err != nil {
			return nil, err
		}
		if actor.Role != "system" {
			if _, names, _ := mayView(actor, c); !names {
				cv.Key, cv.Picks = "", nil // who was drawn stays with those who may see it
			}
		}
		// A supplementary draw waiting for its witnesses has fixed only its
		// pool and commitment so far.
		var waiting map[string]bool
		if c.Status == DrawPrepared {
			waiting = map[string]bool{"sources": true, "status": true}
		}
		ok, detail := summary(cv.Checks, waiting)
		if ok && c.Status == DrawPrepared {
			detail = "已固定候选名单，待见证人输入随机数：名单哈希与承诺值一致"
		}
		v.Checks = append(v.Checks, Check{Name: fmt.Sprintf("supplementary_draw %d", c.ID), Label: fmt.Sprintf("补抽（抽取 %d）", c.ID), OK: ok, Detail: detail})
		v.OK = v.OK && ok
		v.Supplementary = append(v.Supplementary, *cv)
	}
	return v, nil
}

// summary says whether all checks but those named in skip passed, and
// which failed.
func summary(checks []Check, skip map[string]bool) (ok bool, detail string) {
	var failed []string
	for _, c := range checks {
		if !c.OK && !skip[c.Name] {
			failed = append(failed, cmp.Or(c.Label, c.Name))
		}
	}
	if len(failed) > 0 {
		return false, "未通过：" + strings.Join(failed, "、")
	}
	return true, "各项均通过"
}

// verifyDraw re-checks one draw against the database; root is the re-check
// of the root draw of an automatic supplementary draw when already made.
func (s *Service) verifyDraw(ctx context.Context, d *Draw, rootResult *Verification) (*Verification, error) {
	a, err := archiveOf(ctx, s.DB, d)
	if err != nil {
		return nil, err
	}
	v := VerifyArchive(*a)
	add := func(name string, ok bool, detail string) {
		v.Checks = append(v.Checks, newCheck(name, ok, detail))
		v.OK = v.OK && ok
	}
	if d.Status == DrawPrepared {
		add("status", false, "尚未抽取：只固定了候选名单哈希和密钥承诺值")
		v.OK = false
		return &v, nil
	}
	var recorded []Pick
	if err := s.DB.SelectContext(ctx, &recorded, `SELECT group_no, rank_no, 0 AS position, expert_id FROM expert_draw_members WHERE draw_id = ? ORDER BY group_no, rank_no`, d.ID); err != nil {
		return nil, fmt.Errorf("read members of draw %d: %w", d.ID, err)
	}
	ok := len(recorded) == len(v.Picks)
	for i := 0; ok && i < len(recorded); i++ {
		ok = recorded[i].Group == v.Picks[i].Group && recorded[i].Rank == v.Picks[i].Rank && recorded[i].ExpertID == v.Picks[i].ExpertID
	}
	add("members", ok, fmt.Sprintf("记录的 %d 名（含候补）与重新计算的结果逐一比对", len(recorded)))
	switch {
	case d.Derived():
		// The links of the root's chain are used in order, without gaps.
		var idx []int
		if err := s.DB.SelectContext(ctx, &idx, `SELECT secret_chain_index FROM expert_draws WHERE secret_root_draw_id = ? ORDER BY seq`, d.SecretRoot.Int64); err != nil {
			return nil, fmt.Errorf("chain of draw %d: %w", d.SecretRoot.Int64, err)
		}
		pos := slices.Index(idx, int(d.ChainIndex.Int64))
		inOrder := pos >= 0
		for i, k := range idx {
			inOrder = inOrder && k == i+1
		}
		add("chain_order", inOrder, fmt.Sprintf("抽取 %d 的各次补抽依次使用的哈希链项：%v", d.SecretRoot.Int64, idx))
		// The chain ends at the root's commitment only if the root's own
		// record holds.
		if rootResult == nil {
			root, err := loadDraw(ctx, s.DB, d.SecretRoot.Int64, false)
			if err != nil {
				return nil, err
			}
			if rootResult, err = s.verifyDraw(ctx, root, nil); err != nil {
				return nil, err
			}
		}
		_, detail := summary(rootResult.Checks, nil)
		add("root_draw", rootResult.OK, fmt.Sprintf("复核抽取 %d：%s", d.SecretRoot.Int64, detail))
	case d.ParentDrawID.Valid && d.AutoRun:
		add("secret_fixed_in_advance", false, "自动补抽早于哈希链密钥（迁移 0204）：其密钥产生于沿用的见证人随机数已知之后")
	}
	return &v, nil
}
