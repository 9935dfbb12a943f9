package trading

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
	"ggzy/db/dbtest"
	"ggzy/lottery"
	"ggzy/problem"
)

func TestInvitationPoolRoundTrip(t *testing.T) {
	for _, d := range []*invitationPool{
		{ProjectID: 7, Code: "CG-2026-0001", Mode: InviteDraw, Count: 3, Source: SourceLibrary, Commitment: strings.Repeat("ab", 32), Members: []InvitationCandidate{
			{No: 1, OrgID: 11, USCC: "91330100MA00002010", Name: "示范第一 建设\t集团"}, {No: 2, OrgID: 12, USCC: "91330100MA00002029", Name: "宏达路桥"}}},
		{ProjectID: 8, Mode: InviteDirect, Count: 1, Members: []InvitationCandidate{{No: 1, OrgID: 3, USCC: "X", Name: ""}}},
	} {
		got, err := parseInvitationPool(string(d.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		// Names are kept on one line, white space collapsed.
		for i := range d.Members {
			d.Members[i].Name = oneLine(d.Members[i].Name)
		}
		if fmt.Sprint(got) != fmt.Sprint(d) {
			t.Errorf("round trip\n got %+v\nwant %+v", got, d)
		}
	}
	for _, bad := range []string{"", "GGZY-INVITATION-POOL 1\nend\n", invitationPoolMagic + "\nmember 2 1 X a\nend\n", invitationPoolMagic + "\nwhat\nend\n",
		invitationPoolMagic + "\nsources by lot\nend\n", invitationPoolMagic + "\nsource friends\nend\n"} {
		if _, err := parseInvitationPool(bad); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
}

// A pool frozen before its source was asked (no source line) still reads
// and hashes as it was written.
func TestInvitationPoolWithoutSource(t *testing.T) {
	old := invitationPoolMagic + "\nproject 7 CG-2026-0001\nmode draw\ncount 3\n" + fpSourcesLine + "\ncommitment " + strings.Repeat("ab", 32) +
		"\nmember 1 11 91330100MA00002010 甲\nmember 2 12 91330100MA00002029 乙\nend\n"
	d, err := parseInvitationPool(old)
	if err != nil || d.Source != "" || len(d.Members) != 2 {
		t.Fatalf("old pool: %+v %v", d, err)
	}
	if string(d.Bytes()) != old {
		t.Errorf("old pool re-rendered differently:\n%s", d.Bytes())
	}
}

// drawRecord makes a drawn record the way DrawInvitees does.
func drawRecord(t *testing.T, members, count int, sources []string) (*InvitationDraw, []Invitee) {
	return drawRecordFrom(t, "", members, count, sources)
}

// drawRecordFrom is drawRecord of a pool from source.
func drawRecordFrom(t *testing.T, source string, members, count int, sources []string) (*InvitationDraw, []Invitee) {
	t.Helper()
	secret, err := newDrawSecret()
	if err != nil {
		t.Fatal(err)
	}
	doc := &invitationPool{ProjectID: 1, Code: "CG-2026-0009", Mode: InviteDraw, Count: count, Source: source, Commitment: SHA256Hex([]byte(secret))}
	for i := range members {
		doc.Members = append(doc.Members, InvitationCandidate{No: i + 1, OrgID: int64(100 + i), USCC: fmt.Sprintf("U%d", i), Name: fmt.Sprintf("供应商%d", i)})
	}
	text := string(doc.Bytes())
	key, err := lottery.KeyFromStrings(append(append([]string(nil), sources...), secret))
	if err != nil {
		t.Fatal(err)
	}
	order, err := lottery.Select(key, members, count)
	if err != nil {
		t.Fatal(err)
	}
	var inv []Invitee
	for i, n := range order {
		inv = append(inv, Invitee{Position: i + 1, OrgID: doc.Members[n-1].OrgID})
	}
	return &InvitationDraw{PoolDoc: text, PoolHash: SHA256Hex([]byte(text)), PoolSize: members, Count: count, Commitment: doc.Commitment,
		Sources: sources, Secret: secret, Key: key, Result: order}, inv
}

// The re-check also tells a pool from the supplier database or a written
// recommendation that was too small for its draw (a record written around
// SetInvitations, or before the rule).
func TestVerifyInvitationDrawPoolSize(t *testing.T) {
	for _, c := range []struct {
		source       string
		members, cnt int
		ok           bool
	}{{SourceLibrary, 6, 3, true}, {SourceLibrary, 5, 3, false}, {SourceRecommend, 5, 3, false}, {SourcePrequal, 3, 3, true}, {"", 3, 3, true}} {
		d, inv := drawRecordFrom(t, c.source, c.members, c.cnt, []string{"7"})
		v := VerifyInvitationDraw(d, inv)
		if v.OK != c.ok {
			t.Errorf("%s pool of %d for %d: verified %v, want %v: %+v", c.source, c.members, c.cnt, v.OK, c.ok, v.Checks)
		}
	}
}

func TestVerifyInvitationDraw(t *testing.T) {
	d, inv := drawRecord(t, 7, 3, []string{"12 34", "5"})
	if v := VerifyInvitationDraw(d, inv); !v.OK {
		t.Fatalf("an honest draw fails: %+v", v.Checks)
	}
	for name, tamper := range map[string]func(d *InvitationDraw, inv []Invitee){
		"pool edited": func(d *InvitationDraw, _ []Invitee) {
			d.PoolDoc = strings.Replace(d.PoolDoc, "供应商1", "供应商X", 1)
		},
		"secret swapped":  func(d *InvitationDraw, _ []Invitee) { d.Secret = "S00" },
		"witness changed": func(d *InvitationDraw, _ []Invitee) { d.Sources = []string{"12 35", "5"} },
		"result edited":   func(d *InvitationDraw, _ []Invitee) { d.Result[0], d.Result[1] = d.Result[1], d.Result[0] },
		"invitee swapped": func(_ *InvitationDraw, inv []Invitee) { inv[2].OrgID = 999 },
	} {
		t.Run(name, func(t *testing.T) {
			d, inv := drawRecord(t, 7, 3, []string{"12 34", "5"})
			tamper(d, inv)
			if v := VerifyInvitationDraw(d, inv); v.OK {
				t.Errorf("tampering not found: %+v", v.Checks)
			}
		})
	}
}

// invitedEnv is a trading service on the package's database with helpers
// that write projects and organisations directly.
type invitedEnv struct {
	t  testing.TB
	db *sqlx.DB
	s  *Service
}

func newInvitedEnv(t testing.TB) *invitedEnv {
	t.Helper()
	x := dbtest.DB(t)
	return &invitedEnv{t: t, db: x, s: &Service{DB: x, Clock: clock.NewFake(fpStart)}}
}

func (e *invitedEnv) exec(q string, args ...any) int64 {
	e.t.Helper()
	res, err := e.db.Exec(q, args...)
	if err != nil {
		e.t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}

func (e *invitedEnv) org() int64 {
	n := fpOrgSeq.Add(1) + time.Now().UnixNano()%1_000_000_000*100
	return e.exec(`INSERT INTO organisations (name, uscc, kind, status, created_at) VALUES (?, ?, 'bidder', 'active', ?)`,
		fmt.Sprintf("受邀测试供应商%d", n), fmt.Sprintf("92%016d", n), fpStart)
}

func (e *invitedEnv) project(method, status string, invitees ...int64) int64 {
	id := e.exec(`INSERT INTO trading_projects (kind, method, title, agency_org_id, locality, status, details, eligibility, created_at, updated_at)
		VALUES ('procurement', ?, '邀请招标缓存测试', 1, 'default', ?, '{}', '[]', ?, ?)`, method, status, fpStart, fpStart)
	for i, o := range invitees {
		e.exec(`INSERT INTO trading_invitees (project_id, org_id, position) VALUES (?, ?, ?)`, id, o, i+1)
	}
	return id
}

func TestCheckInvited(t *testing.T) {
	e := newInvitedEnv(t)
	ctx := context.Background()
	a, b, c, outsider := e.org(), e.org(), e.org(), e.org()
	invited := e.project(MethodInvited, StatusPublished, a, b, c)
	open := e.project("open", StatusPublished)
	draft := e.project(MethodInvited, StatusAccepted, a, b, c)

	for _, org := range []int64{a, b, c} {
		if err := e.s.checkInvited(ctx, invited, org); err != nil {
			t.Errorf("invitee %d refused: %v", org, err)
		}
	}
	err := e.s.checkInvited(ctx, invited, outsider)
	if p, ok := problem.As(err); !ok || p.Code != "not_invited" || p.Kind != problem.Forbidden || !strings.Contains(p.Message, "邀请") {
		t.Errorf("outsider: %v", err)
	}
	if err := e.s.checkInvited(ctx, open, outsider); err != nil {
		t.Errorf("open project: %v", err)
	}
	if err := e.s.checkInvited(ctx, draft, outsider); !problem.Is(err, "not_invited") {
		t.Errorf("unpublished invited project: %v", err)
	}

	// Published answers are kept: changing the rows underneath (which the
	// service never does after publication) changes no answer, so they
	// cost no query. An unpublished project is read again.
	e.exec(`DELETE FROM trading_invitees WHERE project_id IN (?, ?)`, invited, draft)
	e.exec(`UPDATE trading_projects SET method = ? WHERE id = ?`, MethodInvited, open)
	if err := e.s.checkInvited(ctx, invited, a); err != nil {
		t.Errorf("cached invitee: %v", err)
	}
	if err := e.s.checkInvited(ctx, invited, outsider); !problem.Is(err, "not_invited") {
		t.Errorf("cached outsider: %v", err)
	}
	if err := e.s.checkInvited(ctx, open, outsider); err != nil {
		t.Errorf("cached open project: %v", err)
	}
	if err := e.s.checkInvited(ctx, draft, a); !problem.Is(err, "not_invited") {
		t.Errorf("unpublished project cached: %v", err)
	}
	if err := e.s.checkInvited(ctx, 1<<50, a); !problem.Is(err, "project_not_found") {
		t.Errorf("unknown project: %v", err)
	}
}

// BenchmarkCheckInvited is the sign-up path's cost of the check once a
// project's answer is cached.
func BenchmarkCheckInvited(b *testing.B) {
	e := newInvitedEnv(b)
	ctx := context.Background()
	orgs := []int64{e.org(), e.org(), e.org()}
	invited := e.project(MethodInvited, StatusPublished, orgs...)
	open := e.project("open", StatusPublished)
	for _, p := range []struct {
		name string
		id   int64
	}{{"invited", invited}, {"open", open}} {
		b.Run(p.name, func(b *testing.B) {
			if err := e.s.checkInvited(ctx, p.id, orgs[0]); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := e.s.checkInvited(ctx, p.id, orgs[1]); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
