package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A centre holds thousands of accounts: the administrator finds one by
// user name, person or organisation, by role and status, a page at a time.
func TestAdminFindsUsers(t *testing.T) {
	e := newEnv(t)
	ad := e.api("admin")
	tag := fmt.Sprintf("检索%d", time.Now().UnixNano()%1e9)
	var ids []int64
	for i, role := range []string{"staff", "clerk", "staff"} {
		var u apiUser
		r := ad.json(http.MethodPost, "/api/v1/users", map[string]any{"username": fmt.Sprintf("find%d_%d", time.Now().UnixNano()%1e9, i),
			"display_name": fmt.Sprintf("%s%d号", tag, i), "roles": []string{role}, "password": "Find-Me-Pass-2026"})
		if r.Code != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Code, r.Body.String())
		}
		r.decode(t, &u)
		ids = append(ids, u.ID)
	}
	list := func(query string) ([]apiUser, int64) {
		t.Helper()
		var out struct {
			Users []apiUser `json:"users"`
			Next  int64     `json:"next_after"`
		}
		r := ad.get("/api/v1/users?" + query)
		if r.Code != http.StatusOK {
			t.Fatalf("list %s: %d %s", query, r.Code, r.Body.String())
		}
		r.decode(t, &out)
		return out.Users, out.Next
	}
	q := url.Values{"q": {tag}}
	if got, _ := list(q.Encode()); len(got) != 3 || got[0].ID != ids[0] || got[2].ID != ids[2] {
		t.Fatalf("by name: %+v", got)
	}
	if got, _ := list(q.Encode() + "&role=staff"); len(got) != 2 || got[1].ID != ids[2] {
		t.Fatalf("by name and role: %+v", got)
	}
	if got, _ := list(url.Values{"q": {"示范市公共资源交易中心"}, "role": {"admin"}}.Encode()); len(got) == 0 || got[0].Username != "admin" {
		t.Fatalf("by organisation: %+v", got)
	}
	// LIKE's own characters are taken as they are.
	if got, _ := list(url.Values{"q": {"%"}}.Encode()); len(got) != 0 {
		t.Fatalf("%% matched %d users", len(got))
	}
	// A page at a time.
	first, next := list(q.Encode() + "&limit=2")
	if len(first) != 2 || next != ids[1] {
		t.Fatalf("first page: %d users, next after %d", len(first), next)
	}
	if rest, next := list(q.Encode() + fmt.Sprintf("&limit=2&after=%d", next)); len(rest) != 1 || rest[0].ID != ids[2] || next != 0 {
		t.Fatalf("second page: %+v, next after %d", rest, next)
	}
	for query, field := range map[string]string{"role=boss": "role", "status=gone": "status", "after=x": "after", "limit=5000": "limit",
		"q=" + url.QueryEscape(strings.Repeat("长", 65)): "q"} {
		r := ad.get("/api/v1/users?" + query)
		var ae apiError
		if r.Code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", query, r.Code)
			continue
		}
		if r.decode(t, &ae); !hasField(ae, field, "") {
			t.Errorf("%s: %s, want field %s", query, r.Body.String(), field)
		}
	}

	// The page: the filter form, the matches, and the reset buttons.
	b := e.browser("admin")
	r := b.get("/admin/users?" + q.Encode() + "&role=clerk")
	body := r.Body.String()
	if r.Code != http.StatusOK || !strings.Contains(body, tag+"1号") || strings.Contains(body, tag+"0号") || !strings.Contains(body, `value="`+tag+`"`) {
		t.Fatalf("page filtered: %d", r.Code)
	}
	if r := b.get("/admin/users?q=" + url.QueryEscape("没有这样的人")); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `data-testid="users-none"`) {
		t.Fatalf("page with no match: %d", r.Code)
	}
	if r := b.get("/admin/users?role=boss"); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "未知角色") {
		t.Fatalf("page with a bad role: %d", r.Code)
	}
}
