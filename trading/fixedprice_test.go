package trading

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db/dbtest"
	"ggzy/money"
	"ggzy/problem"
)

// fpStart is 09:00 Monday 2 March 2026 in Shanghai.
var fpStart = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

type fpEnv struct {
	t      *testing.T
	db     *sqlx.DB
	clk    *clock.Fake
	s      *FixedPrice
	agency context.Context
	staff  context.Context
	sup    context.Context
	system context.Context
}

var fpOrgSeq atomic.Int64

func newFPEnv(t *testing.T) *fpEnv {
	t.Helper()
	x := dbtest.DB(t)
	clk := clock.NewFake(fpStart)
	e := &fpEnv{t: t, db: x, clk: clk, s: &FixedPrice{DB: x, Clock: clk}, system: context.Background()}
	agencyOrg := e.org("agency", "示范招标代理")
	e.agency = audit.WithActor(context.Background(), audit.Actor{Username: "agency", Role: "agency", Roles: []string{"agency"}, OrgID: agencyOrg})
	e.staff = audit.WithActor(context.Background(), audit.Actor{Username: "staff", Role: "staff", Roles: []string{"staff"}})
	e.sup = audit.WithActor(context.Background(), audit.Actor{Username: "supervisor", Role: "supervisor", Roles: []string{"supervisor"}})
	return e
}

// org inserts an active organisation and returns its id.
func (e *fpEnv) org(kind, name string) int64 {
	e.t.Helper()
	n := fpOrgSeq.Add(1) + time.Now().UnixNano()%1_000_000_000*100
	uscc := fmt.Sprintf("91%016d", n)
	res, err := e.db.Exec(`INSERT INTO organisations (name, uscc, kind, status, created_at) VALUES (?, ?, ?, 'active', ?)`,
		fmt.Sprintf("%s%d", name, n), uscc, kind, fpStart)
	if err != nil {
		e.t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}

// bidder returns a new contractor's context.
func (e *fpEnv) bidder() (context.Context, int64) {
	id := e.org("bidder", "示范建筑公司")
	return audit.WithActor(context.Background(), audit.Actor{Username: "bidder", Role: "bidder", Roles: []string{"bidder"}, OrgID: id}), id
}

func fpInput(price, rate string) SelectionInput {
	return SelectionInput{Title: "示范村道路硬化工程", OwnerName: "示范县交通运输局", GovernmentInvested: true, Funding: "县级财政资金",
		Site: "示范县城关镇", ApprovalNo: "示发改〔2026〕12号", ControlPrice: price, Rate: rate, ApplyUntil: "2026-03-09 17:00",
		Place: "固定价比选项目抽取室", Eligibility: []string{"具有市政公用工程施工总承包三级及以上资质", "具有有效的安全生产许可证"}}
}

// published registers and publishes a selection.
func (e *fpEnv) published(backups int) *Selection {
	e.t.Helper()
	in := fpInput("1,500,000.00", "5")
	in.Backups = &backups
	id, err := e.s.RegisterSelection(e.agency, in)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.s.PublishSelection(e.agency, id); err != nil {
		e.t.Fatal(err)
	}
	sel, err := e.s.Selection(e.agency, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return sel
}

func appInput(cert string) ApplicationInput {
	return ApplicationInput{Qualification: "市政公用工程施工总承包三级", SafetyLicence: "(闽)JZ安许证字[2020]000001", ManagerName: "张三", ManagerCert: cert}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !problem.Is(err, code) {
		var got string
		if p, ok := problem.As(err); ok {
			got = p.Code
			for _, f := range p.Fields {
				got += " " + f.Name + ":" + f.Code
			}
		}
		if p, ok := problem.As(err); ok && p.Code == "validation_failed" {
			for _, f := range p.Fields {
				if f.Code == code {
					return
				}
			}
		}
		t.Fatalf("error %v (%s), want code %s", err, got, code)
	}
}

func (e *fpEnv) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.Get(&n, q, args...); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestFixedPriceCeiling(t *testing.T) {
	e := newFPEnv(t)
	before := e.count(`SELECT COUNT(*) FROM fixedprice_selections`)
	for _, tt := range []struct {
		name, price, rate, code string
	}{
		{"at the ceiling", "2,000,000.00", "5", "fixedprice_must_tender"},
		{"above", "2000000.01", "5", "fixedprice_must_tender"},
		{"three decimals", "1999999.999", "5", money.CodeTooManyDecimal},
		{"in 万元", "199万", "5", "fixedprice_price_unit"},
		{"in 万元 spelled", "199.99万元", "5", "fixedprice_price_unit"},
		{"not a number", "abc", "5", money.CodeInvalid},
		{"chinese numerals", "一百万", "5", "fixedprice_price_unit"},
		{"zero", "0", "5", "fixedprice_price_zero"},
		{"negative", "-5", "5", money.CodeNegative},
		{"rate 100%", "1000000", "100", money.CodeRateRange},
		{"rate negative", "1000000", "-1", money.CodeRateInvalid},
		{"rate five decimals", "1000000", "5.12345", money.CodeRateDecimals},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.s.RegisterSelection(e.agency, fpInput(tt.price, tt.rate))
			if tt.code == money.CodeRateInvalid && err != nil && problem.Is(err, "validation_failed") {
				p, _ := problem.As(err)
				if p.Fields[0].Name == "rate" {
					return
				}
			}
			wantCode(t, err, tt.code)
		})
	}
	if n := e.count(`SELECT COUNT(*) FROM fixedprice_selections`); n != before {
		t.Fatalf("refused registrations wrote %d rows", n-before)
	}
	id, err := e.s.RegisterSelection(e.agency, fpInput("1,999,999.99", "0"))
	if err != nil {
		t.Fatalf("¥1,999,999.99 refused: %v", err)
	}
	sel, err := e.s.Selection(e.agency, id)
	if err != nil {
		t.Fatal(err)
	}
	if sel.ControlPrice != 199999999 || sel.FixedPrice != 199999999 || sel.Status != FPDraft {
		t.Fatalf("stored %+v", sel)
	}
	// Not government-invested; window shorter than 5 日.
	in := fpInput("1000", "1")
	in.GovernmentInvested = false
	in.ApplyUntil = "2026-03-06 17:00"
	_, err = e.s.RegisterSelection(e.agency, in)
	wantCode(t, err, "fixedprice_not_government")
	wantCode(t, err, "fixedprice_window_short")
}

func TestFixedPriceRounding(t *testing.T) {
	for _, tt := range []struct {
		control, rate, want string
	}{
		{"1,000,000.00", "5", "950,000.00"},
		{"1,999,999.99", "3.5", "1,929,999.99"},    // 1,929,999.990350 → .99
		{"1.01", "50", "0.51"},                     // 0.505 → half up to 0.51
		{"0.03", "50", "0.02"},                     // 0.015 → 0.02
		{"0.01", "50", "0.01"},                     // 0.005 → 0.01 (half up)
		{"1,999,999.99", "0.0001", "1,999,997.99"}, // 1,999,997.990000 exactly
		{"123,456.78", "7.25", "114,506.16"},       // 114,506.163450 → .16
		{"999.99", "12.3456", "876.54"},            // 876.535... → .54
		{"100.00", "0", "100.00"},
	} {
		t.Run(tt.control+"-"+tt.rate, func(t *testing.T) {
			c, err := ParseControlPrice(tt.control)
			if err != nil {
				t.Fatal(err)
			}
			r, err := money.ParseRate(tt.rate)
			if err != nil {
				t.Fatal(err)
			}
			if got := FixedPriceTerms(c, r).String(); got != tt.want {
				t.Fatalf("%s × (1 − %s) = %s, want %s", tt.control, tt.rate, got, tt.want)
			}
		})
	}
	// The announcement states the rule.
	e := newFPEnv(t)
	sel := e.published(2)
	var body string
	if err := e.db.Get(&body, `SELECT body FROM trading_announcements WHERE project_id = ? AND type = 'tender'`, sel.ProjectID); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1,425,000.00", "下浮率：5%", "四舍五入", "壹佰肆拾贰万伍仟元整"} {
		if !strings.Contains(body, want) {
			t.Errorf("announcement lacks %q:\n%s", want, body)
		}
	}
}

func TestFixedPriceApplicationWindow(t *testing.T) {
	e := newFPEnv(t)
	sel := e.published(1)
	b1, _ := e.bidder()
	b2, _ := e.bidder()
	b3, _ := e.bidder()
	if _, err := e.s.Apply(b1, sel.ID, appInput("闽135000000001")); err != nil {
		t.Fatal(err)
	}
	_, err := e.s.Apply(b1, sel.ID, appInput("闽135000000002"))
	wantCode(t, err, "fixedprice_duplicate_application")
	_, err = e.s.Apply(b2, sel.ID, ApplicationInput{})
	wantCode(t, err, "required")
	// One nanosecond before the end: accepted. The end instant: refused.
	e.clk.Set(sel.ApplyUntil.Add(-time.Microsecond))
	if _, err := e.s.Apply(b2, sel.ID, appInput("闽135000000003")); err != nil {
		t.Fatalf("just before the end: %v", err)
	}
	e.clk.Set(sel.ApplyUntil)
	_, err = e.s.Apply(b3, sel.ID, appInput("闽135000000004"))
	wantCode(t, err, "fixedprice_window_closed")
	e.clk.Advance(time.Hour)
	_, err = e.s.Apply(b3, sel.ID, appInput("闽135000000004"))
	wantCode(t, err, "fixedprice_window_closed")
	if n := e.count(`SELECT COUNT(*) FROM fixedprice_applications WHERE selection_id = ?`, sel.ID); n != 2 {
		t.Fatalf("%d applications, want 2", n)
	}
}

// TestFixedPriceConcurrentApply: 50 simultaneous applications of one
// contractor leave exactly one.
func TestFixedPriceConcurrentApply(t *testing.T) {
	e := newFPEnv(t)
	sel := e.published(1)
	b, _ := e.bidder()
	start := make(chan struct{})
	var ok, dup atomic.Int64
	done := make(chan struct{})
	for range 50 {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			_, err := e.s.Apply(b, sel.ID, appInput("闽135000009999"))
			switch {
			case err == nil:
				ok.Add(1)
			case problem.Is(err, "fixedprice_duplicate_application"):
				dup.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	close(start)
	for range 50 {
		<-done
	}
	if ok.Load() != 1 || dup.Load() != 49 {
		t.Fatalf("accepted %d, duplicates %d", ok.Load(), dup.Load())
	}
}

// drawn runs the whole draw with the given witness numbers.
func (e *fpEnv) draw(sel *Selection, numbers ...string) {
	e.t.Helper()
	if _, err := e.s.PrepareDraw(e.staff, sel.ID); err != nil {
		e.t.Fatal(err)
	}
	for i, n := range numbers {
		if err := e.s.AddWitness(e.sup, sel.ID, fmt.Sprintf("见证人%d", i+1), "监督人员", n); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := e.s.RunDraw(e.staff, sel.ID); err != nil {
		e.t.Fatal(err)
	}
}

func (e *fpEnv) reviewAll(sel *Selection) {
	e.t.Helper()
	apps, err := e.s.Applications(e.staff, sel.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range apps {
		if err := e.s.Review(e.staff, a.ID, true, ""); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestFixedPriceDrawAndVerify(t *testing.T) {
	e := newFPEnv(t)
	sel := e.published(3)
	var orgs []int64
	for i := range 8 {
		b, id := e.bidder()
		orgs = append(orgs, id)
		if _, err := e.s.Apply(b, sel.ID, appInput(fmt.Sprintf("闽1350000001%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	// Witness numbers before the commitment: refused.
	err := e.s.AddWitness(e.sup, sel.ID, "王监督", "监督人员", "12 34")
	wantCode(t, err, "fixedprice_state")
	// The pool cannot be frozen while the window is open.
	_, err = e.s.PrepareDraw(e.staff, sel.ID)
	wantCode(t, err, "fixedprice_window_open")
	e.clk.Set(sel.ApplyUntil)
	_, err = e.s.PrepareDraw(e.staff, sel.ID)
	wantCode(t, err, "fixedprice_reviews_pending")
	apps, _ := e.s.Applications(e.staff, sel.ID)
	err = e.s.Review(e.staff, apps[0].ID, false, "  ")
	wantCode(t, err, "fixedprice_reason_required")
	if err := e.s.Review(e.staff, apps[0].ID, false, "安全生产许可证已过期"); err != nil {
		t.Fatal(err)
	}
	for _, a := range apps[1:] {
		if err := e.s.Review(e.staff, a.ID, true, ""); err != nil {
			t.Fatal(err)
		}
	}
	drawID, err := e.s.PrepareDraw(e.staff, sel.ID)
	if err != nil {
		t.Fatal(err)
	}
	room, err := e.s.Room(e.sup, sel.ID)
	if err != nil {
		t.Fatal(err)
	}
	if room.Step != 1 || len(room.Members) != 7 || room.Draw.Commitment == "" || room.Draw.Secret != "" || len(room.Excluded) != 1 {
		t.Fatalf("room after prepare: step %d members %d excluded %d secret %q", room.Step, len(room.Members), len(room.Excluded), room.Draw.Secret)
	}
	// Bad witness input: not a number, nothing written.
	for _, bad := range []string{"12a", "abc", "1.5", "-3", "", "１２"} {
		err := e.s.AddWitness(e.sup, sel.ID, "王监督", "监督人员", bad)
		if !problem.Is(err, "validation_failed") {
			t.Fatalf("witness %q: %v", bad, err)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM fixedprice_witnesses WHERE draw_id = ?`, drawID); n != 0 {
		t.Fatalf("bad witness input wrote %d rows", n)
	}
	err = e.s.RunDraw(e.staff, sel.ID)
	wantCode(t, err, "fixedprice_witnesses_missing")
	if err := e.s.AddWitness(e.sup, sel.ID, "王监督", "监督人员", "07, 23 5"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.AddWitness(e.staff, sel.ID, "李代表", "招标人代表", "19 2 88"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.RunDraw(e.staff, sel.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.s.RunDraw(e.staff, sel.ID), "fixedprice_state")

	v, err := e.s.Verify(context.Background(), drawID)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK || len(v.Recomputed) != 4 {
		t.Fatalf("verification failed: %+v", v)
	}
	// The key is the witnesses' sorted numbers then the secret.
	ar, _ := e.s.Archive(context.Background(), drawID)
	if !strings.HasPrefix(ar.Draw.Key, "5.7.23./2.19.88./S") {
		t.Fatalf("key %q", ar.Draw.Key)
	}
	// Altering any stored value is detected.
	for _, tt := range []struct{ name, alter, restore string }{
		{"witness numbers", `UPDATE fixedprice_witnesses SET numbers = '7 23 6' WHERE draw_id = ? AND position = 1`, `UPDATE fixedprice_witnesses SET numbers = '7 23 5' WHERE draw_id = ? AND position = 1`},
		{"result", `UPDATE fixedprice_draws SET result = REVERSE(result) WHERE id = ?`, `UPDATE fixedprice_draws SET result = REVERSE(result) WHERE id = ?`},
		{"pool document", `UPDATE fixedprice_draws SET pool_doc = REPLACE(pool_doc, 'member 1 ', 'member 1  ') WHERE id = ?`, `UPDATE fixedprice_draws SET pool_doc = REPLACE(pool_doc, 'member 1  ', 'member 1 ') WHERE id = ?`},
		{"secret", `UPDATE fixedprice_draws SET secret_revealed = CONCAT(secret_revealed, 'A') WHERE id = ?`, `UPDATE fixedprice_draws SET secret_revealed = LEFT(secret_revealed, CHAR_LENGTH(secret_revealed) - 1) WHERE id = ?`},
	} {
		t.Run("altered "+tt.name, func(t *testing.T) {
			if _, err := e.db.Exec(tt.alter, drawID); err != nil {
				t.Fatal(err)
			}
			v, err := e.s.Verify(context.Background(), drawID)
			if err != nil {
				t.Fatal(err)
			}
			if v.OK {
				t.Fatalf("altered %s still verifies", tt.name)
			}
			if _, err := e.db.Exec(tt.restore, drawID); err != nil {
				t.Fatal(err)
			}
			if v, _ := e.s.Verify(context.Background(), drawID); !v.OK {
				t.Fatalf("restored archive fails: %+v", v.Checks)
			}
		})
	}
	// Altered award order.
	if _, err := e.db.Exec(`UPDATE fixedprice_awards SET application_id = ? WHERE selection_id = ? AND rank_no = 1`, apps[0].ID, sel.ID); err != nil {
		t.Fatal(err)
	}
	if v, _ := e.s.Verify(context.Background(), drawID); v.OK {
		t.Fatal("altered award verifies")
	}
	if _, err := e.db.Exec(`UPDATE fixedprice_awards w JOIN fixedprice_draws d ON d.selection_id = w.selection_id SET w.application_id = ? WHERE w.selection_id = ? AND w.rank_no = 1`,
		ar.Awards[0].ApplicationID, sel.ID); err != nil {
		t.Fatal(err)
	}
	if v, _ := e.s.Verify(context.Background(), drawID); !v.OK {
		t.Fatalf("restored: %+v", v.Checks)
	}
	// The rejected application is never among the ranks.
	for _, a := range ar.Awards {
		if a.ApplicationID == apps[0].ID {
			t.Fatal("rejected application was drawn")
		}
	}
	// Audit events of the project.
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE project_id = ? AND action LIKE 'fixedprice.%'`, sel.ProjectID); n < 8+8+1+2+3 {
		t.Fatalf("only %d audit events", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM timed_events WHERE kind = ? AND target = ? AND state = 'pending'`, FixedPricePublicityEnd, selectionTarget(sel.ID)); n != 1 {
		t.Fatalf("publicity end not scheduled")
	}
}

// TestFixedPriceExclusions: a contractor excluded by each rule is never
// drawn, whatever the witnesses enter.
func TestFixedPriceExclusions(t *testing.T) {
	e := newFPEnv(t)
	// Earlier selections with awards.
	insertAward := func(rank int, orgID int64, cert, state string, called time.Time) {
		t.Helper()
		old := e.published(0)
		res, err := e.db.Exec(`INSERT INTO fixedprice_applications (selection_id, org_id, org_name, org_uscc, qualification, safety_licence, manager_name, manager_cert, status, created_at)
			VALUES (?, ?, 'x', '91000000000000000X', 'q', 's', 'm', ?, 'qualified', ?)`, old.ID, orgID, cert, fpStart)
		if err != nil {
			t.Fatal(err)
		}
		appID, _ := res.LastInsertId()
		if _, err := e.db.Exec(`INSERT INTO fixedprice_awards (selection_id, rank_no, application_id, org_id, manager_cert, state, called_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			old.ID, rank, appID, orgID, cert, state, called); err != nil {
			t.Fatal(err)
		}
	}
	bManager, _ := e.bidder()
	bBlack, blackID := e.bidder()
	bMany, manyID := e.bidder()
	bRecent, recentID := e.bidder()
	otherID := e.org("bidder", "其他公司")
	insertAward(1, otherID, "闽ENGAGED01", AwardContracted, fpStart.Add(-200*24*time.Hour))
	// manyID holds two active awards (K = 2), long ago.
	insertAward(2, manyID, "闽MANY0001", AwardContracted, fpStart.Add(-100*24*time.Hour))
	insertAward(3, manyID, "闽MANY0002", AwardConfirmed, fpStart.Add(-90*24*time.Hour))
	// recentID won 10 days ago and has completed (not active any more).
	insertAward(4, recentID, "闽RECENT01", AwardCompleted, fpStart.Add(-10*24*time.Hour))
	// A win that ended (declined) does not count.
	var clean []context.Context
	var cleanIDs []int64
	for range 4 {
		b, id := e.bidder()
		clean, cleanIDs = append(clean, b), append(cleanIDs, id)
	}
	if _, err := e.s.AddBlacklist(e.staff, blackID, "围标串标，行业主管部门处理决定", time.Time{}); err != nil {
		t.Fatal(err)
	}
	sel := e.published(3)
	mustApply := func(ctx context.Context, cert string) {
		t.Helper()
		if _, err := e.s.Apply(ctx, sel.ID, appInput(cert)); err != nil {
			t.Fatal(err)
		}
	}
	mustApply(bManager, "闽ENGAGED01")
	mustApply(bBlack, "闽BLACK0001")
	mustApply(bMany, "闽MANY0003")
	mustApply(bRecent, "闽RECENT02")
	for i, b := range clean {
		mustApply(b, fmt.Sprintf("闽CLEAN000%d", i))
	}
	e.clk.Set(sel.ApplyUntil)
	e.reviewAll(sel)
	if _, err := e.s.PrepareDraw(e.staff, sel.ID); err != nil {
		t.Fatal(err)
	}
	apps, err := e.s.Applications(e.staff, sel.ID)
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]bool{}
	excludedOrgs := map[int64]bool{}
	for _, a := range apps {
		for _, x := range a.Exclusions {
			rules[x.Rule] = true
			excludedOrgs[a.OrgID] = true
			if x.Reason == "" {
				t.Errorf("exclusion %s of %d has no reason", x.Rule, a.ID)
			}
		}
	}
	for _, r := range []string{ExclManagerEngaged, ExclBlacklisted, ExclTooManyAwards, ExclRecentWin} {
		if !rules[r] {
			t.Errorf("rule %s excluded nobody", r)
		}
	}
	if len(excludedOrgs) != 4 {
		t.Fatalf("%d organisations excluded, want 4: %v", len(excludedOrgs), excludedOrgs)
	}
	room, _ := e.s.Room(e.staff, sel.ID)
	if len(room.Members) != 4 {
		t.Fatalf("pool of %d, want 4", len(room.Members))
	}
	e.draw2(sel)
	var drawn []int64
	if err := e.db.Select(&drawn, `SELECT org_id FROM fixedprice_awards WHERE selection_id = ? ORDER BY rank_no`, sel.ID); err != nil {
		t.Fatal(err)
	}
	if len(drawn) != 4 {
		t.Fatalf("drawn %v", drawn)
	}
	for _, id := range drawn {
		if excludedOrgs[id] || !slices.Contains(cleanIDs, id) {
			t.Fatalf("excluded organisation %d was drawn", id)
		}
	}
	// Whatever the witnesses enter, the excluded are not in the pool: every
	// key over the frozen pool selects only members.
	doc, _ := ParsePoolDocument([]byte(room.Draw.PoolDoc))
	for _, m := range doc.Members {
		if excludedOrgs[appOrg(apps, m.ApplicationID)] {
			t.Fatalf("member %d is excluded", m.No)
		}
	}
}

func (e *fpEnv) draw2(sel *Selection) {
	e.t.Helper()
	for i, n := range []string{"3 14 15", "92 65"} {
		if err := e.s.AddWitness(e.sup, sel.ID, fmt.Sprintf("见证人%d", i+1), "监督人员", n); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := e.s.RunDraw(e.staff, sel.ID); err != nil {
		e.t.Fatal(err)
	}
}

func appOrg(apps []Application, id int64) int64 {
	for _, a := range apps {
		if a.ID == id {
			return a.OrgID
		}
	}
	return 0
}

func TestFixedPricePublicityAndBackups(t *testing.T) {
	e := newFPEnv(t)
	sel := e.published(2)
	bidders := map[int64]context.Context{}
	for i := range 4 {
		b, id := e.bidder()
		bidders[id] = b
		if _, err := e.s.Apply(b, sel.ID, appInput(fmt.Sprintf("闽PUB00000%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Set(sel.ApplyUntil.Add(time.Hour))
	e.reviewAll(sel)
	e.draw(sel, "1 2 3", "4 5 6")
	sel, _ = e.s.Selection(e.staff, sel.ID)
	if sel.Status != FPPublicity {
		t.Fatalf("status %s", sel.Status)
	}
	// 3 日 of publicity: ends at 24:00 of the third day after the draw day.
	if want := time.Date(2026, 3, 13, 0, 0, 0, 0, clock.Shanghai); !sel.PublicityUntil.Equal(want) {
		t.Fatalf("publicity until %s, want %s", sel.PublicityUntil.In(clock.Shanghai), want)
	}
	awards, _ := e.s.Awards(e.staff, sel.ID)
	winner := bidders[awards[0].OrgID]
	// Too early: nothing happens; confirming during publicity is refused.
	if err := e.s.EndPublicity(e.system, sel.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.s.Confirm(winner, sel.ID), "fixedprice_state")
	e.clk.Set(sel.PublicityUntil.Time)
	for range 2 { // idempotent
		if err := e.s.EndPublicity(e.system, sel.ID); err != nil {
			t.Fatal(err)
		}
	}
	sel, _ = e.s.Selection(e.staff, sel.ID)
	if sel.Status != FPConfirming {
		t.Fatalf("status %s after publicity", sel.Status)
	}
	// Rank 2 cannot confirm for rank 1.
	wantCode(t, e.s.Confirm(bidders[awards[1].OrgID], sel.ID), "fixedprice_not_winner")
	// The winner declines: rank 2 is called.
	if err := e.s.Decline(winner, sel.ID, "人员不足"); err != nil {
		t.Fatal(err)
	}
	awards, _ = e.s.Awards(e.staff, sel.ID)
	if awards[0].State != AwardDeclined || awards[1].State != AwardPending {
		t.Fatalf("after decline: %s %s", awards[0].State, awards[1].State)
	}
	// Rank 2 lets the deadline pass: rank 3 is called.
	if err := e.s.ConfirmDeadline(e.system, sel.ID); err != nil { // too early: no-op
		t.Fatal(err)
	}
	e.clk.Set(awards[1].ConfirmUntil.Time)
	if err := e.s.ConfirmDeadline(e.system, sel.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.s.ConfirmDeadline(e.system, sel.ID); err != nil {
		t.Fatal(err)
	}
	awards, _ = e.s.Awards(e.staff, sel.ID)
	if awards[1].State != AwardLapsed || awards[2].State != AwardPending {
		t.Fatalf("after deadline: %s %s", awards[1].State, awards[2].State)
	}
	third := bidders[awards[2].OrgID]
	if err := e.s.Confirm(third, sel.ID); err != nil {
		t.Fatal(err)
	}
	awards, _ = e.s.Awards(e.staff, sel.ID)
	if !awards[2].ContractUntil.After(e.clk.Now().Add(29 * 24 * time.Hour)) {
		t.Fatalf("contract until %s", awards[2].ContractUntil)
	}
	if err := e.s.RecordContract(e.staff, sel.ID, "HT-2026-001"); err != nil {
		t.Fatal(err)
	}
	sel, _ = e.s.Selection(e.staff, sel.ID)
	if sel.Status != FPContracted {
		t.Fatalf("status %s", sel.Status)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE project_id = ? AND action IN ('fixedprice.promote','fixedprice.publicity_end','fixedprice.contract')`, sel.ProjectID); n != 4 {
		t.Fatalf("%d promotion/publicity/contract events, want 4", n)
	}
}

func TestFixedPriceBackupsRunOut(t *testing.T) {
	e := newFPEnv(t)
	sel := e.published(0)
	b, _ := e.bidder()
	if _, err := e.s.Apply(b, sel.ID, appInput("闽OUT000001")); err != nil {
		t.Fatal(err)
	}
	e.clk.Set(sel.ApplyUntil)
	e.reviewAll(sel)
	e.draw(sel, "8", "9")
	sel, _ = e.s.Selection(e.staff, sel.ID)
	e.clk.Set(sel.PublicityUntil.Time)
	if err := e.s.EndPublicity(e.system, sel.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Decline(b, sel.ID, "放弃"); err != nil {
		t.Fatal(err)
	}
	sel, _ = e.s.Selection(e.staff, sel.ID)
	if sel.Status != FPFailed {
		t.Fatalf("status %s", sel.Status)
	}
}

func TestFixedPricePoolDocumentRoundTrip(t *testing.T) {
	d := &PoolDocument{SelectionID: 7, ProjectCode: "GC-2026-0007", FixedPrice: 12345, Count: 2, Commitment: strings.Repeat("ab", 32),
		Members:  []PoolMember{{No: 1, ApplicationID: 11, USCC: "91350000000000001X", Name: "甲 建筑 公司"}, {No: 2, ApplicationID: 12, USCC: "91350000000000002X", Name: "乙公司"}},
		Excluded: []PoolExcluded{{ApplicationID: 13, USCC: "91350000000000003X", Rule: "rejected", Reason: "资质\n不符"}}}
	got, err := ParsePoolDocument(d.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Bytes()) != string(d.Bytes()) {
		t.Fatalf("round trip:\n%s\n%s", got.Bytes(), d.Bytes())
	}
}

func FuzzFixedPriceWitnessNumbers(f *testing.F) {
	for _, s := range []string{"1 2 3", "07,23、5", "abc", "", "99999999999999999999", "1.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		canon, err := CheckWitnessNumbers(s)
		if err != nil {
			return
		}
		again, err := CheckWitnessNumbers(canon)
		if err != nil || again != canon {
			t.Fatalf("canonical %q not stable: %q %v", canon, again, err)
		}
	})
}
