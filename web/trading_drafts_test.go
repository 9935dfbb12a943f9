package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"ggzy/trading"
)

// An agency deletes a draft it entered twice and never submitted, and takes
// a submitted registration back to correct it before the centre decides;
// neither is possible once the centre holds the registration.
func TestAgencyDeletesADraftAndWithdrawsASubmission(t *testing.T) {
	e := newEnv(t)
	ag := e.api("agency")
	create := func() trading.Project {
		t.Helper()
		r := ag.json(http.MethodPost, "/api/v1/projects", engineeringProject(uniqueTitle("草稿删除测试工程")))
		if r.Code != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Code, r.Body.String())
		}
		var p trading.Project
		r.decode(t, &p)
		return p
	}
	events := func(action string, id int64) int {
		return e.count(`SELECT COUNT(*) FROM audit_events WHERE action = ? AND object_id = ? AND actor = 'agency'`, action, fmt.Sprint(id))
	}

	// A draft: another agency cannot touch it; its own agency deletes it.
	draft := create()
	if r := e.api("agency2").json(http.MethodDelete, fmt.Sprintf("/api/v1/projects/%d", draft.ID), nil); r.Code != http.StatusNotFound {
		t.Fatalf("another agency deleting the draft: %d", r.Code)
	}
	if r := ag.json(http.MethodDelete, fmt.Sprintf("/api/v1/projects/%d", draft.ID), nil); r.Code != http.StatusNoContent {
		t.Fatalf("delete draft: %d %s", r.Code, r.Body.String())
	}
	if r := ag.get(fmt.Sprintf("/api/v1/projects/%d", draft.ID)); r.Code != http.StatusNotFound {
		t.Fatalf("deleted draft still read: %d", r.Code)
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_lots WHERE project_id = ?`, draft.ID); n != 0 || events("trading.project.delete", draft.ID) != 1 {
		t.Fatalf("deleted draft left %d lots, %d audit events", n, events("trading.project.delete", draft.ID))
	}

	// (The centre books rooms, draws experts and the like only for
	// registrations it holds: a draft never has them. DeleteDraft refuses
	// one that has, should a withdrawn registration carry them back.)

	// Submitted: not deleted, but withdrawn to draft with its code, edited
	// and submitted again under the same code.
	sub := create()
	if r := ag.json(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/submit", sub.ID), nil); r.Code != http.StatusOK {
		t.Fatalf("submit: %d %s", r.Code, r.Body.String())
	}
	var code string
	if err := e.db.Get(&code, `SELECT code FROM trading_projects WHERE id = ?`, sub.ID); err != nil || code == "" {
		t.Fatalf("code: %q %v", code, err)
	}
	if r := ag.json(http.MethodDelete, fmt.Sprintf("/api/v1/projects/%d", sub.ID), nil); r.Code != http.StatusConflict || r.errorCode(t) != "project_not_draft" {
		t.Fatalf("delete a submitted registration: %d %s", r.Code, r.Body.String())
	}
	b := e.browser("agency")
	if page := b.get(fmt.Sprintf("/projects/%d", sub.ID)).Body.String(); !strings.Contains(page, `data-testid="withdraw-form"`) || strings.Contains(page, `data-testid="delete-form"`) {
		t.Fatal("the submitted project's page does not offer the withdrawal (or offers deletion)")
	}
	r := b.postForm(fmt.Sprintf("/agency/projects/%d/withdraw", sub.ID), nil)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("withdraw on the page: %d %s", r.Code, r.Body.String())
	}
	var st struct {
		Status string `db:"status"`
		Code   string `db:"code"`
	}
	if err := e.db.Get(&st, `SELECT status, code FROM trading_projects WHERE id = ?`, sub.ID); err != nil || st.Status != "draft" || st.Code != code {
		t.Fatalf("after the withdrawal: %+v %v", st, err)
	}
	if events("trading.project.withdraw", sub.ID) != 1 {
		t.Fatal("withdrawal not audited")
	}
	if page := b.get(fmt.Sprintf("/projects/%d", sub.ID)).Body.String(); strings.Contains(page, `data-testid="delete-form"`) {
		t.Fatal("a withdrawn (coded) registration is offered for deletion")
	}
	if r := ag.json(http.MethodDelete, fmt.Sprintf("/api/v1/projects/%d", sub.ID), nil); r.Code != http.StatusConflict {
		t.Fatalf("delete a coded draft: %d", r.Code)
	}
	if r := ag.json(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/withdraw", sub.ID), nil); r.Code != http.StatusConflict || r.errorCode(t) != "project_not_submitted" {
		t.Fatalf("withdraw a draft: %d %s", r.Code, r.Body.String())
	}
	if r := ag.json(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/submit", sub.ID), nil); r.Code != http.StatusOK {
		t.Fatalf("submit again: %d %s", r.Code, r.Body.String())
	}
	if err := e.db.Get(&st, `SELECT status, code FROM trading_projects WHERE id = ?`, sub.ID); err != nil || st.Status != "submitted" || st.Code != code {
		t.Fatalf("submitted again: %+v", st)
	}
	// Accepted: the centre's decision stands.
	if r := e.api("staff").json(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/review", sub.ID), map[string]any{"accept": true}); r.Code != http.StatusOK {
		t.Fatalf("accept: %d", r.Code)
	}
	if r := ag.json(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/withdraw", sub.ID), nil); r.Code != http.StatusConflict {
		t.Fatalf("withdraw an accepted registration: %d", r.Code)
	}

	// The draft page offers deletion.
	fresh := create()
	if page := b.get(fmt.Sprintf("/projects/%d", fresh.ID)).Body.String(); !strings.Contains(page, `data-testid="delete-form"`) {
		t.Fatal("a draft's page does not offer deletion")
	}
	if r := b.postForm(fmt.Sprintf("/agency/projects/%d/delete", fresh.ID), nil); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/agency/projects" {
		t.Fatalf("delete on the page: %d %q", r.Code, r.Header().Get("Location"))
	}
}
