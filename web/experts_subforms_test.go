package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ggzy/expertpool"
)

// TestExpertDetailSmallFormsKeepInput: the expert page's small forms share
// field names (reason, org_id, org_name); a refused one shows its message
// beside its own field, not beside the other form's, and keeps what was
// typed. The expert's own leave form keeps it too.
func TestExpertDetailSmallFormsKeepInput(t *testing.T) {
	e := newEnv(t)
	id := oneExpert(t, e, e.api("staff"))
	page := e.browser("staff")
	r := page.postForm(fmt.Sprintf("/experts/%d/employments", id), url.Values{"org_id": {"99999999"}, "org_name": {"某某设计院"}, "started_on": {"2024-03-01"}})
	body := r.Body.String()
	if r.Code == http.StatusSeeOther {
		t.Fatal("an employment with an unknown organisation was accepted")
	}
	_, rest, _ := strings.Cut(body, "<h3>登记申报</h3>")
	decl, empl, ok := strings.Cut(rest, "<h3>登记任职经历</h3>")
	if !ok {
		t.Fatal("no declaration and employment forms")
	}
	if strings.Contains(decl, "任职单位不存在") || !strings.Contains(empl, "任职单位不存在") {
		t.Fatal("the employment's message should stand beside the employment form only")
	}
	if !strings.Contains(empl, `value="99999999"`) || !strings.Contains(empl, `value="某某设计院"`) || !strings.Contains(empl, `value="2024-03-01"`) {
		t.Fatalf("the refused employment form lost what was typed:\n%s", empl)
	}
	if strings.Contains(decl, `value="某某设计院"`) {
		t.Fatal("the declaration form shows the employment's input")
	}
	if n := e.count(`SELECT COUNT(*) FROM expert_employments WHERE expert_id = ? AND org_name = '某某设计院'`, id); n != 0 {
		t.Fatalf("a refused employment was written (%d)", n)
	}

	r = page.postForm(fmt.Sprintf("/experts/%d/leaves", id), url.Values{"start": {"2031-05-10 08:00"}, "end": {"2031-05-01"}, "reason": {"外地出差"}})
	if body := r.Body.String(); r.Code == http.StatusSeeOther || !strings.Contains(body, `value="2031-05-10 08:00"`) || !strings.Contains(body, `value="外地出差"`) {
		t.Fatalf("the refused leave lost what was typed: %d", r.Code)
	}

	if err := expertpool.SeedDemo(context.Background(), e.deps.Experts); err != nil {
		t.Fatal(err)
	}
	me := e.browser("expert3")
	r = me.postForm("/experts/me/leaves", url.Values{"start": {"2031-05-10 08:00"}, "end": {"2031-05-01"}, "reason": {"外地出差"}})
	if body := r.Body.String(); r.Code == http.StatusSeeOther || !strings.Contains(body, `value="2031-05-10 08:00"`) || !strings.Contains(body, `value="外地出差"`) ||
		!strings.Contains(body, `id="phone" name="phone" value="1`) {
		t.Fatalf("the expert's refused leave lost what was typed, or the profile form its values: %d\n%s", r.Code, body)
	}
}
