package expertpool

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
)

// buildPoolReference is the first, row-by-row implementation of buildPool,
// kept verbatim as the oracle of TestBuildPoolMatchesReference: the faster
// buildPool must write the same document, byte for byte.
func buildPoolReference(ctx context.Context, q sqlx.QueryerContext, req *DrawRequest, specs Specialties, st Settings, now time.Time) (*Document, error) {
	sessDay := clock.Shanghai
	sd := req.SessionStart.In(sessDay)
	day := time.Date(sd.Year(), sd.Month(), sd.Day(), 0, 0, 0, 0, time.UTC)
	ageCut := day.AddDate(-(st.AgeLimit + 1), 0, 0) // born on or before: older than the limit
	empCut := day.AddDate(-st.EmploymentYears, 0, 0)

	// Candidates: active experts holding a covered specialty, within the
	// region rule, read in one range scan of expert_specialty_links.
	codeGroups := map[string][]int{}
	var codes []any
	for i, qt := range req.Quotas {
		for _, c := range specs.Covered(qt.Specialty) {
			if len(codeGroups[c]) == 0 {
				codes = append(codes, c)
			}
			codeGroups[c] = append(codeGroups[c], i)
		}
	}
	query := `SELECT expert_id, specialty_code, birth_date <= ?, senior_title, years_in_field, COALESCE(employer_org_id, 0)
		FROM expert_specialty_links WHERE specialty_code IN (?) AND status = 'active'`
	args := []any{ageCut, codes}
	switch req.RegionRule {
	case RegionLocal:
		query += ` AND region = ?`
		args = append(args, req.Region)
	case RegionOutside:
		query += ` AND region <> ?`
		args = append(args, req.Region)
	}
	query, args, err := sqlx.In(query, args...)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read candidates: %w", err)
	}
	type cand struct {
		reasons []string
	}
	groupsOf := make([][]int64, len(req.Quotas))
	cands := map[int64]*cand{}
	tender, agency, superv := req.TendererOrgID, req.AgencyOrgID, req.SupervisingOrgID
	avoid := map[int64]bool{}
	for _, id := range req.AvoidOrgIDs {
		avoid[id] = true
	}
	// Tens of thousands of rows: scan raw bytes and parse them in place.
	var rawID, rawCode, rawOld, rawSenior, rawYears, rawEmp sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&rawID, &rawCode, &rawOld, &rawSenior, &rawYears, &rawEmp); err != nil {
			rows.Close()
			return nil, err
		}
		id, emp := atoi(rawID), atoi(rawEmp)
		old, senior, years := atoi(rawOld) != 0, atoi(rawSenior) != 0, int(atoi(rawYears))
		code := string(rawCode)
		for _, g := range codeGroups[code] {
			groupsOf[g] = append(groupsOf[g], id)
		}
		if _, seen := cands[id]; seen {
			continue
		}
		c := &cand{}
		if st.RequireSenior && !senior {
			c.reasons = append(c.reasons, "not_senior")
		}
		if years < st.MinYears {
			c.reasons = append(c.reasons, "years_short")
		}
		if old {
			c.reasons = append(c.reasons, "over_age")
		}
		switch {
		case emp == 0:
		case emp == tender:
			c.reasons = append(c.reasons, "employer_tenderer:"+strconv.FormatInt(emp, 10))
		case emp == agency:
			c.reasons = append(c.reasons, "employer_agency:"+strconv.FormatInt(emp, 10))
		case emp == superv:
			c.reasons = append(c.reasons, "supervising_staff:"+strconv.FormatInt(emp, 10))
		case avoid[emp]:
			c.reasons = append(c.reasons, "employer_avoided:"+strconv.FormatInt(emp, 10))
		}
		cands[id] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read candidates: %w", err)
	}
	rows.Close()

	// Each further rule is one query over the few rows it concerns, kept
	// only for candidates.
	mark := func(reason, query string, args ...any) error {
		query, args, err := sqlx.In(query, args...)
		if err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("avoidance %s: %w", reason, err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, org int64
			if err := rows.Scan(&id, &org); err != nil {
				return err
			}
			if c, ok := cands[id]; ok {
				r := reason
				if org != 0 {
					r += ":" + strconv.FormatInt(org, 10)
				}
				if !slices.Contains(c.reasons, r) {
					c.reasons = append(c.reasons, r)
				}
			}
		}
		return rows.Err()
	}
	related := []any{tender}
	if agency != 0 {
		related = append(related, agency)
	}
	for _, id := range req.AvoidOrgIDs {
		related = append(related, id)
	}
	if err := mark("employed_recently", `SELECT expert_id, org_id FROM expert_employments WHERE org_id IN (?) AND (ended_on IS NULL OR ended_on >= ?)`,
		related, empCut); err != nil {
		return nil, err
	}
	if err := mark("declared_relative", `SELECT expert_id, org_id FROM expert_declarations WHERE kind = 'relative' AND org_id IN (?)`, related); err != nil {
		return nil, err
	}
	if err := mark("declared_interest", `SELECT expert_id, org_id FROM expert_declarations WHERE kind = 'interest' AND org_id IN (?)`, related); err != nil {
		return nil, err
	}
	if err := mark("penalised", `SELECT DISTINCT expert_id, 0 FROM expert_penalties WHERE decided_on <= ? AND (until_on IS NULL OR until_on >= ?)`, day, day); err != nil {
		return nil, err
	}
	if err := mark("on_leave", `SELECT DISTINCT expert_id, 0 FROM expert_leaves WHERE ends_at > ? AND starts_at < ?`, req.SessionStart.UTC(), req.SessionEnd.UTC()); err != nil {
		return nil, err
	}
	if err := mark("booked", `SELECT DISTINCT m.expert_id, 0 FROM expert_draws d JOIN expert_draw_members m ON m.draw_id = d.id
		WHERE d.session_starts_at < ? AND d.session_ends_at > ? AND d.status IN ('drawn', 'published') AND m.state IN ('notified', 'confirmed')
		AND d.lot_id <> ?`, req.SessionEnd.UTC(), req.SessionStart.UTC(), req.LotID); err != nil {
		return nil, err
	}
	if st.FreqLimit > 0 && st.FreqDays > 0 {
		if err := mark("too_frequent", `SELECT m.expert_id, 0 FROM expert_draws d JOIN expert_draw_members m ON m.draw_id = d.id
			WHERE d.tenderer_org_id = ? AND d.drawn_at >= ? AND m.state IN ('notified', 'confirmed') AND d.lot_id <> ?
			GROUP BY m.expert_id HAVING COUNT(*) >= ?`, tender, now.AddDate(0, 0, -st.FreqDays), req.LotID, st.FreqLimit); err != nil {
			return nil, err
		}
	}
	if err := mark("already_drawn", `SELECT DISTINCT m.expert_id, 0 FROM expert_draws d JOIN expert_draw_members m ON m.draw_id = d.id WHERE d.lot_id = ?`, req.LotID); err != nil {
		return nil, err
	}

	doc := &Document{Header: drawHeader(req, st)}
	for i, qt := range req.Quotas {
		ids := groupsOf[i]
		slices.Sort(ids)
		ids = slices.Compact(ids)
		pool := ids[:0]
		for _, id := range ids {
			if len(cands[id].reasons) == 0 {
				pool = append(pool, id)
			}
		}
		doc.Groups = append(doc.Groups, PoolGroup{No: i + 1, Specialty: qt.Specialty, Primaries: qt.Count, Backups: qt.Backups, Pool: pool})
	}
	for id, c := range cands {
		if len(c.reasons) > 0 {
			doc.Exclusions = append(doc.Exclusions, Exclusion{ExpertID: id, Reasons: c.reasons})
		}
	}
	slices.SortFunc(doc.Exclusions, func(a, b Exclusion) int { return int(a.ExpertID - b.ExpertID) })
	return doc, nil
}

// TestBuildPoolMatchesReference builds pools over experts who fall under
// every rule, alone and in combination, and checks that buildPool writes
// the same document as buildPoolReference.
func TestBuildPoolMatchesReference(t *testing.T) {
	f := newFixture(t)
	reg := newRegion()
	tenderer, agency, superv, bidder, bidder2, other := f.org("招标人"), f.org("代理"), f.org("监督部门"), f.org("投标人"), f.org("投标人"), f.org("其他")
	sess := f.clock.Now().Add(24 * time.Hour)
	employers := []int64{0, 0, 0, tenderer, agency, superv, bidder, bidder2, other}
	specSets := [][]string{{"GC01"}, {"GC05"}, {"GC02"}, {"GC01", "GC05"}, {"GC01", "GC02"}, {"GC05", "GC02", "GC01"}}
	r := rand.New(rand.NewPCG(7, 11))
	for i := 0; i < 120; i++ {
		id := f.expert(func(in *ExpertInput) {
			in.EmployerOrgID = employers[r.IntN(len(employers))]
			if r.IntN(6) == 0 {
				in.TitleLevel = "中级"
			}
			in.YearsInField = 4 + r.IntN(12)
			if r.IntN(8) == 0 {
				in.IDNumber = DemoIDNumber("110105", "19500101", int(seq.Add(1)%1000))
			}
			switch r.IntN(8) {
			case 0:
				in.Employments = []EmploymentInput{{OrgID: tenderer, OrgName: "x", StartedOn: "2020-01-01", EndedOn: "2024-06-30"}}
			case 1:
				in.Employments = []EmploymentInput{{OrgID: bidder, OrgName: "x", StartedOn: "2010-01-01", EndedOn: "2022-06-30"},
					{OrgID: bidder2, OrgName: "y", StartedOn: "2022-07-01", EndedOn: "2025-06-30"}, {OrgID: agency, OrgName: "z", StartedOn: "2025-07-01", EndedOn: "2025-12-31"}}
			}
		}, reg, specSets[r.IntN(len(specSets))]...)
		switch r.IntN(10) {
		case 0:
			if _, err := f.svc.AddPenalty(f.ctx, id, PenaltyInput{DecidedOn: "2025-01-01", Reason: "违规"}); err != nil {
				t.Fatal(err)
			}
		case 1:
			if _, err := f.svc.AddLeave(f.ctx, id, LeaveInput{Start: sess.Add(-time.Hour).In(clock.Shanghai).Format("2006-01-02 15:04"),
				End: sess.Add(2 * time.Hour).In(clock.Shanghai).Format("2006-01-02 15:04"), Reason: "出差"}); err != nil {
				t.Fatal(err)
			}
		case 2:
			// bidder2 twice (two relatives there): the pool merges the marks.
			for j, org := range []int64{bidder2, tenderer, bidder2} {
				if _, err := f.svc.AddDeclaration(f.ctx, id, DeclarationInput{Kind: DeclRelative, OrgID: org, Detail: []string{"配偶任职", "子女任职", "兄弟任职"}[j]}); err != nil {
					t.Fatal(err)
				}
			}
		case 3:
			if _, err := f.svc.AddDeclaration(f.ctx, id, DeclarationInput{Kind: DeclInterest, OrgID: bidder, Detail: "持股"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A drawn lot with an overlapping session: its members are booked for
	// other lots, already drawn for this one, and drawn once for the tenderer.
	first := f.request(reg, 7101, tenderer, Quota{Specialty: "GC01", Count: 3, Backups: 2}, Quota{Specialty: "GC02", Count: 2, Backups: 1})
	first.SessionStart, first.SessionEnd = sess, sess.Add(6*time.Hour)
	prep, err := f.svc.Prepare(f.ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Run(f.ctx, prep.DrawID, []string{"12 34", "5"}); err != nil {
		t.Fatal(err)
	}
	specs, err := loadSpecialties(f.ctx, f.svc.DB)
	if err != nil {
		t.Fatal(err)
	}
	// Two experts to change once the rosters are cached.
	var changed [2]int64
	var inputs [2]ExpertInput
	for i := range changed {
		inputs[i] = f.input(reg, "GC01", "GC05")
		inputs[i].IDNumber = uniqueID()
		if changed[i], err = f.svc.CreateExpert(f.ctx, inputs[i]); err != nil {
			t.Fatal(err)
		}
		inputs[i].IDNumber = "" // keep
	}
	compareAll(t, f, reg, specs, sess, tenderer, agency, superv, bidder, bidder2)
	version, err := registryVersion(f.ctx, f.svc.DB)
	if err != nil {
		t.Fatal(err)
	}
	if r := f.svc.rosters.byCode["GC01"]; r == nil || r.version != version {
		t.Fatalf("roster of GC01 not cached at version %d: %+v", version, r)
	}

	// Registry writes: the rosters must be read again.
	inputs[0].Status = StatusSuspended
	inputs[1].EmployerOrgID = tenderer
	for i := range changed {
		if err := f.svc.UpdateExpert(f.ctx, changed[i], inputs[i]); err != nil {
			t.Fatal(err)
		}
	}
	f.expert(nil, reg, "GC01")
	f.expert(func(in *ExpertInput) { in.TitleLevel = "中级" }, reg, "GC05", "GC02")
	if v, _ := registryVersion(f.ctx, f.svc.DB); v < version+4 {
		t.Fatalf("registry version %d after four writes from %d", v, version)
	}
	compareAll(t, f, reg, specs, sess, tenderer, agency, superv, bidder, bidder2)

	// Candidate ids too large for the bitmap.
	saved := bitmapMaxID
	bitmapMaxID = 0
	t.Cleanup(func() { bitmapMaxID = saved })
	compareAll(t, f, reg, specs, sess, tenderer, agency, superv, bidder, bidder2)
}

func compareAll(t *testing.T, f *fixture, reg string, specs Specialties, sess time.Time, tenderer, agency, superv, bidder, bidder2 int64) {
	t.Helper()
	lenient := DefaultSettings
	lenient.RequireSenior, lenient.FreqLimit = false, 1
	for _, c := range []struct {
		name  string
		lot   int64
		rule  string
		st    Settings
		quota []Quota
	}{
		{"same lot", 7101, RegionLocal, DefaultSettings, []Quota{{Specialty: "GC01", Count: 3, Backups: 2}, {Specialty: "GC05", Count: 2}}},
		{"other lot", 7102, RegionLocal, DefaultSettings, []Quota{{Specialty: "GC05", Count: 3}, {Specialty: "GC01", Count: 2, Backups: 1}}},
		{"parent and child", 7103, RegionLocal, lenient, []Quota{{Specialty: "GC", Count: 3}, {Specialty: "GC01", Count: 2}}},
		{"outside", 7104, RegionOutside, DefaultSettings, []Quota{{Specialty: "GC02", Count: 5}}},
		{"any", 7101, RegionAny, lenient, []Quota{{Specialty: "GC01", Count: 5}, {Specialty: "GC02", Count: 1}}},
	} {
		req := f.request(reg, c.lot, tenderer, c.quota...)
		req.RegionRule = c.rule
		req.AgencyOrgID, req.SupervisingOrgID, req.AvoidOrgIDs = agency, superv, []int64{bidder2, bidder}
		req.SessionStart, req.SessionEnd = sess.Add(time.Hour), sess.Add(3*time.Hour)
		if c.rule == RegionOutside {
			req.Region = "110105"
		}
		now := f.clock.Now()
		want, err := buildPoolReference(f.ctx, f.svc.DB, &req, specs, c.st, now)
		if err != nil {
			t.Fatal(err)
		}
		canonicalReasons(want)
		got, err := buildPool(f.ctx, f.svc.DB, &f.svc.rosters, &f.svc.bookings, &req, specs, c.st, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Exclusions) == 0 || len(want.Groups[0].Pool) == 0 {
			t.Fatalf("%s: the case excludes nobody or everybody", c.name)
		}
		if wb, gb := want.Bytes(), got.Bytes(); !bytes.Equal(wb, gb) {
			t.Errorf("%s: documents differ\n--- reference\n%s\n--- buildPool\n%s", c.name, wb, gb)
		}
		if gb, rb := got.Bytes(), documentBytesReference(got); !bytes.Equal(gb, rb) {
			t.Errorf("%s: Bytes differs from the reference rendering", c.name)
		}
		if ws, gs := Shortfalls(want.Groups), Shortfalls(got.Groups); !slices.Equal(ws, gs) {
			t.Errorf("%s: shortfalls %v, want %v", c.name, gs, ws)
		}
		reasons := map[string]bool{}
		for _, x := range got.Exclusions {
			for _, r := range x.Reasons {
				base, _, _ := strings.Cut(r, ":")
				reasons[base] = true
			}
		}
		t.Logf("%s: pools %d, %d exclusions, reasons %v", c.name, len(got.Groups[0].Pool), len(got.Exclusions), reasons)
	}
}

// canonicalReasons puts the reasons of one rule that name several
// organisations in ascending organisation order, as buildPool writes them
// (the reference wrote them in whatever order the query plan returned).
func canonicalReasons(d *Document) {
	rank := map[string]int{}
	for i, n := range markNames {
		if n != "" {
			rank[n] = i
		}
	}
	for _, x := range d.Exclusions {
		slices.SortStableFunc(x.Reasons, func(a, b string) int {
			ab, ao, _ := strings.Cut(a, ":")
			bb, bo, _ := strings.Cut(b, ":")
			if rank[ab] == 0 || rank[bb] == 0 || rank[ab] != rank[bb] {
				return rank[ab] - rank[bb]
			}
			an, _ := strconv.ParseInt(ao, 10, 64)
			bn, _ := strconv.ParseInt(bo, 10, 64)
			return int(an - bn)
		})
	}
}

// TestShortfallsSortedMatchesMap checks the merging Shortfalls (ascending
// pools) against the hashing one (any order).
func TestShortfallsSortedMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for n := 0; n < 300; n++ {
		var sorted, shuffled []PoolGroup
		for g := 0; g < 1+r.IntN(4); g++ {
			var pool []int64
			for id := int64(1); id < 40; id++ {
				if r.IntN(3) == 0 {
					pool = append(pool, id)
				}
			}
			mixed := slices.Clone(pool)
			r.Shuffle(len(mixed), func(i, j int) { mixed[i], mixed[j] = mixed[j], mixed[i] })
			if len(mixed) > 1 && slices.IsSorted(mixed) {
				mixed[0], mixed[1] = mixed[1], mixed[0]
			}
			q := PoolGroup{No: g + 1, Specialty: fmt.Sprint("S", g), Primaries: 1 + r.IntN(8), Backups: r.IntN(4)}
			q.Pool = pool
			sorted = append(sorted, q)
			q.Pool = mixed
			shuffled = append(shuffled, q)
		}
		if got, want := Shortfalls(sorted), Shortfalls(shuffled); !slices.Equal(got, want) {
			t.Fatalf("case %d: sorted %v, map %v", n, got, want)
		}
	}
}

// documentBytesReference is the first rendering of Document.Bytes, kept as
// the oracle of the faster one.
func documentBytesReference(d *Document) []byte {
	var b bytes.Buffer
	b.WriteString(docMagic + "\n")
	for _, h := range d.Header {
		b.WriteString(h)
		b.WriteByte('\n')
	}
	b.WriteString("commitment " + d.Commitment + "\n")
	var num []byte
	for _, g := range d.Groups {
		fmt.Fprintf(&b, "group %d %s primaries %d backups %d size %d\n", g.No, g.Specialty, g.Primaries, g.Backups, len(g.Pool))
		b.WriteString("pool")
		for _, id := range g.Pool {
			b.WriteByte(' ')
			num = strconv.AppendInt(num[:0], id, 10)
			b.Write(num)
		}
		b.WriteByte('\n')
	}
	for _, x := range d.Exclusions {
		b.WriteString("exclude ")
		num = strconv.AppendInt(num[:0], x.ExpertID, 10)
		b.Write(num)
		b.WriteByte(' ')
		b.WriteString(strings.Join(x.Reasons, ","))
		b.WriteByte('\n')
	}
	b.WriteString("end\n")
	return b.Bytes()
}
