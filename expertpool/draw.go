package expertpool

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// Draw statuses.
const (
	DrawPrepared  = "prepared"  // pool hashed and secret committed; waiting for the witnesses
	DrawDrawn     = "drawn"     // members selected; names confidential
	DrawPublished = "published" // result fixed and published
	DrawCancelled = "cancelled"
)

// DrawStatusNames are the Chinese names of draw statuses.
var DrawStatusNames = map[string]string{DrawPrepared: "待抽取", DrawDrawn: "已抽取", DrawPublished: "已公布", DrawCancelled: "已取消"}

// Member states.
const (
	MemberNotified  = "notified"  // invited, reply awaited
	MemberConfirmed = "confirmed" // will attend
	MemberDeclined  = "declined"
	MemberExpired   = "expired" // no answer by the deadline
	MemberStandby   = "standby" // a backup not (yet) called
)

// MemberStateNames are the Chinese names of member states.
var MemberStateNames = map[string]string{MemberNotified: "已通知待答复", MemberConfirmed: "已确认参加", MemberDeclined: "已拒绝",
	MemberExpired: "逾期未答复", MemberStandby: "候补"}

// Trade kinds a draw serves.
const (
	KindEngineering = "engineering"
	KindProcurement = "procurement"
)

// Region rules.
const (
	RegionAny     = "any"
	RegionLocal   = "local"   // experts of the region only
	RegionOutside = "outside" // experts from outside the region (异地抽取)
)

// bigBudgetFen is ¥10,000,000: procurement committees at or above it have
// at least 7 members (87号令 47).
const bigBudgetFen = 10_000_000 * 100

// Quota asks for experts of one specialty.
type Quota struct {
	Specialty string `json:"specialty"`
	Count     int    `json:"count"`
	Backups   int    `json:"backups"`
}

// DrawRequest asks for a committee for one lot. The project and lot are
// the trading area's ids, checked through Service.Lots; the organisations
// must exist (checkOrgs).
type DrawRequest struct {
	ProjectID        int64
	LotID            int64
	TendererOrgID    int64
	AgencyOrgID      int64   // 0 when the tenderer tenders itself
	SupervisingOrgID int64   // the project's supervising department, 0 if none
	AvoidOrgIDs      []int64 // further organisations to avoid (known bidders, related parties)
	TradeKind        string
	Method           string // procurement: "negotiation", "consultation", "inquiry" form panels of ≥ 3
	BudgetFen        int64
	SessionStart     time.Time
	SessionEnd       time.Time
	Place            string
	TendererReps     int
	Region           string
	RegionRule       string
	Quotas           []Quota

	parent   int64 // the draw a supplementary draw replaces members of
	runBy    int64 // the parent's runner: a supplementary draw prepared on an expert's reply is his to see and check
	autoRun  bool
	checkOff bool // a supplementary draw does not re-check the composition
	// chainFrom asks for the next chain secret of the root that this draw
	// descends from (an automatic supplementary draw, chain.go); prepareTx
	// sets derived, or clears autoRun when the root has none left.
	chainFrom *Draw
	derived   *derivation
}

// Lots is what a draw asks the trading area about its lot (wired in
// package wiring). nil keeps the ids as given, for this package's tests.
type Lots interface {
	// DrawLot returns the project, kind of trade and registering agency
	// (0: none) of a published lot, or a problem lot_not_found.
	DrawLot(ctx context.Context, lotID int64) (projectID int64, kind string, agencyOrgID int64, err error)
}

// checkLot refuses a first draw for a lot that does not exist, is not
// published, belongs to another project or is of another kind of trade,
// and one naming an agency other than the project's; a draw that names no
// agency takes the project's (its staff are avoided).
func (s *Service) checkLot(ctx context.Context, req *DrawRequest) error {
	if s.Lots == nil || req.parent != 0 {
		return nil
	}
	projectID, kind, agency, err := s.Lots.DrawLot(ctx, req.LotID)
	if problem.Is(err, "lot_not_found") {
		return problem.InvalidField("lot_id", "lot_not_found", "标段（包）不存在或所属项目尚未发布")
	}
	if err != nil {
		return err
	}
	var f problem.Fields
	if projectID != req.ProjectID {
		f.Add("project_id", "lot_project_mismatch", fmt.Sprintf("该标段（包）属于项目 %d，不属于项目 %d", projectID, req.ProjectID))
	}
	if kind != req.TradeKind {
		f.Add("trade_kind", "kind_mismatch", "项目类型与该标段（包）所属项目不一致")
	}
	switch {
	case req.AgencyOrgID == 0:
		req.AgencyOrgID = agency
	case req.AgencyOrgID != agency:
		f.Add("agency_org_id", "agency_mismatch", "招标代理机构与该项目登记的代理机构不一致")
	}
	return f.Err()
}

// checkOrgs refuses organisations that do not exist: an avoidance rule
// against a mistyped tenderer would silently avoid no one.
func checkOrgs(ctx context.Context, tx *sqlx.Tx, req *DrawRequest) error {
	type named struct {
		field, what string
		id          int64
	}
	refs := []named{{"tenderer_org_id", "招标人（采购人）", req.TendererOrgID}}
	if req.AgencyOrgID > 0 {
		refs = append(refs, named{"agency_org_id", "招标代理机构", req.AgencyOrgID})
	}
	if req.SupervisingOrgID > 0 {
		refs = append(refs, named{"supervising_org_id", "监督部门", req.SupervisingOrgID})
	}
	for _, id := range req.AvoidOrgIDs {
		refs = append(refs, named{"avoid_org_ids", "回避单位", id})
	}
	ids := make([]int64, len(refs))
	for i, r := range refs {
		ids[i] = r.id
	}
	q, args, err := sqlx.In(`SELECT id FROM organisations WHERE id IN (?)`, ids)
	if err != nil {
		return err
	}
	var found []int64
	if err := tx.SelectContext(ctx, &found, tx.Rebind(q), args...); err != nil {
		return fmt.Errorf("organisations of draw: %w", err)
	}
	var f problem.Fields
	for _, r := range refs {
		if !slices.Contains(found, r.id) {
			f.Add(r.field, "org_unknown", fmt.Sprintf("%s单位 %d 不存在", r.what, r.id))
		}
	}
	return f.Err()
}

var panelMethods = map[string]bool{"negotiation": true, "consultation": true, "inquiry": true}

// maxAvoid bounds the organisations a request may name.
const maxAvoid = 500

func (r *DrawRequest) validate(specs Specialties, now time.Time) error {
	var f problem.Fields
	if r.ProjectID <= 0 {
		f.Add("project_id", "required", "请指定项目")
	}
	if r.LotID <= 0 {
		f.Add("lot_id", "required", "请指定标段（包）")
	}
	if r.TendererOrgID <= 0 {
		f.Add("tenderer_org_id", "required", "请指定招标人（采购人）")
	}
	if r.AgencyOrgID < 0 || r.SupervisingOrgID < 0 {
		f.Add("agency_org_id", "invalid", "单位编号无效")
	}
	if len(r.AvoidOrgIDs) > maxAvoid {
		f.Add("avoid_org_ids", "too_many", fmt.Sprintf("回避单位最多%d个", maxAvoid))
	}
	for _, id := range r.AvoidOrgIDs {
		if id <= 0 {
			f.Add("avoid_org_ids", "invalid", "回避单位编号无效")
			break
		}
	}
	switch r.TradeKind {
	case KindEngineering:
		if r.Method != "" {
			f.Add("method", "method_invalid", "工程建设项目无需填写采购方式")
		}
	case KindProcurement:
		if r.Method != "" && !panelMethods[r.Method] {
			f.Add("method", "method_invalid", "采购方式应为空（招标）或 negotiation、consultation、inquiry")
		}
	default:
		f.Add("trade_kind", "kind_invalid", "项目类型应为工程建设（engineering）或政府采购（procurement）")
	}
	if r.BudgetFen < 0 {
		f.Add("budget_fen", "budget_invalid", "预算金额不能为负数")
	}
	switch {
	case r.SessionStart.IsZero():
		f.Add("session_start", "time_invalid", "请填写评标开始时间")
	case r.parent != 0:
		// A supplementary draw replaces members of a session that may
		// have begun (a reply deadline falls at its start, an expert
		// declines on the day); it is refused once the session is over.
		if !r.SessionEnd.After(now) {
			f.Add("session_end", "session_over", "评标已结束，不能补抽")
		}
	case !r.SessionStart.After(now):
		f.Add("session_start", "time_past", "评标开始时间应晚于现在")
	}
	if r.SessionEnd.IsZero() || !r.SessionEnd.After(r.SessionStart) {
		f.Add("session_end", "time_order", "评标结束时间应晚于开始时间")
	} else if r.SessionEnd.Sub(r.SessionStart) > 7*24*time.Hour {
		f.Add("session_end", "session_too_long", "评标时段不超过7天")
	}
	if utf8.RuneCountInString(r.Place) > 200 {
		f.Add("place", "too_long", "地点不超过200字")
	}
	if r.TendererReps < 0 || r.TendererReps > 20 {
		f.Add("tenderer_reps", "invalid", "招标人代表人数应为0到20人")
	}
	if r.RegionRule == "" {
		r.RegionRule = RegionAny
	}
	switch r.RegionRule {
	case RegionAny:
		if r.Region != "" && !validRegion(r.Region) {
			f.Add("region", "region_invalid", "行政区划代码应为6位数字，不限地区时可不填")
		}
	case RegionLocal, RegionOutside:
		if !validRegion(r.Region) {
			f.Add("region", "region_invalid", "本地或异地抽取须填写6位行政区划代码")
		}
	default:
		f.Add("region_rule", "region_rule_invalid", "地区规则应为 any、local 或 outside")
	}
	if len(r.Quotas) == 0 {
		f.Add("quotas", "quota_required", "请至少填写一个专业的抽取人数")
	}
	if len(r.Quotas) > 10 {
		f.Add("quotas", "too_many", "最多10个专业")
	}
	seen := map[string]bool{}
	experts := 0
	for i, q := range r.Quotas {
		field := "quotas[" + strconv.Itoa(i) + "]"
		sp, ok := specs.Find(q.Specialty)
		switch {
		case !ok:
			f.Add(field+".specialty", "specialty_unknown", fmt.Sprintf("评标专业“%s”不在分类中", q.Specialty))
		case seen[sp.Code]:
			f.Add(field+".specialty", "specialty_repeated", fmt.Sprintf("专业“%s”重复", sp.Name))
		}
		seen[q.Specialty] = true
		if q.Count < 1 || q.Count > 50 {
			f.Add(field+".count", "count_invalid", "抽取人数应为1至50")
		}
		if q.Backups < 0 || q.Backups > 50 {
			f.Add(field+".backups", "backups_invalid", "候补人数应为0至50")
		}
		experts += q.Count
	}
	if f.Empty() && !r.checkOff {
		checkComposition(&f, r, experts)
	}
	return f.Err()
}

// checkComposition applies 招标投标法 37 / 实施条例 46 and 87号令 47.
func checkComposition(f *problem.Fields, r *DrawRequest, experts int) {
	size := experts + r.TendererReps
	minSize := 5
	if r.TradeKind == KindProcurement && panelMethods[r.Method] {
		minSize = 3
	}
	if r.TradeKind == KindProcurement && r.BudgetFen >= bigBudgetFen && !panelMethods[r.Method] {
		minSize = 7
	}
	if size < minSize {
		msg := fmt.Sprintf("评标委员会共%d人，应不少于%d人", size, minSize)
		if minSize == 7 {
			msg += "（采购预算1000万元以上）"
		}
		f.Add("quotas", "committee_too_small", msg)
	}
	if size%2 == 0 {
		f.Add("quotas", "committee_even", fmt.Sprintf("评标委员会共%d人，应为单数", size))
	}
	if experts*3 < size*2 {
		f.Add("tenderer_reps", "experts_below_two_thirds", fmt.Sprintf("专家%d人，不足委员会%d人的三分之二", experts, size))
	}
}

// Draw is a draw as stored.
type Draw struct {
	ID               int64          `db:"id" json:"id"`
	ProjectID        int64          `db:"project_id" json:"project_id"`
	LotID            int64          `db:"lot_id" json:"lot_id"`
	Seq              int            `db:"seq" json:"seq"`
	ParentDrawID     sql.NullInt64  `db:"parent_draw_id" json:"-"`
	TendererOrgID    int64          `db:"tenderer_org_id" json:"tenderer_org_id"`
	AgencyOrgID      sql.NullInt64  `db:"agency_org_id" json:"-"`
	SupervisingOrgID sql.NullInt64  `db:"supervising_org_id" json:"-"`
	TradeKind        string         `db:"trade_kind" json:"trade_kind"`
	Method           string         `db:"method" json:"method,omitempty"`
	BudgetFen        int64          `db:"budget_fen" json:"budget_fen"`
	SessionStart     time.Time      `db:"session_starts_at" json:"session_start"`
	SessionEnd       time.Time      `db:"session_ends_at" json:"session_end"`
	Place            string         `db:"place" json:"place"`
	CommitteeSize    int            `db:"committee_size" json:"committee_size"`
	Params           string         `db:"params" json:"-"`
	PoolHash         string         `db:"pool_hash" json:"pool_hash"`
	PoolSize         int            `db:"pool_size" json:"pool_size"`
	ExcludedCount    int            `db:"excluded_count" json:"excluded_count"`
	Commitment       string         `db:"secret_commitment" json:"secret_commitment"`
	SecretSealed     []byte         `db:"secret_sealed" json:"-"`
	SecretRevealed   sql.NullString `db:"secret_revealed" json:"-"`
	SourcesJSON      sql.NullString `db:"sources" json:"-"`
	KeyText          sql.NullString `db:"key_text" json:"-"`
	ResultJSON       sql.NullString `db:"result" json:"-"`
	Status           string         `db:"status" json:"status"`
	AutoRun          bool           `db:"auto_run" json:"auto_run"`
	CreatedBy        sql.NullInt64  `db:"created_by" json:"-"`
	DrawnBy          sql.NullInt64  `db:"drawn_by" json:"-"`
	CreatedAt        time.Time      `db:"created_at" json:"created_at"`
	DrawnAt          sql.NullTime   `db:"drawn_at" json:"-"`
	PublishedAt      sql.NullTime   `db:"published_at" json:"-"`
	ChainSealed      []byte         `db:"secret_chain_sealed" json:"-"`
	ChainLength      int            `db:"secret_chain_length" json:"-"`
	SecretRoot       sql.NullInt64  `db:"secret_root_draw_id" json:"-"`
	ChainIndex       sql.NullInt64  `db:"secret_chain_index" json:"-"`
}

// Derived reports whether the draw's secret is s_k of its root's chain
// (an automatic supplementary draw, chain.go).
func (d *Draw) Derived() bool { return d.SecretRoot.Valid && d.ChainIndex.Valid }

// Sources returns the sources of a draw that has been run: the witness
// numbers, then the revealed secret.
func (d *Draw) Sources() []string {
	var s []string
	if d.SourcesJSON.Valid {
		_ = json.Unmarshal([]byte(d.SourcesJSON.String), &s)
	}
	return s
}

// Witnesses returns the witness sources: all sources but the revealed
// secret, which is the last.
func (d *Draw) Witnesses() []string {
	s := d.Sources()
	if len(s) == 0 {
		return nil
	}
	return s[:len(s)-1]
}

const selectDraw = `SELECT id, project_id, lot_id, seq, parent_draw_id, tenderer_org_id, agency_org_id, supervising_org_id, trade_kind,
  method, budget_fen, session_starts_at, session_ends_at, place, committee_size, params, pool_hash, pool_size, excluded_count,
  secret_commitment, secret_sealed, secret_revealed, sources, key_text, result, status, auto_run, created_by, drawn_by,
  created_at, drawn_at, published_at, secret_chain_sealed, secret_chain_length, secret_root_draw_id, secret_chain_index FROM expert_draws`

func loadDraw(ctx context.Context, q sqlx.QueryerContext, id int64, lock bool) (*Draw, error) {
	var d Draw
	query := selectDraw + ` WHERE id = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	err := sqlx.GetContext(ctx, q, &d, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.New(problem.NotFound, "draw_not_found", "抽取记录不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("read draw %d: %w", id, err)
	}
	return &d, nil
}

// PrepareResult is what staff and witnesses see before the draw.
type PrepareResult struct {
	DrawID     int64
	PoolHash   string
	Commitment string
	PoolSize   int
	Excluded   int
}

// Prepare builds the eligible pool after every avoidance rule, records each
// exclusion with its reason, archives the pool document and its SHA-256,
// and commits to a fresh server secret — all before any witness enters a
// number. The secret is the end of a hash chain whose earlier links are the
// secrets of the lot's automatic supplementary draws (chain.go). A quota
// the eligible pool cannot fill is refused here, naming the specialty and
// the shortfall, and nothing is written. Only one draw of a
// lot can be open: a second request for the same lot, even at the same
// moment, gets draw_exists.
func (s *Service) Prepare(ctx context.Context, req DrawRequest) (*PrepareResult, error) {
	now := s.Clock.Now()
	specs, err := loadSpecialties(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	if err := req.validate(specs, now); err != nil {
		return nil, err
	}
	if err := s.checkLot(ctx, &req); err != nil {
		return nil, err
	}
	var res *PrepareResult
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var err error
		res, err = s.prepareTx(ctx, tx, &req, specs, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Service) prepareTx(ctx context.Context, tx *sqlx.Tx, req *DrawRequest, specs Specialties, now time.Time) (*PrepareResult, error) {
	st, err := LoadSettings(ctx, tx)
	if err != nil {
		return nil, err
	}
	if req.parent == 0 {
		if err := checkOrgs(ctx, tx, req); err != nil {
			return nil, err
		}
	}
	// The lot's draws, locked: the first of two concurrent requests wins.
	var seqs []struct {
		ID     int64  `db:"id"`
		Seq    int    `db:"seq"`
		Status string `db:"status"`
	}
	if err := tx.SelectContext(ctx, &seqs, `SELECT id, seq, status FROM expert_draws WHERE lot_id = ? ORDER BY seq FOR UPDATE`, req.LotID); err != nil {
		return nil, fmt.Errorf("lock draws of lot %d: %w", req.LotID, err)
	}
	seq := 1
	for _, d := range seqs {
		if req.parent == 0 && d.Status != DrawCancelled {
			return nil, drawExists(d.ID)
		}
		seq = d.Seq + 1
	}
	if s.Vault == nil {
		return nil, errors.New("expertpool: no vault configured")
	}
	// The secret: the end of a fresh chain for a first draw, the next link
	// of its root's chain for an automatic supplementary draw, a fresh one
	// for a supplementary draw that waits for witnesses (chain.go). Read
	// under the lot's locks, so that the chain index is the next.
	var secret, chainSeed string
	req.derived = nil
	switch {
	case req.parent == 0:
		secret, chainSeed, err = newRootSecret()
	case req.chainFrom != nil:
		if req.derived, err = s.nextChainSecret(ctx, tx, req.chainFrom); err == nil {
			if req.derived != nil {
				secret = req.derived.secret
			} else {
				req.autoRun = false // no chain secret left: the draw waits for witnesses
				secret, err = newSecret()
			}
		}
	default:
		secret, err = newSecret()
	}
	if err != nil {
		return nil, err
	}
	doc, err := buildPool(ctx, tx, &s.rosters, &s.bookings, req, specs, st, now)
	if err != nil {
		return nil, err
	}
	if short := Shortfalls(doc.Groups); len(short) > 0 {
		var f problem.Fields
		for _, sh := range short {
			f.Add(fmt.Sprintf("quotas[%d]", sh.Group-1), "quota_exceeds_pool",
				fmt.Sprintf("%s：需要%d人（含候补），符合条件的仅%d人，缺%d人", specs.Label(sh.Specialty), sh.Need, sh.Available, sh.Need-sh.Available))
		}
		p := f.Err().(*problem.Error)
		p.Code = "quota_exceeds_pool"
		p.Message = "符合条件的专家不足，未进行抽取：" + p.Fields[0].Message
		if len(p.Fields) > 1 {
			p.Message += fmt.Sprintf("（另有%d个专业不足）", len(p.Fields)-1)
		}
		return nil, p
	}
	doc.Commitment = Hash([]byte(secret))
	sealed, err := s.Vault.Seal(purposeSecret, doc.Commitment, []byte(secret))
	if err != nil {
		return nil, fmt.Errorf("seal draw secret: %w", err)
	}
	var chainSealed []byte
	chainLen := 0
	if chainSeed != "" {
		if chainSealed, err = s.Vault.Seal(purposeChain, doc.Commitment, []byte(chainSeed)); err != nil {
			return nil, fmt.Errorf("seal secret chain: %w", err)
		}
		chainLen = chainLength
	}
	var secretRoot, chainIndex any
	derivedText := ""
	if req.derived != nil {
		secretRoot, chainIndex = req.derived.root, req.derived.index
		derivedText = fmt.Sprintf("draw %d chain %d", req.derived.root, req.derived.index)
	}
	buf := docBuffers.Get().(*[]byte)
	body := doc.appendBytes((*buf)[:0])
	poolHash := Hash(body)
	// The document is compressed while the database inserts the draw and
	// its audit event.
	packed := packPoolAsync(body)
	poolSize := 0
	for _, g := range doc.Groups {
		poolSize += len(g.Pool)
	}
	params, _ := json.Marshal(map[string]any{"avoid_org_ids": req.AvoidOrgIDs, "region": req.Region, "region_rule": req.RegionRule,
		"tenderer_reps": req.TendererReps, "quotas": req.Quotas})
	actor := audit.ActorFrom(ctx)
	createdBy := actor.UserID
	if createdBy == 0 {
		createdBy = req.runBy
	}
	committee := req.TendererReps
	for _, q := range req.Quotas {
		committee += q.Count
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO expert_draws (project_id, lot_id, seq, parent_draw_id, tenderer_org_id, agency_org_id,
		supervising_org_id, trade_kind, method, budget_fen, session_starts_at, session_ends_at, place, committee_size, params, pool_hash,
		pool_size, excluded_count, secret_commitment, secret_sealed, status, auto_run, created_by, created_at,
		secret_chain_sealed, secret_chain_length, secret_root_draw_id, secret_chain_index)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'prepared', ?, ?, ?, ?, ?, ?, ?)`,
		req.ProjectID, req.LotID, seq, nullInt(req.parent), req.TendererOrgID, nullInt(req.AgencyOrgID), nullInt(req.SupervisingOrgID),
		req.TradeKind, req.Method, req.BudgetFen, req.SessionStart.UTC(), req.SessionEnd.UTC(), strings.TrimSpace(req.Place), committee,
		string(params), poolHash, poolSize, len(doc.Exclusions), doc.Commitment, sealed, req.autoRun, nullInt(createdBy), now,
		chainSealed, chainLen, secretRoot, chainIndex)
	if db.IsDuplicate(err) {
		return nil, drawExists(0)
	}
	if err != nil {
		return nil, fmt.Errorf("insert draw: %w", err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, now, audit.Event{Action: "expertdraw.prepare", ObjectType: "expert_draw", ObjectID: fmt.Sprint(id),
		ProjectID: req.ProjectID, Summary: map[string]any{"lot_id": req.LotID, "seq": seq, "pool_hash": poolHash,
			"secret_commitment": doc.Commitment, "pool_size": poolSize, "excluded": len(doc.Exclusions), "supplementary_of": req.parent,
			"secret_derived_from": derivedText, "auto_run": req.autoRun}}); err != nil {
		return nil, err
	}
	if err := archivePool(ctx, tx, id, packed); err != nil {
		return nil, err
	}
	*buf = body[:0] // compressed and archived: the buffer serves the next draw
	docBuffers.Put(buf)
	doc.hash = poolHash
	s.cacheDocument(id, doc)
	return &PrepareResult{DrawID: id, PoolHash: poolHash, Commitment: doc.Commitment, PoolSize: poolSize, Excluded: len(doc.Exclusions)}, nil
}

// docBuffers keep the rendered pool documents' buffers between draws (a few
// hundred kilobytes each).
var docBuffers = sync.Pool{New: func() any { return new([]byte) }}

// archivePool stores the pool document of a draw, compressed by packed
// (packPoolAsync). The document is a few hundred kilobytes for a large
// registry: a server-side prepared statement sends it as is, where an
// interpolated one would escape it into the SQL text and make the server
// parse it (three times slower).
func archivePool(ctx context.Context, tx *sqlx.Tx, id int64, packed func() ([]byte, error)) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO expert_draw_pools (draw_id, document) VALUES (?, ?)`)
	if err != nil {
		return fmt.Errorf("archive pool of draw %d: %w", id, err)
	}
	defer st.Close()
	b, err := packed()
	if err != nil {
		return fmt.Errorf("compress pool of draw %d: %w", id, err)
	}
	if _, err := st.ExecContext(ctx, id, b); err != nil {
		return fmt.Errorf("archive pool of draw %d: %w", id, err)
	}
	return nil
}

func drawExists(id int64) error {
	msg := "该标段已有专家抽取记录，不能重复抽取"
	if id > 0 {
		msg += fmt.Sprintf("（抽取记录 %d）", id)
	}
	return problem.New(problem.Conflict, "draw_exists", msg)
}

func newSecret() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	// "S" keeps the secret a text source even when every hex digit is a
	// digit (KeyFromStrings would read it as a number otherwise).
	return "S" + strings.ToUpper(hex.EncodeToString(b)), nil
}

// atoi reads a non-negative decimal integer column (0 for NULL or junk).
func atoi(b []byte) int64 {
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return n
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

func drawHeader(r *DrawRequest, st Settings) []string {
	ids := func(xs []int64) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = strconv.FormatInt(x, 10)
		}
		return strings.Join(s, ",")
	}
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	h := []string{
		fmt.Sprintf("project %d", r.ProjectID),
		fmt.Sprintf("lot %d", r.LotID),
		fmt.Sprintf("supplementary_of %d", r.parent),
	}
	if r.derived != nil {
		h = append(h, r.derived.headerLine())
	}
	return append(h,
		fmt.Sprintf("tenderer %d", r.TendererOrgID),
		fmt.Sprintf("agency %d", r.AgencyOrgID),
		fmt.Sprintf("supervising %d", r.SupervisingOrgID),
		"avoid "+ids(r.AvoidOrgIDs),
		"kind "+r.TradeKind+" "+r.Method,
		fmt.Sprintf("budget_fen %d", r.BudgetFen),
		"session "+r.SessionStart.UTC().Format(time.RFC3339)+" "+r.SessionEnd.UTC().Format(time.RFC3339),
		"region "+r.RegionRule+" "+r.Region,
		fmt.Sprintf("tenderer_reps %d", r.TendererReps),
		fmt.Sprintf("settings age_limit=%d min_years=%d require_senior=%d employment_years=%d freq_limit=%d freq_days=%d",
			st.AgeLimit, st.MinYears, b(st.RequireSenior), st.EmploymentYears, st.FreqLimit, st.FreqDays),
		"order members of each pool ascending by expert id; key = sources then the group's specialty code (RFC 3797)",
	)
}
