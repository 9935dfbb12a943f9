package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestAuditActionNamesShown: the audit log and the archive's event table
// name each action in Chinese next to its code (the code stays: it is
// what the event holds and its hash covers); the JSON API keeps the code
// alone. Supervisors saw only the codes — auth.login, fixedprice.publish,
// trading.sealed (found by an exploratory run).
func TestAuditActionNamesShown(t *testing.T) {
	e := newEnv(t)
	sel := publishedSelection(t, e, uniqueTitle("审计操作名称排水沟工程"))
	sup := e.browser("supervisor") // records auth.login

	r := sup.get("/supervision/audit?actor=supervisor&action=auth.login")
	if r.Code != http.StatusOK {
		t.Fatalf("audit log: %d", r.Code)
	}
	body := r.Body.String()
	list := body[strings.Index(body, `data-testid="audit-list"`):]
	if !strings.Contains(list, `<td data-testid="action">登录 <span class="mono">auth.login</span></td>`) {
		t.Errorf("the audit log does not name auth.login: %.1500s", list)
	}
	// The filter offers the actions by name, keeping the code as the value.
	if !strings.Contains(body, `<option value="trading.sealed" label="密封操作`) {
		t.Error("the action filter does not offer trading.sealed by its name")
	}

	r = sup.get(fmt.Sprintf("/supervision/projects/%d", sel.ProjectID))
	if r.Code != http.StatusOK {
		t.Fatalf("archive page: %d", r.Code)
	}
	events := archiveEventsTableRe.FindString(r.Body.String())
	for _, want := range []string{
		`<td data-testid="action">固定价比选登记 <span class="mono">fixedprice.register</span></td>`,
		`<td data-testid="action">发布比选公告 <span class="mono">fixedprice.publish</span></td>`,
	} {
		if !strings.Contains(events, want) {
			t.Errorf("the archive's events lack %s: %.1500s", want, events)
		}
	}

	// The API: the code only, as before.
	r = e.api("supervisor").get("/api/v1/audit/events?actor=supervisor&action=auth.login&limit=1")
	var out struct{ Events []map[string]any }
	if err := json.Unmarshal(r.Body.Bytes(), &out); err != nil || r.Code != http.StatusOK || len(out.Events) != 1 {
		t.Fatalf("API: %d %v %s", r.Code, err, r.Body)
	}
	if out.Events[0]["action"] != "auth.login" {
		t.Errorf("API action %v", out.Events[0]["action"])
	}
	for k, v := range out.Events[0] {
		if s, ok := v.(string); ok && strings.Contains(s, "登录") {
			t.Errorf("API field %s holds the name: %q", k, s)
		}
	}
}
