package expertpool

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
)

// Building a pool is the hot path of a draw (docs/PERFORMANCE.md): with a
// 100,000-expert registry two specialties mean ~20,000 candidate rows, and
// reading them costs the database more than everything else a draw does.
// So the candidates of each specialty code (the active experts holding it,
// with the eligibility columns of expert_specialty_links) are kept in
// memory as a roster, tagged with the registry version they were read at:
// every transaction that writes expert_specialty_links increments
// expert_registry_version (bumpRegistry), and a roster is used only by a
// transaction that reads the same version — the same committed registry.
// A draw therefore asks the database, in one UNION ALL statement, only for
// the registry version and the rules of other tables (over the few rows
// they concern, from covering indexes: migrations 0202 and 0203; the booked
// members of other draws come from a cache checked the same way, by each
// draw's bookings_version: bookings.go), and applies the column rules in Go
// over the compact rosters. The first draw after a registry write reads the
// rosters of its codes again (~20 ms for 20,000 rows).
// TestBuildPoolMatchesReference checks the document against the first,
// row-by-row implementation, byte for byte, before and after registry
// writes.

// Column-rule bits.
const (
	badSenior   = 1 // not_senior
	badYears    = 2 // years_short
	badAge      = 4 // over_age
	badEmployer = 8 // employer_tenderer / employer_agency / supervising_staff / employer_avoided
)

const selectRegistryVersion = `SELECT version FROM expert_registry_version WHERE id = 1`

// bumpRegistry marks a change of expert_specialty_links; call it in the
// transaction that writes them. The row lock it takes is held to the
// commit, so the versions count the committed writes in order.
func bumpRegistry(ctx context.Context, x sqlx.ExecerContext) error {
	if _, err := x.ExecContext(ctx, `UPDATE expert_registry_version SET version = version + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("bump expert registry version: %w", err)
	}
	return nil
}

func registryVersion(ctx context.Context, q sqlx.QueryerContext) (int64, error) {
	var v int64
	err := sqlx.GetContext(ctx, q, &v, selectRegistryVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return -1, nil // no version row: nothing is cached
	}
	if err != nil {
		return 0, fmt.Errorf("read expert registry version: %w", err)
	}
	return v, nil
}

// rosterEntry is one active expert holding a specialty code.
type rosterEntry struct {
	id     int64
	emp    int64  // employer organisation, 0 if none
	region string // interned
	birth  int32  // yyyymmdd
	years  int32
	senior bool
}

// roster is the candidates of one code, ascending by id, as of a version.
type roster struct {
	version int64
	entries []rosterEntry
}

// rosterCache keeps the rosters of a Service; the zero value is ready.
type rosterCache struct {
	mu     sync.Mutex
	byCode map[string]*roster
}

// selectRoster reads the rosters of some codes in one range scan of the
// primary key of expert_specialty_links.
const selectRoster = `SELECT specialty_code, expert_id, region, birth_date, senior_title, years_in_field, COALESCE(employer_org_id, 0)
  FROM expert_specialty_links WHERE specialty_code IN (?) AND status = 'active' ORDER BY specialty_code, expert_id`

// rosters returns the roster of each code as of version, the registry
// version the transaction q reads, from the cache when it holds that
// version. A nil cache reads every roster.
func (rc *rosterCache) rosters(ctx context.Context, q sqlx.QueryerContext, version int64, codes []string) (map[string]*roster, error) {
	if rc == nil {
		rc = &rosterCache{}
	}
	out := make(map[string]*roster, len(codes))
	var missing []string
	rc.mu.Lock()
	for _, c := range codes {
		if r := rc.byCode[c]; r != nil && version >= 0 && r.version == version {
			out[c] = r
		} else {
			missing = append(missing, c)
		}
	}
	rc.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In(selectRoster, missing)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read candidates: %w", err)
	}
	defer rows.Close()
	loaded := make(map[string]*roster, len(missing))
	for _, c := range missing {
		loaded[c] = &roster{version: version}
	}
	regions := map[string]string{}
	var cur *roster
	curCode := ""
	var rawCode, rawID, rawRegion, rawBirth, rawSenior, rawYears, rawEmp sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&rawCode, &rawID, &rawRegion, &rawBirth, &rawSenior, &rawYears, &rawEmp); err != nil {
			return nil, err
		}
		if string(rawCode) != curCode {
			curCode = string(rawCode)
			if cur = loaded[curCode]; cur == nil {
				return nil, fmt.Errorf("read candidates: unexpected specialty %q", rawCode)
			}
		}
		region, ok := regions[string(rawRegion)]
		if !ok {
			region = string(rawRegion)
			regions[region] = region
		}
		birth, ok := yyyymmdd(rawBirth)
		if !ok {
			return nil, fmt.Errorf("read candidates: expert %s: birth date %q", rawID, rawBirth)
		}
		cur.entries = append(cur.entries, rosterEntry{id: atoi(rawID), emp: atoi(rawEmp), region: region, birth: birth,
			years: int32(atoi(rawYears)), senior: atoi(rawSenior) != 0})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read candidates: %w", err)
	}
	for _, r := range loaded {
		if !slices.IsSortedFunc(r.entries, func(a, b rosterEntry) int { return cmp.Compare(a.id, b.id) }) {
			slices.SortFunc(r.entries, func(a, b rosterEntry) int { return cmp.Compare(a.id, b.id) })
		}
	}
	// Keep them only if no registry write committed while they were read
	// (under READ COMMITTED each statement sees the latest commits).
	after, err := registryVersion(ctx, q)
	if err != nil {
		return nil, err
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.byCode == nil {
		rc.byCode = map[string]*roster{}
	}
	for c, r := range loaded {
		out[c] = r
		if version >= 0 && after == version {
			if old := rc.byCode[c]; old == nil || old.version <= version {
				rc.byCode[c] = r
			}
		}
	}
	return out, nil
}

// yyyymmdd reads a DATE column ("1965-04-12").
func yyyymmdd(b []byte) (int32, bool) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return 0, false
	}
	return int32(atoi(b[:4])*10000 + atoi(b[5:7])*100 + atoi(b[8:10])), true
}

// Rules that need other tables, in the order their reasons are written
// after the column rules.
const (
	markEmployedRecently = iota + 1
	markDeclaredRelative
	markDeclaredInterest
	markPenalised
	markOnLeave
	markBooked
	markTooFrequent
	markAlreadyDrawn
)

var markNames = [...]string{
	markEmployedRecently: "employed_recently",
	markDeclaredRelative: "declared_relative",
	markDeclaredInterest: "declared_interest",
	markPenalised:        "penalised",
	markOnLeave:          "on_leave",
	markBooked:           "booked",
	markTooFrequent:      "too_frequent",
	markAlreadyDrawn:     "already_drawn",
}

// The parts of markQuery: each returns (rule, expert, organisation or 0).
// Rows for experts who are not candidates are dropped in Go; repeats are
// merged. The queries are those of the row-by-row implementation, less
// their DISTINCT, except booked and too_frequent: they return (rule, draw,
// bookings_version) for each draw concerned, and the draws' booked members
// come from the booking cache (bookings.go).
const (
	markEmployed = `SELECT 1, expert_id, org_id FROM expert_employments WHERE org_id IN (?) AND (ended_on IS NULL OR ended_on >= ?)`
	markRelative = `SELECT 2, expert_id, org_id FROM expert_declarations WHERE kind = 'relative' AND org_id IN (?)`
	markInterest = `SELECT 3, expert_id, org_id FROM expert_declarations WHERE kind = 'interest' AND org_id IN (?)`
	markPenalty  = `SELECT 4, expert_id, 0 FROM expert_penalties WHERE decided_on <= ? AND (until_on IS NULL OR until_on >= ?)`
	markLeave    = `SELECT 5, expert_id, 0 FROM expert_leaves WHERE ends_at > ? AND starts_at < ?`
	markBooking  = `SELECT 6, id, bookings_version FROM expert_draws
  WHERE session_starts_at < ? AND session_ends_at > ? AND status IN ('drawn', 'published') AND lot_id <> ?`
	markFrequent = `SELECT 7, id, bookings_version FROM expert_draws WHERE tenderer_org_id = ? AND drawn_at >= ? AND lot_id <> ?`
	markDrawn    = `SELECT 8, m.expert_id, 0 FROM expert_draws d JOIN expert_draw_members m ON m.draw_id = d.id WHERE d.lot_id = ?`
)

// markQuery is the UNION ALL of the registry version (rule 0) and the
// rules of other tables (rules 1–8), each part returning (rule, expert,
// organisation or 0), or for booked and too_frequent (rule, draw, its
// bookings_version).
func markQuery(req *DrawRequest, st Settings, day, empCut, now time.Time) (string, []any, error) {
	var mq strings.Builder
	var margs []any
	part := func(sql string, a ...any) {
		if mq.Len() > 0 {
			mq.WriteString("\nUNION ALL ")
		}
		mq.WriteString(sql)
		margs = append(margs, a...)
	}
	related := []any{req.TendererOrgID}
	if req.AgencyOrgID != 0 {
		related = append(related, req.AgencyOrgID)
	}
	for _, id := range req.AvoidOrgIDs {
		related = append(related, id)
	}
	part(`SELECT 0, version, 0 FROM expert_registry_version WHERE id = 1`)
	part(markEmployed, related, empCut)
	part(markRelative, related)
	part(markInterest, related)
	part(markPenalty, day, day)
	part(markLeave, req.SessionStart.UTC(), req.SessionEnd.UTC())
	part(markBooking, req.SessionEnd.UTC(), req.SessionStart.UTC(), req.LotID)
	if st.FreqLimit > 0 && st.FreqDays > 0 {
		part(markFrequent, req.TendererOrgID, now.AddDate(0, 0, -st.FreqDays), req.LotID)
	}
	part(markDrawn, req.LotID)
	return sqlx.In(mq.String(), margs...)
}

// bitmapMaxID bounds the candidate bitmap of buildPool (2 MB); a variable
// so that a test can take the other path.
var bitmapMaxID int64 = 1 << 24

// colExcl is a candidate failing a column rule.
type colExcl struct {
	id  int64
	bad int64
	emp int64
}

// mark is a candidate caught by a rule of another table.
type mark struct {
	id   int64
	rule int64
	org  int64
}

// scratch holds the working slices of buildPool between draws: with a large
// registry they hold tens of thousands of entries, which would otherwise be
// allocated, and collected, for every draw. Nothing of them ends up in the
// document.
type scratch struct {
	marks        []mark
	excl, merged []colExcl
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// buildPool applies the eligibility and avoidance rules and returns the
// pool document (without the commitment).
func buildPool(ctx context.Context, q sqlx.QueryerContext, rc *rosterCache, bc *bookingCache, req *DrawRequest, specs Specialties, st Settings,
	now time.Time) (*Document, error) {
	sd := req.SessionStart.In(clock.Shanghai)
	day := time.Date(sd.Year(), sd.Month(), sd.Day(), 0, 0, 0, 0, time.UTC)
	ageCut := day.AddDate(-(st.AgeLimit + 1), 0, 0) // born on or before: older than the limit
	empCut := day.AddDate(-st.EmploymentYears, 0, 0)

	groupCodes := make([][]string, len(req.Quotas))
	var codes []string
	for i, qt := range req.Quotas {
		groupCodes[i] = specs.Covered(qt.Specialty)
		for _, c := range groupCodes[i] {
			if !slices.Contains(codes, c) {
				codes = append(codes, c)
			}
		}
	}
	tender, agency, superv := req.TendererOrgID, req.AgencyOrgID, req.SupervisingOrgID
	staffOf := []int64{tender} // organisations whose staff are excluded
	if agency != 0 {
		staffOf = append(staffOf, agency)
	}
	if superv != 0 {
		staffOf = append(staffOf, superv)
	}
	staffOf = append(staffOf, req.AvoidOrgIDs...)

	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	marks, excl := sc.marks[:0], sc.excl[:0]
	defer func() { sc.marks, sc.excl = marks[:0], excl[:0] }()

	// 1. The rules of other tables, in one statement with the registry
	// version (rule 0). Rows of experts who are not candidates are dropped
	// once the candidates are known.
	query, args, err := markQuery(req, st, day, empCut, now)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("avoidance rules: %w", err)
	}
	version := int64(-1) // no version row: nothing is cached
	var booked, frequent []drawRef
	var rawRule, rawID, rawOrg sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&rawRule, &rawID, &rawOrg); err != nil {
			rows.Close()
			return nil, err
		}
		switch m := (mark{id: atoi(rawID), rule: atoi(rawRule), org: atoi(rawOrg)}); m.rule {
		case 0:
			version = m.id
		case markBooked:
			booked = append(booked, drawRef{id: m.id, version: m.org})
		case markTooFrequent:
			frequent = append(frequent, drawRef{id: m.id, version: m.org})
		default:
			marks = append(marks, m)
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, fmt.Errorf("avoidance rules: %w", err)
	}
	rows.Close()
	if bc == nil {
		bc = &bookingCache{}
	}
	if marks, err = bc.bookingMarks(ctx, q, booked, frequent, st.FreqLimit, marks); err != nil {
		return nil, err
	}

	// 2. Candidates and the column rules.
	rs, err := rc.rosters(ctx, q, version, codes)
	if err != nil {
		return nil, err
	}
	staff := make(map[int64]bool, len(staffOf))
	for _, id := range staffOf {
		staff[id] = true
	}
	cut := int32(ageCut.Year()*10000 + int(ageCut.Month())*100 + ageCut.Day())
	clean := make(map[string][]int64, len(codes)) // passing the column rules, ascending
	// Codes in ascending order, so that an expert holding two of them is
	// judged by the first, as a scan of the primary key would.
	for _, c := range slices.Sorted(slices.Values(codes)) {
		r := rs[c]
		ids := make([]int64, 0, len(r.entries))
		from := len(excl)
		for i := range r.entries {
			e := &r.entries[i]
			switch req.RegionRule {
			case RegionLocal:
				if e.region != req.Region {
					continue
				}
			case RegionOutside:
				if e.region == req.Region {
					continue
				}
			}
			var bad int64
			if st.RequireSenior && !e.senior {
				bad |= badSenior
			}
			if int(e.years) < st.MinYears {
				bad |= badYears
			}
			if e.birth <= cut {
				bad |= badAge
			}
			if e.emp != 0 && staff[e.emp] {
				bad |= badEmployer
			}
			if bad == 0 {
				ids = append(ids, e.id)
			} else {
				excl = append(excl, colExcl{id: e.id, bad: bad, emp: e.emp})
			}
		}
		clean[c] = ids
		if from > 0 {
			// An expert holding two of the codes is listed twice.
			merged := mergeExcl(sc.merged[:0], excl[:from], excl[from:])
			sc.merged, excl = excl[:0], merged
		}
	}
	// The candidates as a bitmap when their ids are small (AUTO_INCREMENT
	// values: 12.5 KB for 100,000), else by binary search.
	var maxID int64
	if len(excl) > 0 {
		maxID = excl[len(excl)-1].id
	}
	for _, ids := range clean {
		if len(ids) > 0 {
			maxID = max(maxID, ids[len(ids)-1])
		}
	}
	var bitmap []uint64
	if maxID < bitmapMaxID {
		bitmap = make([]uint64, maxID/64+1)
		for _, x := range excl {
			bitmap[x.id>>6] |= 1 << (x.id & 63)
		}
		for _, ids := range clean {
			for _, id := range ids {
				bitmap[id>>6] |= 1 << (id & 63)
			}
		}
	}
	isCandidate := func(id int64) bool {
		if bitmap != nil {
			return id >= 0 && id <= maxID && bitmap[id>>6]&(1<<(id&63)) != 0
		}
		if _, ok := slices.BinarySearchFunc(excl, id, func(x colExcl, id int64) int { return cmp.Compare(x.id, id) }); ok {
			return true
		}
		for _, ids := range clean {
			if _, ok := slices.BinarySearch(ids, id); ok {
				return true
			}
		}
		return false
	}

	marks = slices.DeleteFunc(marks, func(m mark) bool { return !isCandidate(m.id) })
	// Reasons in rule order, organisations ascending within a rule.
	slices.SortFunc(marks, func(a, b mark) int {
		return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.rule, b.rule), cmp.Compare(a.org, b.org))
	})
	marks = slices.Compact(marks)

	// 3. The ordered pool of each group: its codes' candidates passing
	// the column rules, less those caught by another rule.
	marked := make([]int64, 0, len(marks))
	for _, m := range marks {
		if len(marked) == 0 || marked[len(marked)-1] != m.id {
			marked = append(marked, m.id)
		}
	}
	uses := map[string]int{}
	for _, cs := range groupCodes {
		for _, c := range cs {
			uses[c]++
		}
	}
	doc := &Document{Header: drawHeader(req, st)}
	for i, qt := range req.Quotas {
		if c := groupCodes[i][0]; len(groupCodes[i]) == 1 && uses[c] == 1 {
			// The code's list is this group's alone: filter it in place.
			doc.Groups = append(doc.Groups, PoolGroup{No: i + 1, Specialty: qt.Specialty, Primaries: qt.Count, Backups: qt.Backups,
				Pool: without(clean[c], marked)})
			continue
		}
		n := 0
		for _, c := range groupCodes[i] {
			n += len(clean[c])
		}
		pool := make([]int64, 0, n)
		for _, c := range groupCodes[i] {
			pool = append(pool, clean[c]...)
		}
		if len(groupCodes[i]) > 1 {
			slices.Sort(pool)
			pool = slices.Compact(pool)
		}
		doc.Groups = append(doc.Groups, PoolGroup{No: i + 1, Specialty: qt.Specialty, Primaries: qt.Count, Backups: qt.Backups,
			Pool: without(pool, marked)})
	}

	// 4. Every exclusion with its reasons, by expert id.
	n := len(marks)
	for _, x := range excl {
		n += bits.OnesCount64(uint64(x.bad &^ badEmployer))
		if x.bad&badEmployer != 0 {
			n++
		}
	}
	slab := make([]string, 0, n) // the reasons of all exclusions, one allocation
	employerReason := map[int64]string{}
	markReason := map[mark]string{}
	avoid := make(map[int64]bool, len(req.AvoidOrgIDs))
	for _, id := range req.AvoidOrgIDs {
		avoid[id] = true
	}
	doc.Exclusions = make([]Exclusion, 0, len(excl)+len(marked))
	for i, j := 0, 0; i < len(excl) || j < len(marks); {
		var id int64
		switch {
		case j == len(marks) || (i < len(excl) && excl[i].id <= marks[j].id):
			id = excl[i].id
		default:
			id = marks[j].id
		}
		start := len(slab)
		if i < len(excl) && excl[i].id == id {
			x := excl[i]
			i++
			if x.bad&badSenior != 0 {
				slab = append(slab, "not_senior")
			}
			if x.bad&badYears != 0 {
				slab = append(slab, "years_short")
			}
			if x.bad&badAge != 0 {
				slab = append(slab, "over_age")
			}
			if x.bad&badEmployer != 0 {
				r, ok := employerReason[x.emp]
				if !ok {
					switch emp := strconv.FormatInt(x.emp, 10); {
					case x.emp == tender:
						r = "employer_tenderer:" + emp
					case x.emp == agency:
						r = "employer_agency:" + emp
					case x.emp == superv:
						r = "supervising_staff:" + emp
					case avoid[x.emp]:
						r = "employer_avoided:" + emp
					default:
						return nil, fmt.Errorf("read candidates: expert %d flagged for employer %d", x.id, x.emp)
					}
					employerReason[x.emp] = r
				}
				slab = append(slab, r)
			}
		}
		for ; j < len(marks) && marks[j].id == id; j++ {
			m := marks[j]
			if m.rule < 1 || m.rule >= int64(len(markNames)) {
				return nil, fmt.Errorf("avoidance rules: unknown rule %d", m.rule)
			}
			r := markNames[m.rule]
			if m.org != 0 {
				k := mark{rule: m.rule, org: m.org}
				if r2, ok := markReason[k]; ok {
					r = r2
				} else {
					r += ":" + strconv.FormatInt(m.org, 10)
					markReason[k] = r
				}
			}
			slab = append(slab, r)
		}
		doc.Exclusions = append(doc.Exclusions, Exclusion{ExpertID: id, Reasons: slab[start:len(slab):len(slab)]})
	}
	return doc, nil
}

// mergeExcl appends to out (which must not overlap a or b) the merge of two
// ascending runs, keeping a's entry of an expert in both.
func mergeExcl(out, a, b []colExcl) []colExcl {
	out = slices.Grow(out, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].id < b[j].id:
			out = append(out, a[i])
			i++
		case b[j].id < a[i].id:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// without returns the members of pool (ascending) not in drop (ascending),
// reusing pool.
func without(pool, drop []int64) []int64 {
	if len(drop) == 0 {
		return pool
	}
	out := pool[:0]
	j := 0
	for _, id := range pool {
		for j < len(drop) && drop[j] < id {
			j++
		}
		if j < len(drop) && drop[j] == id {
			continue
		}
		out = append(out, id)
	}
	return out
}
