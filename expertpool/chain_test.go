package expertpool

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"ggzy/audit"
)

// TestChainStep pins the published chain function (anyone re-checking a
// supplementary draw implements it) and the chain's order. The expected
// values were computed apart from this code (Python hashlib).
func TestChainStep(t *testing.T) {
	const seed = "S0123456789ABCDEF0123456789ABCDEF"
	if got := ChainStep(seed); got != "S3DFF5C6EC4CD96C8943AE8E4B3368D99DA06FDD510A2183CB712D2F6E666279A" {
		t.Fatalf("ChainStep = %s", got)
	}
	if got := chainSecret(seed, 2, 0); got != "S112D2153F8C89D5D4BF9EA37824A9BA7E0626B835728F4906408208C575CAE87" {
		t.Fatalf("s_0 of a chain of 2 = %s", got)
	}
	root := chainSecret(seed, chainLength, 0)
	for k := 1; k <= chainLength; k++ {
		sk := chainSecret(seed, chainLength, k)
		if !ChainReaches(sk, k, root) {
			t.Fatalf("s_%d does not reach the root", k)
		}
		if ChainReaches(sk, k+1, root) || ChainReaches(sk, k-1, root) {
			t.Fatalf("s_%d reaches the root in the wrong number of steps", k)
		}
	}
	if ChainReaches(root, 0, root) || ChainReaches("S0", 1, root) {
		t.Fatal("ChainReaches accepted a non-link")
	}
}

// drawTokens returns the reply tokens the draw's members were sent, by
// expert, for the members still waiting to answer.
func (f *fixture) drawTokens(drawID int64) map[int64]string {
	f.t.Helper()
	f.notes.mu.Lock()
	msgs := slices.Clone(f.notes.msgs)
	f.notes.mu.Unlock()
	out := map[int64]string{}
	for _, m := range msgs {
		if !strings.HasPrefix(m.Ref, fmt.Sprintf("draw:%d/", drawID)) {
			continue
		}
		tok := strings.TrimPrefix(m.Link, "https://x/r/")
		var expert int64
		if err := f.svc.DB.Get(&expert, `SELECT expert_id FROM expert_draw_members WHERE token_hash = ? AND state = 'notified'`, tokenHash(tok)); err == nil {
			out[expert] = tok
		}
	}
	return out
}

// declineAll declines every invitation of the draw still open.
func (f *fixture) declineAll(drawID int64) {
	f.t.Helper()
	for _, tok := range f.drawTokens(drawID) {
		if err := f.svc.Reply(f.ctx, tok, false, "出差"); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) draw(id int64) *Draw {
	f.t.Helper()
	d, err := loadDraw(f.ctx, f.svc.DB, id, false)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func failedChecks(v Verification) []string {
	var out []string
	for _, c := range v.Checks {
		if !c.OK {
			out = append(out, c.Name)
		}
	}
	return out
}

// TestAutomaticSupplementaryDrawsUseTheCommittedChain: the secrets of
// automatic supplementary draws are the links of the chain the first draw
// committed to before its witnesses typed their numbers, used in order;
// the supplementary draws verify, alone and with the first draw, and
// tampering with their secret, witness numbers, pool or order shows.
func TestAutomaticSupplementaryDrawsUseTheCommittedChain(t *testing.T) {
	f := newFixture(t)
	const lot = 1201
	prep, _ := drawReady(t, f, newRegion(), lot, 5, 1, 20)
	if _, err := f.svc.Run(f.ctx, prep.DrawID, []string{"9319", "2 5 8 10 12"}); err != nil {
		t.Fatal(err)
	}
	root := f.draw(prep.DrawID)
	if root.ChainLength != chainLength || len(root.ChainSealed) == 0 || root.Derived() {
		t.Fatalf("first draw: chain length %d, sealed %d bytes", root.ChainLength, len(root.ChainSealed))
	}
	rootSecret := root.Sources()[len(root.Sources())-1]

	// Two declines use up the one backup: supplementary draw 1 (link 1).
	toks := f.drawTokens(root.ID)
	n := 0
	for _, tok := range toks {
		if n == 2 {
			break
		}
		if err := f.svc.Reply(f.ctx, tok, false, ""); err != nil {
			t.Fatal(err)
		}
		n++
	}
	var ids []int64
	if err := f.svc.DB.Select(&ids, `SELECT id FROM expert_draws WHERE lot_id = ? AND parent_draw_id IS NOT NULL ORDER BY seq`, lot); err != nil || len(ids) != 1 {
		t.Fatalf("supplementary draws %v %v", ids, err)
	}
	s1 := f.draw(ids[0])
	// Its three members decline in turn: a supplementary draw of the
	// supplementary draw (link 2), with the same witness numbers.
	for range 3 {
		f.declineAll(s1.ID)
	}
	// The first draw's remaining invitations lapse: link 3.
	f.clock.Advance(3 * time.Hour)
	if err := f.svc.ExpireReplies(f.ctx, root.ID); err != nil {
		t.Fatal(err)
	}
	var sups []*Draw
	if err := f.svc.DB.Select(&sups, selectDraw+` WHERE lot_id = ? AND parent_draw_id IS NOT NULL ORDER BY seq`, lot); err != nil {
		t.Fatal(err)
	}
	if len(sups) != 3 {
		t.Fatalf("%d supplementary draws, want 3", len(sups))
	}
	wantParent := []int64{root.ID, s1.ID, root.ID}
	for i, d := range sups {
		if d.Status != DrawDrawn || !d.AutoRun || !d.Derived() || d.SecretRoot.Int64 != root.ID || d.ChainIndex.Int64 != int64(i+1) ||
			d.ParentDrawID.Int64 != wantParent[i] || d.ChainLength != 0 {
			t.Fatalf("supplementary draw %d: status %s auto %v root %v index %v parent %v", i+1, d.Status, d.AutoRun, d.SecretRoot, d.ChainIndex, d.ParentDrawID)
		}
		src := d.Sources()
		if !slices.Equal(src[:len(src)-1], []string{"9319", "2 5 8 10 12"}) {
			t.Errorf("supplementary draw %d witness numbers %v", i+1, src)
		}
		if !ChainReaches(src[len(src)-1], i+1, rootSecret) || Hash([]byte(rootSecret)) != root.Commitment {
			t.Errorf("supplementary draw %d: secret is not link %d of the first draw's chain", i+1, i+1)
		}
		body, err := readPool(f.ctx, f.svc.DB, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("\nsecret sha256-chain root %d index %d commitment %s\n", root.ID, i+1, root.Commitment); !strings.Contains(string(body), want) {
			t.Errorf("supplementary draw %d: pool document does not record the derivation %q", i+1, want)
		}
	}

	sys := audit.WithActor(context.Background(), audit.System)
	v, err := f.svc.Verify(sys, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK || len(v.Supplementary) != 3 {
		t.Fatalf("verify first draw: ok %v, %d supplementary, failed %v", v.OK, len(v.Supplementary), failedChecks(*v))
	}
	for _, sv := range v.Supplementary {
		names := map[string]bool{}
		for _, c := range sv.Checks {
			names[c.Name] = c.OK
		}
		for _, want := range []string{"secret_derivation", "root_commitment", "secret_chain", "witness_sources", "selection", "members", "chain_order", "root_draw"} {
			if !names[want] {
				t.Errorf("supplementary draw %d: check %s missing or failed: %+v", sv.DrawID, want, sv.Checks)
			}
		}
	}
	if v, err := f.svc.Verify(sys, sups[1].ID); err != nil || !v.OK || len(v.Picks) == 0 {
		t.Fatalf("verify supplementary of supplementary: %+v %v", v, err)
	}

	// The exported archive re-checks without the database; each way of
	// tampering with it shows.
	a, err := f.svc.ArchiveOf(sys, sups[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if v := VerifyArchive(*a); !v.OK || a.Derivation == nil || a.Derivation.RootSecret != rootSecret {
		t.Fatalf("archive: %+v", v)
	}
	for _, tc := range []struct {
		name   string
		tamper func(a *Archive)
		fails  string
	}{
		{"another secret, consistently re-committed and re-drawn", func(a *Archive) {
			// What a server choosing the secret after the witnesses would
			// write: only the chain gives it away.
			s, _ := newSecret()
			doc, _ := ParseDocument([]byte(a.Document))
			doc.Commitment = Hash([]byte(s))
			a.Document = string(doc.Bytes())
			a.PoolHash, a.Commitment = Hash([]byte(a.Document)), doc.Commitment
			a.Sources[len(a.Sources)-1] = s
			a.Result, _ = Choose(doc.Groups, a.Sources)
		}, "secret_chain"},
		{"secret replaced", func(a *Archive) { a.Sources[len(a.Sources)-1] = ChainStep(a.Sources[len(a.Sources)-1]) }, "secret_commitment"},
		{"witness numbers chosen", func(a *Archive) {
			a.Sources[0] = "1"
			doc, _ := ParseDocument([]byte(a.Document))
			a.Result, _ = Choose(doc.Groups, a.Sources)
		}, "witness_sources"},
		{"another link claimed", func(a *Archive) { a.Derivation.Index++ }, "secret_derivation"},
		{"derivation dropped", func(a *Archive) { a.Derivation = nil }, "secret_derivation"},
		{"root secret replaced", func(a *Archive) { a.Derivation.RootSecret = ChainStep(a.Derivation.RootSecret) }, "root_commitment"},
		{"a whole new chain, root commitment and secret consistent with it", func(a *Archive) {
			// Only the commitment recorded in the draw's own pool document
			// (hashed before it ran) gives this away offline.
			seed, _ := newSecret()
			a.Derivation.RootSecret = chainSecret(seed, chainLength, 0)
			a.Derivation.RootCommitment = Hash([]byte(a.Derivation.RootSecret))
			s := chainSecret(seed, chainLength, a.Derivation.Index)
			doc, _ := ParseDocument([]byte(a.Document))
			doc.Commitment = Hash([]byte(s))
			a.Document = string(doc.Bytes())
			a.PoolHash, a.Commitment = Hash([]byte(a.Document)), doc.Commitment
			a.Sources[len(a.Sources)-1] = s
			a.Result, _ = Choose(doc.Groups, a.Sources)
		}, "root_commitment"},
		{"pool changed", func(a *Archive) { a.Document = strings.Replace(a.Document, "\npool ", "\npool 1 ", 1) }, "pool_hash"},
		{"order changed", func(a *Archive) { a.Result[0], a.Result[1] = a.Result[1], a.Result[0] }, "selection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := *a
			b.Sources, b.Result = slices.Clone(a.Sources), slices.Clone(a.Result)
			dv := *a.Derivation
			b.Derivation = &dv
			tc.tamper(&b)
			v := VerifyArchive(b)
			if v.OK || !slices.Contains(failedChecks(v), tc.fails) {
				t.Fatalf("ok %v, failed %v, want %s to fail", v.OK, failedChecks(v), tc.fails)
			}
			if tc.fails == "secret_chain" && len(failedChecks(v)) != 1 {
				t.Fatalf("failed %v, want only secret_chain", failedChecks(v))
			}
		})
	}

	// Tampering in the database shows in the supplementary draw and in the
	// first draw's verification.
	for _, tc := range []struct {
		name, tamper, undo, fails string
	}{
		{"link index", `UPDATE expert_draws SET secret_chain_index = 9 WHERE id = ?`, `UPDATE expert_draws SET secret_chain_index = 1 WHERE id = ?`, "secret_derivation"},
		{"member order", `UPDATE expert_draw_members SET rank_no = rank_no + 100 WHERE draw_id = ? AND rank_no = 1`,
			`UPDATE expert_draw_members SET rank_no = rank_no - 100 WHERE draw_id = ? AND rank_no = 101`, "members"},
	} {
		if _, err := f.svc.DB.Exec(tc.tamper, sups[0].ID); err != nil {
			t.Fatal(err)
		}
		v, err := f.svc.Verify(sys, sups[0].ID)
		if err != nil || v.OK || !slices.Contains(failedChecks(*v), tc.fails) {
			t.Errorf("%s: %v, failed %v", tc.name, err, failedChecks(*v))
		}
		if v, err := f.svc.Verify(sys, root.ID); err != nil || v.OK || !slices.Contains(failedChecks(*v), fmt.Sprintf("supplementary_draw %d", sups[0].ID)) {
			t.Errorf("%s: first draw still verifies: %v", tc.name, err)
		}
		if _, err := f.svc.DB.Exec(tc.undo, sups[0].ID); err != nil {
			t.Fatal(err)
		}
	}
	// A supplementary draw re-checked alone re-checks its root too.
	if _, err := f.svc.DB.Exec(`UPDATE expert_draws SET secret_commitment = ? WHERE id = ?`, Hash([]byte("S0")), root.ID); err != nil {
		t.Fatal(err)
	}
	if v, err := f.svc.Verify(sys, sups[0].ID); err != nil || v.OK || !slices.Contains(failedChecks(*v), "root_draw") {
		t.Errorf("root commitment changed: %v, failed %v", err, failedChecks(*v))
	}
	if _, err := f.svc.DB.Exec(`UPDATE expert_draws SET secret_commitment = ? WHERE id = ?`, root.Commitment, root.ID); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.svc.Verify(sys, root.ID); !v.OK {
		t.Fatalf("after undoing the tampering: %v", failedChecks(*v))
	}
}

// TestSupplementaryDrawWithoutChainWaitsForWitnesses: a first draw with no
// chain (prepared before chains existed) gets no automatic supplementary
// draw: it is prepared with a fresh secret and waits for witnesses.
func TestSupplementaryDrawWithoutChainWaitsForWitnesses(t *testing.T) {
	f := newFixture(t)
	const lot = 1202
	prep, _ := drawReady(t, f, newRegion(), lot, 5, 0, 12)
	if _, err := f.svc.Run(f.ctx, prep.DrawID, []string{"42"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DB.Exec(`UPDATE expert_draws SET secret_chain_sealed = NULL, secret_chain_length = 0 WHERE id = ?`, prep.DrawID); err != nil {
		t.Fatal(err)
	}
	for _, tok := range f.drawTokens(prep.DrawID) {
		if err := f.svc.Reply(f.ctx, tok, false, ""); err != nil {
			t.Fatal(err)
		}
		break
	}
	var sup []*Draw
	if err := f.svc.DB.Select(&sup, selectDraw+` WHERE lot_id = ? AND parent_draw_id IS NOT NULL`, lot); err != nil || len(sup) != 1 {
		t.Fatalf("%d supplementary draws %v", len(sup), err)
	}
	if d := sup[0]; d.Status != DrawPrepared || d.AutoRun || d.Derived() {
		t.Fatalf("supplementary draw: status %s auto %v derived %v", d.Status, d.AutoRun, d.Derived())
	}
	sys := audit.WithActor(context.Background(), audit.System)
	if v, err := f.svc.Verify(sys, prep.DrawID); err != nil || !v.OK {
		t.Fatalf("first draw with a supplementary draw waiting: %v %v", err, failedChecks(*v))
	}
	if _, err := f.svc.Run(f.ctx, sup[0].ID, []string{"7 7 7"}); err != nil {
		t.Fatal(err)
	}
	if v, err := f.svc.Verify(sys, prep.DrawID); err != nil || !v.OK || len(v.Supplementary) != 1 {
		t.Fatalf("after the witnesses' draw: %v %+v", err, v)
	}
}
