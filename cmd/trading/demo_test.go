package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/db"
	"ggzy/db/dbtest"
	"ggzy/schedule"
	"ggzy/trading"
)

// `trading seed` fills every area of the demo centre through the services:
// the portal lists the published projects, staff's queue holds the
// submitted one, the rooms (with their terminals and bookings) exist, a
// fixed-price selection is open — and no sealed data exists yet. The audit
// chain verifies after sealing.
func TestSeedFillsTheDemoCentre(t *testing.T) {
	ctx := context.Background()
	// A database of its own: the package's is seeded by TestSeedThenAuditVerify.
	srv := dbtest.Server(t)
	name := dbtest.Name() + "_demo"
	if err := srv.CreateDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.DropDatabase(context.Background(), name) })
	getenv := testEnv(t, map[string]string{"TRADING_DSN": srv.Config(name).FormatDSN()})
	var out bytes.Buffer
	if err := run(ctx, []string{"seed"}, &out, getenv); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if strings.Contains(out.String(), "rt_") || strings.Contains(strings.ToLower(out.String()), "token") {
		t.Errorf("seed output shows a device token: %s", out.String())
	}
	x, err := db.Open(ctx, srv.Config(name))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	a, err := wire(x, getenv, newLogger(os.Stderr, getenv))
	if err != nil {
		t.Fatal(err)
	}
	actor := func(username string) context.Context {
		us, err := a.accounts.ListUsers(ctx, accounts.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range us {
			if us[i].Username == username {
				return audit.WithActor(ctx, us[i].Actor("127.0.0.1"))
			}
		}
		t.Fatalf("no user %s", username)
		return nil
	}

	// The portal: the engineering and property announcements and the
	// fixed-price selection, all open.
	page, err := a.trading.Announcements(ctx, trading.PortalFilter{Status: "open"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, an := range page.Items {
		seen[an.Kind+"/"+an.Method] = true
	}
	for _, want := range []string{"engineering/open", "property/listing", "engineering/" + trading.MethodFixedPrice, "procurement/" + trading.MethodInvited} {
		if !seen[want] {
			t.Errorf("portal lacks a %s announcement: %+v", want, page.Items)
		}
	}
	if len(page.Items) != 4 {
		t.Errorf("portal lists %d announcements, want 4", len(page.Items))
	}
	// The invited procurement: three of the five demo bidders were drawn,
	// each sees its 投标邀请书, and the draw verifies.
	invited := 0
	for _, b := range []string{"bidder1", "bidder2", "bidder3", "bidder4", "bidder5"} {
		inv, err := a.trading.MyInvitations(actor(b))
		if err != nil {
			t.Fatal(err)
		}
		invited += len(inv)
	}
	if invited != 3 {
		t.Errorf("%d invitations among the demo bidders, want 3", invited)
	}
	for _, an := range page.Items {
		if an.Method != trading.MethodInvited {
			continue
		}
		iv, err := a.trading.Invitations(actor("agency2"), an.ProjectID)
		if err != nil {
			t.Fatal(err)
		}
		if iv.Verification == nil || !iv.Verification.OK {
			t.Errorf("the demo invitation draw does not verify: %+v", iv.Verification)
		}
	}

	staff := actor("staff")
	queue, err := a.trading.Projects(staff, trading.ProjectFilter{Status: trading.StatusSubmitted})
	if err != nil {
		t.Fatal(err)
	}
	if len(queue) != 1 || queue[0].Kind != trading.Procurement || queue[0].Method != "open" || queue[0].Code == "" {
		t.Errorf("staff queue: %+v, want the submitted procurement project", queue)
	}
	published, err := a.trading.Projects(staff, trading.ProjectFilter{Status: trading.StatusPublished})
	if err != nil {
		t.Fatal(err)
	}
	var eng *trading.Project
	for i := range published {
		if published[i].Kind == trading.Engineering && published[i].Method == "open" {
			eng = &published[i]
		}
	}
	if eng == nil {
		t.Fatalf("no published engineering project: %+v", published)
	}
	if full, err := a.trading.Project(staff, eng.ID); err != nil || len(full.Lots) != 2 {
		t.Errorf("engineering project: %v, lots %+v", err, full)
	}
	if now := a.clock.Now(); !eng.Timeline.SignupUntil.After(now) || !eng.Timeline.Deadline.After(now) {
		t.Errorf("engineering sign-up not open: %+v at %s", eng.Timeline, now)
	}
	drafts, err := a.trading.Projects(actor("agency2"), trading.ProjectFilter{Status: trading.StatusDraft})
	if err != nil {
		t.Fatal(err)
	}
	if len(drafts) != 1 || drafts[0].Kind != trading.Land || drafts[0].Method != "listing" {
		t.Errorf("agency2 drafts: %+v, want the land listing", drafts)
	}
	sels, err := a.fixedPrice.Selections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sels) != 1 || !sels[0].WindowOpen(a.clock.Now()) {
		t.Errorf("fixed-price selections: %+v, want one open for applications", sels)
	}

	rooms, err := a.schedule.Rooms(staff, false)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, r := range rooms {
		kinds[r.Kind]++
		if r.Capacity <= 0 || r.Equipment == "" {
			t.Errorf("room %s lacks capacity or equipment", r.Name)
		}
		terms, err := a.schedule.Terminals(staff, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 1, false: 0}[r.Kind == schedule.KindEvaluation]; len(terms) != want {
			t.Errorf("room %s has %d terminals, want %d", r.Name, len(terms), want)
		}
	}
	for k, n := range map[string]int{schedule.KindOpening: 2, schedule.KindEvaluation: 3, schedule.KindDraw: 1, schedule.KindAuction: 1, schedule.KindNegotiation: 1} {
		if kinds[k] != n {
			t.Errorf("%d rooms of kind %s, want %d", kinds[k], k, n)
		}
	}
	bookings, err := a.schedule.Bookings(staff, schedule.BookingFilter{From: a.clock.Now(), To: a.clock.Now().AddDate(0, 2, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if len(bookings) < 3 {
		t.Errorf("%d bookings, want at least 3", len(bookings))
	}

	// Sealed data starts empty: no sign-ups, bids, applications or draws.
	for _, table := range []string{"trading_signups", "trading_bid_files", "trading_bid_forms", "fixedprice_applications", "fixedprice_draws", "expert_draws"} {
		var n int
		if err := x.Get(&n, `SELECT COUNT(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s holds %d rows after seeding", table, n)
		}
	}
	// The steps are audited as the demo users who took them.
	for action, who := range map[string]string{"trading.project.publish": "agency", "trading.project.accept": "staff",
		"room.create": "staff", "fixedprice.publish": "agency", "booking.create": "staff"} {
		var n int
		if err := x.Get(&n, `SELECT COUNT(*) FROM audit_events WHERE action = ? AND actor = ?`, action, who); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("no %s event by %s", action, who)
		}
	}
	// The approval hall: three items (即办件, 承诺件, 联办件) and a case in
	// each of three states.
	var hall []string
	if err := x.Select(&hall, `SELECT CONCAT(i.case_type, '/', c.status) FROM approval_cases c JOIN approval_items i ON i.id = c.item_id ORDER BY c.id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(hall, " ") != "instant/decided promised/incomplete joint/in_review" {
		t.Errorf("demo hall cases: %v", hall)
	}

	if _, err := a.sealer.SealAll(ctx); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify"}, &out, getenv); err != nil {
		t.Fatalf("verify on the demo centre: %v", err)
	}
	if !strings.Contains(out.String(), "audit chain OK") {
		t.Fatalf("verify output: %s", out.String())
	}
}
