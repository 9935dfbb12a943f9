package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/demo"
)

// tradingCtx is a context acting as username (for calling the service
// directly where no route exists, e.g. the schedule engine's side).
func tradingCtx(e *env, username string) context.Context {
	e.t.Helper()
	ctx := context.Background()
	users, err := e.deps.Accounts.ListUsers(ctx, accounts.UserFilter{Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == username {
			return audit.WithActor(ctx, u.Actor("127.0.0.1"))
		}
	}
	e.t.Fatalf("no user %s", username)
	return nil
}

var idPathRe = regexp.MustCompile(`/[0-9]+(/|$)`)

var volatileRe = regexp.MustCompile(`(?s)<div data-testid="questions">.*?</div>|"request_id":"[^"]*"|请求号：<span class="mono">[^<]*</span>|name="_csrf" value="[^"]*"|_csrf=[A-Za-z0-9_%-]+`)

// snapshot fetches every GET route of the trading area (and the workspace)
// as viewer, with every path parameter filled with each of ids.
func tradingSnapshot(t *testing.T, e *env, viewer *client, ids map[string][]int64) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range append(tradingAccess, access{method: "GET", path: "/workspace"}, access{method: "GET", path: "/api/v1/me"}) {
		if a.method != http.MethodGet {
			continue
		}
		var paths []string
		if strings.Contains(a.path, ":") {
			// The ids of the project under test, by the noun before the parameter.
			seg := strings.Split(a.path[:strings.Index(a.path, ":")-1], "/")
			for _, id := range ids[seg[len(seg)-1]] {
				paths = append(paths, paramRe.ReplaceAllString(a.path, fmt.Sprint(id)))
			}
			// Keyed by route and position, so that an id that does not exist
			// yet (before) and the real one (after) are compared.
			for i, p := range paths {
				r := viewer.call(http.MethodGet, p)
				if r.Code >= 500 {
					t.Errorf("GET %s as %s: %d %s", p, viewer.user, r.Code, r.Body.String())
				}
				out[fmt.Sprintf("%s#%d", a.path, i)] = fmt.Sprintf("%d %s", r.Code, volatileRe.ReplaceAllString(r.Body.String(), ""))
			}
			continue
		} else {
			paths = []string{a.path, a.path + "?status=open", a.path + "?status=submitted", a.path + "?status=published"}
		}
		for _, p := range paths {
			r := viewer.call(http.MethodGet, p)
			if r.Code >= 500 {
				t.Errorf("GET %s as %s: %d %s", p, viewer.user, r.Code, r.Body.String())
			}
			out[p] = fmt.Sprintf("%d %s", r.Code, volatileRe.ReplaceAllString(r.Body.String(), ""))
		}
	}
	return out
}

// TestTradingSealedBeforeOpening proves that before the opening no role
// learns through any trading page or API who signed up or submitted, how
// many did, or what: every GET route answers every role (and the public)
// exactly the same before and after three bidders sign up, pay deposits and
// submit bids, and no answer names a bidder, a deposit reference or a
// file's hash. After the lot closes, staff see all of it.
func TestTradingSealedBeforeOpening(t *testing.T) {
	e := newEnv(t)
	p := publishProject(t, e, uniqueTitle("密封性测试工程"))
	// Every id the routes could take: the project, its lots, the tender
	// announcement, and the ids the sign-ups and files will get.
	// Sign-ups and bid files get random ids; before they exist, the walk
	// uses ids that name nothing, after it the real ones.
	ids := map[string][]int64{"projects": {p.ID}, "announcements": {p.AnnID}, "lots": p.Lots}
	for i := int64(1); i <= 3; i++ {
		ids["signups"] = append(ids["signups"], 1<<39+i)
		ids["bids"] = append(ids["bids"], 1<<39+i)
	}

	// Observers: each role's demo user (bidder5 never takes part), browser and API, and the public.
	observers := map[string]*client{"public": e.anon()}
	for role, u := range demoUserOf {
		if role == bidder {
			u = "bidder5"
		}
		br := e.browser(u)
		br.get("/workspace") // shows and clears the login flash
		observers[role+"-browser"] = br
		observers[role+"-api"] = e.api(u)
	}
	before := map[string]map[string]string{}
	for name, c := range observers {
		before[name] = tradingSnapshot(t, e, c, ids)
	}

	secrets := []string{}
	for i, u := range []string{"bidder1", "bidder2", "bidder3"} {
		c := e.api(u)
		ref := fmt.Sprintf("SEALED-REF-%d-%d", p.ID, i)
		signUpAndDeposit(t, e, c, p.Lots[i%2], ref)
		content := fmt.Sprintf("密封报价 %d 元 by %s", 9000000+i, u)
		r := c.upload(fmt.Sprintf("/api/v1/bids/lots/%d/files", p.Lots[i%2]), fmt.Sprintf("报价-%s.pdf", u), strings.NewReader(content))
		if r.Code != http.StatusCreated {
			t.Fatalf("upload as %s: %d %s", u, r.Code, r.Body.String())
		}
		var rec struct{ SHA256 string }
		r.decode(t, &rec)
		secrets = append(secrets, ref, rec.SHA256, content, fmt.Sprintf("报价-%s.pdf", u))
		// The bid form (投标函): price, duration and quality, sealed too.
		r = c.json("PUT", fmt.Sprintf("/api/v1/bids/lots/%d/form", p.Lots[i%2]), map[string]string{
			"price": fmt.Sprintf("%d.37", 3654321+i*1111), "duration": fmt.Sprintf("密封工期%d日历天", 300+i), "quality": "密封质量标准" + u})
		if r.Code != http.StatusCreated {
			t.Fatalf("bid form as %s: %d %s", u, r.Code, r.Body.String())
		}
		var form struct {
			PriceFen  int64  `json:"price_fen"`
			PriceText string `json:"price"`
			SHA256    string
		}
		r.decode(t, &form)
		secrets = append(secrets, fmt.Sprintf("%d.37", 3654321+i*1111), form.PriceText, fmt.Sprint(form.PriceFen), form.SHA256,
			fmt.Sprintf("密封工期%d日历天", 300+i), "密封质量标准"+u)
	}
	// A question too: asking reveals interest.
	if r := e.api("bidder1").json("POST", fmt.Sprintf("/api/v1/projects/%d/questions", p.ID), map[string]string{"body": "第一标段工期能否调整？"}); r.Code != http.StatusCreated {
		t.Fatalf("question: %d %s", r.Code, r.Body.String())
	}
	// Bidder names: on this project's pages. (Lists across the centre may
	// name bidders of other projects that have been opened, which is why
	// they are held to the before/after equality and the per-project
	// secrets instead.)
	var names []string
	for _, o := range demo.Logins() {
		if o.Role == bidder && o.Username != "bidder5" {
			names = append(names, o.Org, o.Name, o.Username)
		}
	}

	var signupIDs, bidIDs []int64
	if err := e.db.Select(&signupIDs, `SELECT id FROM trading_signups WHERE project_id = ? ORDER BY created_at, id`, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Select(&bidIDs, `SELECT id FROM trading_bid_files WHERE project_id = ? ORDER BY created_at, id`, p.ID); err != nil {
		t.Fatal(err)
	}
	ids["signups"], ids["bids"] = signupIDs, bidIDs
	if len(ids["signups"]) != 3 || len(ids["bids"]) != 3 {
		t.Fatalf("ids %v", ids)
	}
	// The public page cache must not hide a change.
	portalCachesMu.Lock()
	delete(portalCaches, e.srv)
	portalCachesMu.Unlock()
	for name, c := range observers {
		after := tradingSnapshot(t, e, c, ids)
		for path, body := range after {
			// The agency is meant to read the question (never who asked):
			// that page changes by design.
			questions := strings.Contains(path, "/questions")
			if !questions && before[name][path] != body {
				t.Errorf("%s sees a change on GET %s after bidders took part:\nbefore %.300s\nafter  %.300s", name, path, before[name][path], body)
			}
			check := secrets
			if strings.Contains(path, "#") {
				check = append(append([]string(nil), secrets...), names...)
			}
			for _, s := range check {
				if strings.Contains(body, s) {
					t.Errorf("%s sees %q on GET %s", name, s, path)
				}
			}
		}
	}
	// The supervisors' audit trail holds sealed events only: no project, actor or content.
	sup := e.api("supervisor")
	var trail strings.Builder
	for _, action := range []string{"trading.sealed", "trading.project.publish", "trading.lot.close"} {
		r := sup.json("GET", "/api/v1/audit/events?limit=500&action="+action, nil)
		trail.WriteString(r.Body.String())
	}
	for _, s := range append(secrets, names...) {
		if strings.Contains(trail.String(), s) {
			t.Errorf("the audit trail shows %q", s)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'trading.sealed' AND (project_id IS NOT NULL OR actor <> 'sealed' OR actor_user_id IS NOT NULL OR org_id IS NOT NULL OR ip <> '')`); n != 0 {
		t.Errorf("%d sealed audit events name a project or an actor", n)
	}
	// Nor can their sizes tell a sign-up from a deposit, a bid or a
	// withdrawal: every sealed event seals to the same length.
	var sizes []int
	if err := e.db.Select(&sizes, `SELECT DISTINCT LENGTH(summary) FROM audit_events WHERE action = 'trading.sealed'`); err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 1 {
		t.Errorf("sealed audit events come in %d sizes (%v): the size tells their kind", len(sizes), sizes)
	}

	// At the deadline the lots close; staff now see everything.
	e.clock.Set(sh("2026-03-30 09:30"))
	for _, l := range p.Lots {
		if err := e.deps.Trading.CloseSubmissions(context.Background(), l); err != nil {
			t.Fatal(err)
		}
	}
	var all strings.Builder
	for _, l := range p.Lots {
		r := e.browser("staff").get(fmt.Sprintf("/staff/lots/%d", l))
		all.WriteString(r.Body.String())
	}
	for _, o := range []string{"示范第一建设集团有限公司", "宏达路桥工程有限公司", "安居建筑安装有限公司"} {
		if !strings.Contains(all.String(), o) {
			t.Errorf("after the opening staff do not see %s", o)
		}
	}
}
