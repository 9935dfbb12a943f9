package expertpool

import "testing"

// The committee is the confirmed members; a conflict declared at the
// terminal recuses the member and seats the next backup of the group.
func TestCommitteeAndOnSiteReplacement(t *testing.T) {
	f := newFixture(t)
	const lot = 1077
	prep, _ := drawReady(t, f, newRegion(), lot, 5, 2, 12)
	if _, err := f.svc.Run(f.ctx, prep.DrawID, []string{"7", "19"}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range f.notes.tokens() {
		if err := f.svc.Reply(f.ctx, tok, true, ""); err != nil {
			t.Fatal(err)
		}
	}
	before, err := f.svc.Committee(f.ctx, lot)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 5 {
		t.Fatalf("committee of %d, want 5", len(before))
	}
	if _, err := f.svc.ReplaceOnSite(f.ctx, lot, before[0].ExpertID, ""); code(err) != "reason_required" {
		t.Fatalf("replacement without a reason: %v", err)
	}
	repl, err := f.svc.ReplaceOnSite(f.ctx, lot, before[0].ExpertID, "与投标人存在利害关系")
	if err != nil {
		t.Fatal(err)
	}
	after, err := f.svc.Committee(f.ctx, lot)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 5 {
		t.Fatalf("committee after replacement: %d", len(after))
	}
	for _, m := range after {
		if m.ExpertID == before[0].ExpertID {
			t.Fatal("the recused expert is still on the committee")
		}
	}
	found := false
	for _, m := range after {
		if m.ExpertID == repl.ExpertID {
			found = true
		}
	}
	if !found {
		t.Fatal("the backup was not seated")
	}
	// Second conflict uses the second backup; a third finds none.
	if _, err := f.svc.ReplaceOnSite(f.ctx, lot, after[1].ExpertID, "曾在投标人任职"); err != nil {
		t.Fatal(err)
	}
	now, _ := f.svc.Committee(f.ctx, lot)
	if _, err := f.svc.ReplaceOnSite(f.ctx, lot, now[2].ExpertID, "近亲属"); code(err) != "no_backup_left" {
		t.Fatalf("third replacement: %v", err)
	}
	// That refusal wrote nothing: the member is still seated.
	still, _ := f.svc.Committee(f.ctx, lot)
	if len(still) != 5 {
		t.Fatalf("a refused replacement changed the committee: %d", len(still))
	}
	if _, err := f.svc.ReplaceOnSite(f.ctx, lot, 987654, "无此人"); code(err) != "member_not_found" {
		t.Fatalf("unknown member: %v", err)
	}
}

// An on-site replacement whose draw has no backup left seats a backup of
// the same specialty drawn by the lot's supplementary draw.
func TestOnSiteReplacementUsesSupplementaryBackups(t *testing.T) {
	f := newFixture(t)
	const lot = 1078
	prep, _ := drawReady(t, f, newRegion(), lot, 5, 0, 10)
	if _, err := f.svc.Run(f.ctx, prep.DrawID, []string{"5", "11"}); err != nil {
		t.Fatal(err)
	}
	first := f.notes.tokens()
	if err := f.svc.Reply(f.ctx, first[0], false, "出差"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range first[1:] {
		if err := f.svc.Reply(f.ctx, tok, true, ""); err != nil {
			t.Fatal(err)
		}
	}
	// The decline ran a supplementary draw: one invited, backups behind him.
	all := f.notes.tokens()
	if len(all) != len(first)+1 {
		t.Fatalf("%d notices after the decline", len(all)-len(first))
	}
	if err := f.svc.Reply(f.ctx, all[len(all)-1], true, ""); err != nil {
		t.Fatal(err)
	}
	committee, err := f.svc.Committee(f.ctx, lot)
	if err != nil || len(committee) != 5 {
		t.Fatalf("committee %d, %v", len(committee), err)
	}
	repl, err := f.svc.ReplaceOnSite(f.ctx, lot, committee[0].ExpertID, "与投标人存在利害关系")
	if err != nil {
		t.Fatalf("the supplementary draw's backup should take the seat: %v", err)
	}
	if repl.DrawID == prep.DrawID {
		t.Fatalf("the backup came from draw %d, which had none", repl.DrawID)
	}
}
