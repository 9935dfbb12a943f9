package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"ggzy/expertpool"
)

// TestExpertSupplementaryDrawVerify: a decline with no backup left runs an
// automatic supplementary draw whose secret is a link of the chain the
// first draw committed to; the supervisor's verification (API and page)
// and the exported archive re-check it, and tampering shows.
func TestExpertSupplementaryDrawVerify(t *testing.T) {
	e := newEnv(t)
	st := e.api("staff")
	region := makePool(t, st, 12, "GC08")
	l := newDrawLot(t, e, 0)
	lot := l.lot
	r := st.json(http.MethodPost, "/api/v1/expert-draws", drawBody(e, region, l, "GC08", 5, 0))
	if r.Code != http.StatusCreated {
		t.Fatalf("prepare: %d %s", r.Code, r.Body.String())
	}
	var prep struct {
		ID int64 `json:"id"`
	}
	r.decode(t, &prep)
	if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/run", prep.ID), map[string]any{"sources": []string{"31 41 59", "26"}}); r.Code != http.StatusOK {
		t.Fatalf("run: %d %s", r.Code, r.Body.String())
	}
	tokens := expertNotices.tokensFor(prep.ID)
	if len(tokens) != 5 {
		t.Fatalf("%d notices", len(tokens))
	}
	if r := e.anon().json(http.MethodPost, "/api/v1/expert-replies/"+tokens[0], map[string]any{"accept": false, "note": "出差"}); r.Code != http.StatusOK {
		t.Fatalf("decline: %d %s", r.Code, r.Body.String())
	}
	var sup int64
	if err := e.db.Get(&sup, `SELECT id FROM expert_draws WHERE lot_id = ? AND parent_draw_id = ? AND status = 'drawn' AND secret_chain_index = 1`, lot, prep.ID); err != nil {
		t.Fatalf("no automatic supplementary draw on link 1: %v", err)
	}

	// Prepared and run on an expert's reply, the supplementary draw is the
	// runner's of the first draw to see and re-check.
	if r := st.get(fmt.Sprintf("/api/v1/expert-draws/%d/verify", sup)); r.Code != http.StatusOK {
		t.Fatalf("the runner verifies the supplementary draw: %d %s", r.Code, r.Body.String())
	}

	sv := e.api("supervisor")
	var v expertpool.Verification
	sv.get(fmt.Sprintf("/api/v1/expert-draws/%d/verify", prep.ID)).decode(t, &v)
	if !v.OK || len(v.Supplementary) != 1 || v.Supplementary[0].DrawID != sup {
		t.Fatalf("verify first draw: %+v", v)
	}
	v = expertpool.Verification{}
	sv.get(fmt.Sprintf("/api/v1/expert-draws/%d/verify", sup)).decode(t, &v)
	if !v.OK || !slices.ContainsFunc(v.Checks, func(c expertpool.Check) bool { return c.Name == "secret_chain" && c.OK }) {
		t.Fatalf("verify supplementary draw: %+v", v)
	}
	page := e.browser("supervisor")
	if r := page.get(fmt.Sprintf("/expert-draws/%d/verify", sup)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "与存档一致") ||
		!strings.Contains(r.Body.String(), `data-check="secret_chain"`) || !strings.Contains(r.Body.String(), "密钥哈希链") ||
		!strings.Contains(r.Body.String(), `data-check="witness_sources"`) || !strings.Contains(r.Body.String(), "沿用的见证人随机数") {
		t.Fatalf("verify page of the supplementary draw: %d", r.Code)
	}
	if r := page.get(fmt.Sprintf("/expert-draws/%d/verify", prep.ID)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), fmt.Sprintf(`data-check="supplementary_draw %d"`, sup)) ||
		!strings.Contains(r.Body.String(), fmt.Sprintf("补抽（抽取 %d）", sup)) {
		t.Fatalf("verify page of the first draw: %d", r.Code)
	}

	// The exported archive carries the derivation and re-checks offline.
	var a expertpool.Archive
	sv.get(fmt.Sprintf("/api/v1/expert-draws/%d/archive", sup)).decode(t, &a)
	if a.Derivation == nil || a.Derivation.RootDrawID != prep.ID || a.Derivation.Index != 1 || !expertpool.VerifyArchive(a).OK {
		t.Fatalf("archive: %+v", a.Derivation)
	}
	a.Sources[len(a.Sources)-1] = expertpool.ChainStep(a.Sources[len(a.Sources)-1])
	if expertpool.VerifyArchive(a).OK {
		t.Fatal("archive with another secret verified")
	}

	// A derivation changed in the database shows on the supervisor's page.
	if _, err := e.db.Exec(`UPDATE expert_draws SET secret_chain_index = 2 WHERE id = ?`, sup); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = e.db.Exec(`UPDATE expert_draws SET secret_chain_index = 1 WHERE id = ?`, sup) })
	if r := page.get(fmt.Sprintf("/expert-draws/%d/verify", prep.ID)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "与存档不一致") {
		t.Fatalf("verify page after tampering: %d", r.Code)
	}
}
