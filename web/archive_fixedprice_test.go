package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"ggzy/trading"
)

// publishedSelection registers and publishes a fixed-price selection
// (control price ¥1,000,000.00, 5% down, so ¥950,000.00) through the API.
func publishedSelection(t *testing.T, e *env, title string) trading.Selection {
	t.Helper()
	ag := e.api("agency")
	body := fpBody("1,000,000.00", "5")
	body["title"] = title
	r := ag.json(http.MethodPost, "/api/v1/fixedprice/selections", body)
	if r.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", r.Code, r.Body)
	}
	var sv fpSelJSON
	r.decode(t, &sv)
	if r := ag.json(http.MethodPost, fmt.Sprintf("/api/v1/fixedprice/selections/%d/publish", sv.Selection.ID), nil); r.Code != http.StatusOK {
		t.Fatalf("publish: %d %s", r.Code, r.Body)
	}
	return sv.Selection
}

// TestSupervisionArchiveFixedPrice: the archive page of a fixed-price
// selection (固定价比选) shows what applies to it — its publication as its
// entry (no staff acceptance), its application window and terms instead of
// a rule version, its applications, pool and draw instead of lots — and
// the draw's secret only once drawn. It showed an empty 标段（包） section,
// 尚未提交，未适用规则版本 and 尚无受理记录 next to an acceptance time (found
// by an exploratory run).
func TestSupervisionArchiveFixedPrice(t *testing.T) {
	e := newEnv(t)
	withoutWinLimits(t, e)
	sel := publishedSelection(t, e, uniqueTitle("档案固定价比选排水沟工程"))
	base := fmt.Sprintf("/api/v1/fixedprice/selections/%d", sel.ID)
	stamp := time.Now().UnixNano() % 1_000_000
	for i, u := range []string{"bidder1", "bidder2"} {
		app := map[string]string{"qualification": "水利水电工程施工总承包三级", "safety_licence": "(闽)JZ安许证字[2021]000777",
			"manager_name": "王工", "manager_cert": fmt.Sprintf("闽ARC%06d%d", stamp, i)}
		if r := e.api(u).json(http.MethodPost, base+"/applications", app); r.Code != http.StatusCreated {
			t.Fatalf("%s applies: %d %s", u, r.Code, r.Body)
		}
	}
	var apps struct{ Applications []trading.Application }
	e.api("staff").json(http.MethodGet, base+"/applications", nil).decode(t, &apps)
	if len(apps.Applications) != 2 {
		t.Fatalf("%d applications", len(apps.Applications))
	}
	page := fmt.Sprintf("/supervision/projects/%d", sel.ProjectID)
	archive := func(when string) string {
		t.Helper()
		r := e.browser("supervisor").get(page) // a new sign-in: the clock moves by days
		if r.Code != http.StatusOK {
			t.Fatalf("%s: archive page %d", when, r.Code)
		}
		return r.Body.String()
	}

	body := archive("window open")
	for _, wrong := range []string{"尚未提交，未适用规则版本", "尚无受理记录", "<h2>标段（包）</h2>", "招标人（采购人、出让人）", "开标（交易）地点"} {
		if strings.Contains(body, wrong) {
			t.Errorf("the archive of a published selection says %q", wrong)
		}
	}
	for _, want := range []string{
		fmt.Sprintf(`href="/fixedprice/%d"`, sel.ID), "发布比选公告（进场）", "固定价比选不经交易中心受理审查", "申请期与适用规则",
		"¥950,000.00", "建设单位：示范县水利局", "抽取地点：固定价比选项目抽取室", "申请及资格审查（2份）",
		apps.Applications[0].OrgName, apps.Applications[1].OrgName, "入围名单尚未固定",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the archive of a published selection lacks %q", want)
		}
	}

	// The window closes, staff qualify both, the pool is frozen and two
	// witnesses enter their numbers: the pool and the commitment are
	// public, the secret is not.
	e.clock.Set(sel.ApplyUntil)
	st := e.api("staff")
	for _, a := range apps.Applications {
		if r := st.json(http.MethodPost, fmt.Sprintf("/api/v1/fixedprice/applications/%d/review", a.ID), map[string]any{"qualified": true}); r.Code != http.StatusNoContent {
			t.Fatalf("review: %d %s", r.Code, r.Body)
		}
	}
	mustOK(t, st.json(http.MethodPost, base+"/draw/prepare", nil))
	for _, w := range []map[string]string{{"name": "王监督", "role": "监督人员", "numbers": "17 4"}, {"name": "赵代表", "role": "建设单位代表", "numbers": "2026"}} {
		mustOK(t, e.api("supervisor").json(http.MethodPost, base+"/draw/witnesses", w))
	}
	var room trading.DrawRoom
	e.anon().get(base+"/draw").decode(t, &room)
	if room.Draw == nil || room.Draw.Secret != "" {
		t.Fatalf("room before the draw: %+v", room.Draw)
	}
	before := archive("pool frozen")
	for _, want := range []string{room.Draw.PoolHash, room.Draw.Commitment, "王监督", "尚未抽取：服务器密钥保密至抽取时揭示"} {
		if !strings.Contains(before, want) {
			t.Errorf("the archive of a frozen pool lacks %q", want)
		}
	}

	mustOK(t, st.json(http.MethodPost, base+"/draw/run", nil))
	e.anon().get(base+"/draw").decode(t, &room)
	if room.Step != 3 || room.Draw.Secret == "" || len(room.Ranked) == 0 {
		t.Fatalf("room after the draw: %+v", room)
	}
	if strings.Contains(before, room.Draw.Secret) {
		t.Error("the archive showed the draw's secret before the draw")
	}
	after := archive("drawn")
	awards := after[strings.Index(after, `data-testid="fp-awards"`):]
	for _, want := range []string{room.Draw.Secret, room.Draw.Key, "中选人</td><td>" + room.Ranked[0].Name} {
		if !strings.Contains(after, want) && !strings.Contains(awards, want) {
			t.Errorf("the archive of a drawn selection lacks %q", want)
		}
	}
}
