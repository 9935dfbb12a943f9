package expertpool

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db/dbtest"
	"ggzy/lottery"
	"ggzy/notify"
	"ggzy/problem"
	"ggzy/vault"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// recorder is a notifier that keeps the notices.
type recorder struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (r *recorder) Notify(_ context.Context, m notify.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *recorder) tokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.msgs {
		out = append(out, strings.TrimPrefix(m.Link, "https://x/r/"))
	}
	return out
}

type fixture struct {
	t     testing.TB
	svc   *Service
	clock *clock.Fake
	notes *recorder
	ctx   context.Context
}

var (
	seq    atomic.Int64
	region atomic.Int64
)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	x := dbtest.DB(t)
	v, err := vault.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	rec := &recorder{}
	svc := &Service{DB: x, Clock: clk, Vault: v, Notifier: rec, ReplyURL: "https://x/r/"}
	ctx := audit.WithActor(context.Background(), audit.Actor{UserID: 0, Username: "staff-test", Role: "staff", Roles: []string{"staff", "supervisor"}})
	return &fixture{t: t, svc: svc, clock: clk, notes: rec, ctx: ctx}
}

// region returns a fresh region code so that each test draws from its own
// experts.
func newRegion() string { return fmt.Sprintf("4%05d", 10000+region.Add(1)) }

func (f *fixture) org(name string) int64 {
	f.t.Helper()
	n := seq.Add(1)
	res, err := f.svc.DB.Exec(`INSERT INTO organisations (name, uscc, kind, status, created_at) VALUES (?, ?, 'bidder', 'active', ?)`,
		fmt.Sprintf("%s%d", name, n), fmt.Sprintf("T%017d", n), f.clock.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}

func (f *fixture) input(region string, specs ...string) ExpertInput {
	n := int(seq.Add(1))
	return ExpertInput{Name: fmt.Sprintf("专家%d", n), IDNumber: DemoIDNumber("110105", "19700101", n%1000), /* replaced below */
		Phone: fmt.Sprintf("138%08d", n), EmployerName: "某设计院", Category: CategoryTechnical, Title: "高级工程师", TitleLevel: "副高级",
		YearsInField: 12, Region: region, Specialties: specs}
}

// uniqueID gives every expert of the package a different ID number.
func uniqueID() string {
	n := seq.Add(1)
	return DemoIDNumber("110105", fmt.Sprintf("19%02d%02d%02d", 70+n/10000%20, 1+n/1000%12, 1+n/40%28), int(n%1000))
}

func (f *fixture) expert(mod func(*ExpertInput), region string, specs ...string) int64 {
	f.t.Helper()
	in := f.input(region, specs...)
	in.IDNumber = uniqueID()
	if mod != nil {
		mod(&in)
	}
	id, err := f.svc.CreateExpert(f.ctx, in)
	if err != nil {
		f.t.Fatalf("create expert: %v", err)
	}
	return id
}

func (f *fixture) request(region string, lot int64, tenderer int64, quotas ...Quota) DrawRequest {
	return DrawRequest{ProjectID: 1, LotID: lot, TendererOrgID: tenderer, TradeKind: KindEngineering,
		SessionStart: f.clock.Now().Add(24 * time.Hour), SessionEnd: f.clock.Now().Add(30 * time.Hour), Place: "第一评标室",
		Region: region, RegionRule: RegionLocal, Quotas: quotas}
}

func code(err error) string {
	if p, ok := problem.As(err); ok {
		return p.Code
	}
	if err == nil {
		return ""
	}
	return "other: " + err.Error()
}

func fieldCodes(err error) map[string]string {
	out := map[string]string{}
	if p, ok := problem.As(err); ok {
		for _, fe := range p.Fields {
			if out[fe.Name] != "" {
				out[fe.Name+"#"+fe.Code] = fe.Code
				continue
			}
			out[fe.Name] = fe.Code
		}
	}
	return out
}

func TestChooseFollowsRFC3797PerGroup(t *testing.T) {
	sources := []string{"9319", "2 5 8 10 12", "9 18 26 34 41 45"}
	pool := make([]int64, 25)
	for i := range pool {
		pool[i] = int64(100 + i + 1)
	}
	picks, err := Choose([]PoolGroup{{No: 1, Specialty: "GC01", Primaries: 4, Backups: 2, Pool: pool}}, sources)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := GroupKey(sources, "GC01")
	if key != "9319./2.5.8.10.12./9.18.26.34.41.45./GC01/" {
		t.Fatalf("group key %q", key)
	}
	want, _ := lottery.Select(key, 25, 6)
	for i, p := range picks {
		if p.Position != want[i] || p.ExpertID != int64(100+want[i]) || p.Rank != i+1 {
			t.Errorf("pick %d = %+v, want position %d", i, p, want[i])
		}
	}
}

func TestChooseSkipsMembersOfEarlierGroups(t *testing.T) {
	shared := []int64{1, 2, 3, 4, 5, 6}
	groups := []PoolGroup{{No: 1, Specialty: "GC01", Primaries: 3, Pool: shared}, {No: 2, Specialty: "GC05", Primaries: 3, Pool: shared}}
	picks, err := Choose(groups, []string{"1 2 3"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, p := range picks {
		if seen[p.ExpertID] {
			t.Fatalf("expert %d selected twice: %+v", p.ExpertID, picks)
		}
		seen[p.ExpertID] = true
	}
	if len(picks) != 6 {
		t.Fatalf("got %d picks", len(picks))
	}
	if s := Shortfalls([]PoolGroup{{No: 1, Specialty: "GC01", Primaries: 4, Pool: shared}, {No: 2, Specialty: "GC05", Primaries: 3, Pool: shared}}); len(s) != 1 || s[0].Available != 2 {
		t.Fatalf("shortfalls %+v", s)
	}
}

func TestDocumentRoundTrip(t *testing.T) {
	d := &Document{Header: []string{"project 1", "lot 2"}, Commitment: "ab", Groups: []PoolGroup{{No: 1, Specialty: "GC01", Primaries: 1, Backups: 1, Pool: []int64{3, 9}},
		{No: 2, Specialty: "GC05", Primaries: 1, Pool: nil}}, Exclusions: []Exclusion{{ExpertID: 4, Reasons: []string{"over_age", "employer_tenderer:7"}}}}
	b := d.Bytes()
	got, err := ParseDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), b) {
		t.Fatalf("round trip changed the document:\n%s\n%s", b, got.Bytes())
	}
}

func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(docMagic + "\ncommitment x\ngroup 1 GC01 primaries 1 backups 0 size 1\npool 5\nend\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDocument(b)
		if err == nil {
			_ = d.Bytes()
		}
	})
}

func TestCreateExpertRejectsBadInput(t *testing.T) {
	f := newFixture(t)
	reg := newRegion()
	dupID := uniqueID()
	f.expert(func(in *ExpertInput) { in.IDNumber = dupID }, reg, "GC01")
	cases := []struct {
		name  string
		mod   func(*ExpertInput)
		field string
		code  string
	}{
		{"malformed ID", func(in *ExpertInput) { in.IDNumber = "11010519491231002Y" }, "id_number", ""},
		{"wrong check digit", func(in *ExpertInput) {
			id := uniqueID()
			last := byte('0')
			if id[17] == '0' {
				last = '1'
			}
			in.IDNumber = id[:17] + string(last)
		}, "id_number", "id_checksum"},
		{"short ID", func(in *ExpertInput) { in.IDNumber = "1101051949" }, "id_number", ""},
		{"bad phone", func(in *ExpertInput) { in.Phone = "1234" }, "phone", ""},
		{"unknown specialty", func(in *ExpertInput) { in.Specialties = []string{"XX99"} }, "specialties", "specialty_unknown"},
		{"parent specialty", func(in *ExpertInput) { in.Specialties = []string{"GC"} }, "specialties", "specialty_not_leaf"},
		{"impossible birth date", func(in *ExpertInput) { in.BirthDate = "1970-02-30" }, "birth_date", "date_invalid"},
		{"birth date mismatch", func(in *ExpertInput) { in.BirthDate = "1970-02-03" }, "birth_date", "birth_mismatch"},
		{"impossible employment date", func(in *ExpertInput) {
			in.Employments = []EmploymentInput{{OrgName: "甲", StartedOn: "2020-13-01"}}
		}, "employments[0].started_on", "date_invalid"},
		{"duplicate expert", func(in *ExpertInput) { in.IDNumber = dupID }, "id_number", "expert_duplicate"},
		{"bad region", func(in *ExpertInput) { in.Region = "33A102" }, "region", "region_invalid"},
	}
	before := 0
	_ = f.svc.DB.Get(&before, `SELECT COUNT(*) FROM experts`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := f.input(reg, "GC01")
			in.IDNumber = uniqueID()
			tc.mod(&in)
			_, err := f.svc.CreateExpert(f.ctx, in)
			if err == nil {
				t.Fatal("accepted")
			}
			got := fieldCodes(err)
			c, ok := got[tc.field]
			if !ok {
				t.Fatalf("error %v does not name field %s", err, tc.field)
			}
			if tc.code != "" && c != tc.code {
				t.Errorf("field %s: code %s, want %s", tc.field, c, tc.code)
			}
		})
	}
	after := 0
	_ = f.svc.DB.Get(&after, `SELECT COUNT(*) FROM experts`)
	if after != before {
		t.Errorf("%d experts written by rejected input", after-before)
	}
}

func TestIDNumberIsStoredEncryptedAndShownMasked(t *testing.T) {
	f := newFixture(t)
	idn := uniqueID()
	id := f.expert(func(in *ExpertInput) { in.IDNumber = idn }, newRegion(), "GC02")
	var row struct {
		Sealed []byte `db:"id_sealed"`
		Masked string `db:"id_masked"`
	}
	if err := f.svc.DB.Get(&row, `SELECT id_sealed, id_masked FROM experts WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row.Sealed, []byte(idn)) || bytes.Contains(row.Sealed, []byte(idn[6:14])) {
		t.Fatal("the ID number is readable in the database")
	}
	plain, err := f.svc.Vault.Open(purposeIDNumber, "", row.Sealed)
	if err != nil || string(plain) != idn {
		t.Fatalf("open: %q %v", plain, err)
	}
	if row.Masked != idn[:6]+"********"+idn[14:] {
		t.Fatalf("masked %q", row.Masked)
	}
	list, err := f.svc.ListExperts(f.ctx, ExpertFilter{Query: idn})
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Fatalf("search by full ID number: %v %v", list, err)
	}
}

// TestAvoidanceRecordsEveryExclusion builds a pool where each expert but
// the eligible ones falls under one rule, and checks the reasons.
func TestAvoidanceRecordsEveryExclusion(t *testing.T) {
	f := newFixture(t)
	reg := newRegion()
	tenderer, agency, superv, bidder := f.org("招标人"), f.org("代理"), f.org("监督部门"), f.org("投标人")
	sess := f.clock.Now().Add(24 * time.Hour)
	want := map[int64]string{}
	var eligible []int64
	for i := 0; i < 7; i++ {
		eligible = append(eligible, f.expert(nil, reg, "GC01"))
	}
	want[f.expert(func(in *ExpertInput) { in.EmployerOrgID = tenderer }, reg, "GC01")] = "employer_tenderer"
	want[f.expert(func(in *ExpertInput) { in.EmployerOrgID = agency }, reg, "GC01")] = "employer_agency"
	want[f.expert(func(in *ExpertInput) { in.EmployerOrgID = superv }, reg, "GC01")] = "supervising_staff"
	want[f.expert(func(in *ExpertInput) { in.EmployerOrgID = bidder }, reg, "GC01")] = "employer_avoided"
	want[f.expert(func(in *ExpertInput) {
		in.Employments = []EmploymentInput{{OrgID: tenderer, OrgName: "x", StartedOn: "2020-01-01", EndedOn: "2024-06-30"}}
	}, reg, "GC01")] = "employed_recently"
	old := f.expert(func(in *ExpertInput) {
		in.Employments = []EmploymentInput{{OrgID: tenderer, OrgName: "x", StartedOn: "2010-01-01", EndedOn: "2022-06-30"}}
	}, reg, "GC01")
	eligible = append(eligible, old) // left the tenderer more than 3 years ago
	want[f.expert(func(in *ExpertInput) { in.TitleLevel = "中级" }, reg, "GC01")] = "not_senior"
	want[f.expert(func(in *ExpertInput) { in.YearsInField = 5 }, reg, "GC01")] = "years_short"
	want[f.expert(func(in *ExpertInput) { in.IDNumber = DemoIDNumber("110105", "19500101", int(seq.Add(1)%1000)) }, reg, "GC01")] = "over_age"
	pen := f.expert(nil, reg, "GC01")
	if _, err := f.svc.AddPenalty(f.ctx, pen, PenaltyInput{DecidedOn: "2025-01-01", Reason: "违规"}); err != nil {
		t.Fatal(err)
	}
	want[pen] = "penalised"
	leave := f.expert(nil, reg, "GC01")
	if _, err := f.svc.AddLeave(f.ctx, leave, LeaveInput{Start: sess.Add(-time.Hour).In(clock.Shanghai).Format("2006-01-02 15:04"),
		End: sess.Add(2 * time.Hour).In(clock.Shanghai).Format("2006-01-02 15:04"), Reason: "出差"}); err != nil {
		t.Fatal(err)
	}
	want[leave] = "on_leave"
	rel := f.expert(nil, reg, "GC01")
	if _, err := f.svc.AddDeclaration(f.ctx, rel, DeclarationInput{Kind: DeclRelative, OrgID: bidder, Detail: "配偶任职"}); err != nil {
		t.Fatal(err)
	}
	want[rel] = "declared_relative"
	// Suspended experts and experts of other regions are not candidates.
	f.expert(func(in *ExpertInput) { in.Status = StatusSuspended }, reg, "GC01")
	f.expert(nil, newRegion(), "GC01")

	req := f.request(reg, 1001, tenderer, Quota{Specialty: "GC01", Count: 5, Backups: 2})
	req.AgencyOrgID, req.SupervisingOrgID, req.AvoidOrgIDs = agency, superv, []int64{bidder}
	prep, err := f.svc.Prepare(f.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if prep.PoolSize != len(eligible) {
		t.Errorf("pool size %d, want %d", prep.PoolSize, len(eligible))
	}
	v, err := f.svc.DrawView(f.ctx, prep.DrawID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, x := range v.Exclusions {
		base, _, _ := strings.Cut(x.Reasons[0], ":")
		got[x.ExpertID] = base
	}
	for id, reason := range want {
		if got[id] != reason {
			t.Errorf("expert %d: excluded for %q, want %q", id, got[id], reason)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d exclusions, want %d: %v", len(got), len(want), got)
	}
}

func TestQuotaLargerThanPoolIsRefusedBeforeTheDraw(t *testing.T) {
	f := newFixture(t)
	reg := newRegion()
	for i := 0; i < 3; i++ {
		f.expert(nil, reg, "GC05")
	}
	for i := 0; i < 6; i++ {
		f.expert(nil, reg, "GC01")
	}
	req := f.request(reg, 1002, f.org("招标人"), Quota{Specialty: "GC01", Count: 4, Backups: 1}, Quota{Specialty: "GC05", Count: 1, Backups: 3})
	_, err := f.svc.Prepare(f.ctx, req)
	if code(err) != "quota_exceeds_pool" {
		t.Fatalf("got %v", err)
	}
	p, _ := problem.As(err)
	if len(p.Fields) != 1 || p.Fields[0].Name != "quotas[1]" || !strings.Contains(p.Fields[0].Message, "工程造价") || !strings.Contains(p.Fields[0].Message, "缺1人") {
		t.Fatalf("fields %+v", p.Fields)
	}
	var n int
	_ = f.svc.DB.Get(&n, `SELECT COUNT(*) FROM expert_draws WHERE lot_id = 1002`)
	if n != 0 {
		t.Fatal("a refused request left a draw behind")
	}
}

func TestCommitteeComposition(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name   string
		mod    func(*DrawRequest)
		code   string
		passes bool
	}{
		{"4 members", func(r *DrawRequest) { r.Quotas = []Quota{{Specialty: "GC01", Count: 4}} }, "committee_too_small", false},
		{"6 members", func(r *DrawRequest) { r.Quotas = []Quota{{Specialty: "GC01", Count: 6}} }, "committee_even", false},
		{"experts under 2/3", func(r *DrawRequest) { r.Quotas = []Quota{{Specialty: "GC01", Count: 4}}; r.TendererReps = 3 }, "experts_below_two_thirds", false},
		{"big procurement needs 7", func(r *DrawRequest) {
			r.TradeKind, r.BudgetFen, r.Quotas = KindProcurement, 10_000_000_00, []Quota{{Specialty: "CG01", Count: 5}}
		}, "committee_too_small", false},
		{"inquiry panel of 3", func(r *DrawRequest) {
			r.TradeKind, r.Method, r.Quotas = KindProcurement, "inquiry", []Quota{{Specialty: "CG01", Count: 3}}
		}, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.request("330102", 1, 1)
			tc.mod(&r)
			specs, _ := f.svc.Specialties(f.ctx)
			err := r.validate(specs, f.clock.Now())
			if tc.passes {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			found := false
			for _, c := range fieldCodes(err) {
				found = found || c == tc.code
			}
			if !found {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
}

func drawReady(t *testing.T, f *fixture, reg string, lot int64, primaries, backups, pool int) (*PrepareResult, []int64) {
	t.Helper()
	var ids []int64
	for i := 0; i < pool; i++ {
		ids = append(ids, f.expert(nil, reg, "GC03"))
	}
	prep, err := f.svc.Prepare(f.ctx, f.request(reg, lot, f.org("招标人"), Quota{Specialty: "GC03", Count: primaries, Backups: backups}))
	if err != nil {
		t.Fatal(err)
	}
	return prep, ids
}

func TestRunIsVerifiableAndTamperingShows(t *testing.T) {
	f := newFixture(t)
	prep, _ := drawReady(t, f, newRegion(), 1003, 5, 2, 12)
	if _, err := f.svc.Run(f.ctx, prep.DrawID, []string{"12 7 x"}); code(err) != "validation_failed" || fieldCodes(err)["sources[0]"] != "witness_not_number" {
		t.Fatalf("non-number witness: %v", err)
	}
	res, err := f.svc.Run(f.ctx, prep.DrawID, []string{"9319", "2 5 8 10 12"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Picks) != 7 || res.Notices != 5 || len(f.notes.tokens()) != 5 {
		t.Fatalf("picks %d notices %d", len(res.Picks), res.Notices)
	}
	if _, err := f.svc.Run(f.ctx, prep.DrawID, []string{"1"}); code(err) != "draw_already_run" {
		t.Fatalf("second run: %v", err)
	}
	sys := audit.WithActor(context.Background(), audit.System)
	v, err := f.svc.Verify(sys, prep.DrawID)
	if err != nil || !v.OK {
		t.Fatalf("verify: %+v %v", v, err)
	}
	// Someone edits a member in the database: verification says so.
	if _, err := f.svc.DB.Exec(`UPDATE expert_draw_members SET rank_no = rank_no + 100 WHERE draw_id = ? AND group_no = 1 AND rank_no = 1`, prep.DrawID); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.svc.Verify(sys, prep.DrawID); v.OK {
		t.Fatal("verification passed after a member was changed")
	}
	// The archive alone re-checks; a changed pool document does not.
	a, err := f.svc.ArchiveOf(sys, prep.DrawID)
	if err != nil {
		t.Fatal(err)
	}
	if v := VerifyArchive(*a); !v.OK {
		t.Fatalf("archive: %+v", v)
	}
	a.Document = strings.Replace(a.Document, "pool ", "pool 1 ", 1)
	if v := VerifyArchive(*a); v.OK {
		t.Fatal("archive with a changed pool verified")
	}
}

// TestConcurrentPrepareMakesOneDraw releases several staff at once on the
// same lot: exactly one draw is made.
func TestConcurrentPrepareMakesOneDraw(t *testing.T) {
	f := newFixture(t)
	reg := newRegion()
	for i := 0; i < 8; i++ {
		f.expert(nil, reg, "GC04")
	}
	req := f.request(reg, 1004, f.org("招标人"), Quota{Specialty: "GC04", Count: 5, Backups: 1})
	const n = 6
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			_, errs[i] = f.svc.Prepare(f.ctx, req)
		}(i)
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch code(err) {
		case "":
			wins++
		case "draw_exists":
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	var draws int
	_ = f.svc.DB.Get(&draws, `SELECT COUNT(*) FROM expert_draws WHERE lot_id = 1004`)
	if wins != 1 || draws != 1 {
		t.Fatalf("%d winners, %d draws", wins, draws)
	}
}

func members(t *testing.T, x *sqlx.DB, lot int64) map[string]int {
	t.Helper()
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := x.Select(&rows, `SELECT m.state, COUNT(*) AS n FROM expert_draw_members m JOIN expert_draws d ON d.id = m.draw_id WHERE d.lot_id = ? GROUP BY m.state`, lot); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out
}

func TestDeclineAndSilencePromoteBackupsThenSupplementaryDraw(t *testing.T) {
	f := newFixture(t)
	prep, _ := drawReady(t, f, newRegion(), 1005, 5, 1, 9)
	if _, err := f.svc.Run(f.ctx, prep.DrawID, []string{"42"}); err != nil {
		t.Fatal(err)
	}
	toks := f.notes.tokens()
	if err := f.svc.Reply(f.ctx, toks[0], true, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Reply(f.ctx, toks[0], false, ""); code(err) != "reply_link_invalid" {
		t.Fatalf("second use of a one-time link: %v", err)
	}
	// A decline calls the one backup.
	if err := f.svc.Reply(f.ctx, toks[1], false, "出差"); err != nil {
		t.Fatal(err)
	}
	if got := members(t, f.svc.DB, 1005); got[MemberNotified] != 4 || got[MemberStandby] != 0 || got[MemberDeclined] != 1 {
		t.Fatalf("after decline: %v", got)
	}
	// A second decline finds no backup: a supplementary draw runs.
	if err := f.svc.Reply(f.ctx, toks[2], false, ""); err != nil {
		t.Fatal(err)
	}
	var sup int
	_ = f.svc.DB.Get(&sup, `SELECT COUNT(*) FROM expert_draws WHERE lot_id = 1005 AND parent_draw_id = ? AND status = 'drawn'`, prep.DrawID)
	if sup != 1 {
		t.Fatalf("%d supplementary draws", sup)
	}
	// Nobody else answers: after the deadline they expire and backups of the
	// supplementary draw are called.
	f.clock.Advance(3 * time.Hour)
	if err := f.svc.ExpireReplies(f.ctx, prep.DrawID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ExpireReplies(f.ctx, prep.DrawID); err != nil { // idempotent
		t.Fatal(err)
	}
	got := members(t, f.svc.DB, 1005)
	if got[MemberExpired] != 3 || got[MemberConfirmed] != 1 {
		t.Fatalf("after expiry: %v", got)
	}
	var events int
	_ = f.svc.DB.Get(&events, `SELECT COUNT(*) FROM timed_events WHERE kind = ? AND target LIKE ?`, KindReplyDeadline, fmt.Sprintf("draw:%d/%%", prep.DrawID))
	if events == 0 {
		t.Fatal("no reply deadlines scheduled")
	}
	// Every supplementary draw re-checks too.
	var ids []int64
	_ = f.svc.DB.Select(&ids, `SELECT id FROM expert_draws WHERE lot_id = 1005`)
	for _, id := range ids {
		if v, err := f.svc.Verify(audit.WithActor(context.Background(), audit.System), id); err != nil || !v.OK {
			t.Fatalf("verify draw %d: %+v %v", id, v, err)
		}
	}
}

func TestImportCSVAllOrNothingThenValidOnly(t *testing.T) {
	f := newFixture(t)
	reg := newRegion()
	var b strings.Builder
	_ = TemplateCSV(&b)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	var csv strings.Builder
	csv.WriteString(lines[0] + "\n")
	good1, good2 := uniqueID(), uniqueID()
	fmt.Fprintf(&csv, "李一,%s,13900000001,甲院,,技术类,高级工程师,副高级,12,%s,房屋建筑,,在库\n", good1, reg)
	fmt.Fprintf(&csv, "李二,%s,13900000002,乙院,,经济类,高级经济师,副高级,10,%s,工程造价、GC01,,\n", good2, reg)
	fmt.Fprintf(&csv, "李三,11010519491231002Y,139000,丙院,,技术类,工程师,中级,x,%s,火箭,1949-02-30,\n", reg)
	fmt.Fprintf(&csv, "李四,%s,13900000004,丁院,,技术类,高级工程师,副高级,12,%s,房屋建筑,,\n", good1, reg)
	rep, err := f.svc.Import(f.ctx, strings.NewReader(csv.String()), "experts.csv", "csv", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Rejected || rep.Imported != 0 || rep.Bad != 2 || rep.Total != 4 {
		t.Fatalf("report %+v", rep)
	}
	byField := map[string]RowError{}
	for _, e := range rep.Errors {
		byField[fmt.Sprintf("%d/%s", e.Row, e.Field)] = e
	}
	for _, k := range []string{"4/id_number", "4/phone", "4/years_in_field", "4/specialties", "5/id_number"} {
		if _, ok := byField[k]; !ok {
			t.Errorf("report does not name row/field %s: %+v", k, rep.Errors)
		}
	}
	if byField["5/id_number"].Code != "expert_duplicate_in_file" {
		t.Errorf("row 5: %+v", byField["5/id_number"])
	}
	var n int
	_ = f.svc.DB.Get(&n, `SELECT COUNT(*) FROM experts WHERE region = ?`, reg)
	if n != 0 {
		t.Fatalf("%d experts imported from a rejected file", n)
	}
	rep, err = f.svc.Import(f.ctx, strings.NewReader(csv.String()), "experts.csv", "csv", ImportOptions{OnlyValid: true, ProgressKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 2 {
		t.Fatalf("report %+v", rep)
	}
	_ = f.svc.DB.Get(&n, `SELECT COUNT(*) FROM expert_specialty_links l JOIN experts e ON e.id = l.expert_id WHERE e.region = ?`, reg)
	if n != 3 {
		t.Fatalf("%d specialty links", n)
	}
	if p, ok := f.svc.Progress("k1"); !ok || p.Phase != "done" || p.Imported != 2 {
		t.Fatalf("progress %+v", p)
	}
}

func TestImportXLSXTemplateRoundTrip(t *testing.T) {
	f := newFixture(t)
	specs, _ := f.svc.Specialties(f.ctx)
	var buf bytes.Buffer
	if err := TemplateXLSX(&buf, specs); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Import(f.ctx, bytes.NewReader(buf.Bytes()), "template.xlsx", "xlsx", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The template's example row is valid unless an earlier run imported it.
	if rep.Total != 1 {
		t.Fatalf("report %+v", rep)
	}
	if _, err := f.svc.Import(f.ctx, strings.NewReader("not a zip"), "x.xlsx", "xlsx", ImportOptions{}); code(err) != "validation_failed" && code(err) != "xlsx_malformed" {
		t.Fatalf("garbage xlsx: %v", err)
	}
}

func TestExpertOwnProfileAndLeave(t *testing.T) {
	f := newFixture(t)
	var uid int64
	res, err := f.svc.DB.Exec(`INSERT INTO users (username, display_name, password_hash, status, created_at, updated_at) VALUES (?, '自助专家', 'x', 'active', ?, ?)`,
		fmt.Sprintf("selfexpert%d", seq.Add(1)), f.clock.Now(), f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	uid, _ = res.LastInsertId()
	if _, err := f.svc.DB.Exec(`INSERT INTO user_roles (user_id, role) VALUES (?, 'expert')`, uid); err != nil {
		t.Fatal(err)
	}
	id := f.expert(func(in *ExpertInput) { in.UserID = uid }, newRegion(), "GC06")
	ctx := audit.WithActor(context.Background(), audit.Actor{UserID: uid, Username: "selfexpert", Role: "expert", Roles: []string{"expert"}})
	if err := f.svc.UpdateMyProfile(ctx, ProfileInput{Phone: "13700000000", Title: "教授", EmployerName: "新单位"}); err != nil {
		t.Fatal(err)
	}
	e, err := f.svc.MyProfile(ctx)
	if err != nil || e.ID != id || e.Phone != "13700000000" || len(e.Employments) != 2 {
		t.Fatalf("profile %+v %v", e, err)
	}
	if _, err := f.svc.AddMyLeave(ctx, LeaveInput{Start: "2026-03-10", End: "2026-03-09"}); fieldCodes(err)["end"] != "time_order" {
		t.Fatalf("leave ending before it starts: %v", err)
	}
	if _, err := f.svc.AddMyLeave(ctx, LeaveInput{Start: "2026-03-10", End: "2026-03-12", Reason: "休假"}); err != nil {
		t.Fatal(err)
	}
}
