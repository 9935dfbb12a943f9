package expertpool

import (
	"bytes"
	"maps"
	"slices"
	"testing"
	"time"
)

// TestBookedAndFrequentFollowMemberState moves the members of a draw through
// every state change — decline, backup called, confirmation, on-site
// replacement, expiry and an automatic supplementary draw — and checks after
// each that the booked and too_frequent rules of another lot's pool see
// exactly the members invited or confirmed, as the join of the first
// implementation (buildPoolReference) does, document for document. The
// booking cache is warm from the previous step each time, so a change that
// did not move the draw's bookings_version would show.
func TestBookedAndFrequentFollowMemberState(t *testing.T) {
	f := newFixture(t)
	reg := newRegion()
	tenderer := f.org("招标人")
	for range 16 {
		f.expert(nil, reg, "GC03")
	}
	first := f.request(reg, 1301, tenderer, Quota{Specialty: "GC03", Count: 5, Backups: 2})
	prep, err := f.svc.Prepare(f.ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Run(f.ctx, prep.DrawID, []string{"1 2 3"}); err != nil {
		t.Fatal(err)
	}
	specs, err := loadSpecialties(f.ctx, f.svc.DB)
	if err != nil {
		t.Fatal(err)
	}
	st := DefaultSettings
	st.FreqLimit = 1 // one booking for the tenderer is already too many

	check := func(step string) {
		t.Helper()
		var want []int64
		if err := f.svc.DB.Select(&want, `SELECT DISTINCT m.expert_id FROM expert_draw_members m JOIN expert_draws d ON d.id = m.draw_id
			WHERE d.lot_id = 1301 AND m.state IN ('notified', 'confirmed') ORDER BY m.expert_id`); err != nil {
			t.Fatal(err)
		}
		start := first.SessionStart
		for _, c := range []struct {
			name           string
			start          time.Time
			booked, frequt []int64
		}{
			{"overlapping session", start.Add(time.Hour), want, want},
			{"later session", start.Add(10 * 24 * time.Hour), nil, want},
		} {
			req := f.request(reg, 1302, tenderer, Quota{Specialty: "GC03", Count: 1})
			req.SessionStart, req.SessionEnd = c.start, c.start.Add(2*time.Hour)
			now := f.clock.Now()
			got, err := buildPool(f.ctx, f.svc.DB, &f.svc.rosters, &f.svc.bookings, &req, specs, st, now)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := buildPoolReference(f.ctx, f.svc.DB, &req, specs, st, now)
			if err != nil {
				t.Fatal(err)
			}
			canonicalReasons(ref)
			if !bytes.Equal(got.Bytes(), ref.Bytes()) {
				t.Errorf("%s, %s: documents differ\n--- reference\n%s\n--- buildPool\n%s", step, c.name, ref.Bytes(), got.Bytes())
			}
			by := map[string]map[int64]bool{"booked": {}, "too_frequent": {}}
			for _, x := range got.Exclusions {
				for _, r := range x.Reasons {
					if by[r] != nil {
						by[r][x.ExpertID] = true
					}
				}
			}
			if b := slices.Sorted(maps.Keys(by["booked"])); !slices.Equal(b, c.booked) {
				t.Errorf("%s, %s: booked %v, want %v", step, c.name, b, c.booked)
			}
			if fr := slices.Sorted(maps.Keys(by["too_frequent"])); !slices.Equal(fr, c.frequt) {
				t.Errorf("%s, %s: too_frequent %v, want %v", step, c.name, fr, c.frequt)
			}
		}
	}
	check("after the draw")

	toks := f.drawTokens(prep.DrawID)
	experts := slices.Sorted(maps.Keys(toks))
	if len(experts) != 5 {
		t.Fatalf("%d invitations", len(experts))
	}
	if err := f.svc.Reply(f.ctx, toks[experts[0]], false, "出差"); err != nil {
		t.Fatal(err)
	}
	check("after a decline called a backup")
	if err := f.svc.Reply(f.ctx, toks[experts[1]], true, ""); err != nil {
		t.Fatal(err)
	}
	check("after a confirmation")
	if _, err := f.svc.ReplaceOnSite(f.ctx, 1301, experts[1], "与投标人有利害关系"); err != nil {
		t.Fatal(err)
	}
	check("after an on-site replacement")
	f.clock.Advance(3 * time.Hour)
	if err := f.svc.ExpireReplies(f.ctx, prep.DrawID); err != nil {
		t.Fatal(err)
	}
	var sup int
	if err := f.svc.DB.Get(&sup, `SELECT COUNT(*) FROM expert_draws WHERE lot_id = 1301 AND parent_draw_id IS NOT NULL AND status = 'drawn'`); err != nil || sup != 1 {
		t.Fatalf("%d supplementary draws: %v", sup, err)
	}
	check("after expiry and a supplementary draw")
}
