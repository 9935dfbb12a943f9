package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ggzy/idcode"
	"ggzy/lottery"
	"ggzy/trading"
)

// orgOf returns the organisation id and 统一社会信用代码 of a demo user's unit.
func orgOf(t testing.TB, e *env, username string) (int64, string) {
	t.Helper()
	var o struct {
		ID   int64  `db:"id"`
		USCC string `db:"uscc"`
	}
	if err := e.db.Get(&o, `SELECT o.id, o.uscc FROM organisations o JOIN users u ON u.org_id = o.id WHERE u.username = ?`, username); err != nil {
		t.Fatal(err)
	}
	return o.ID, o.USCC
}

// acceptedInvited registers an invited project of body's kind and has it
// accepted, ready for its invitations and its publication.
func acceptedInvited(t testing.TB, e *env, body map[string]any) int64 {
	t.Helper()
	body["method"] = trading.MethodInvited
	return acceptedBody(t, e, body)
}

// acceptedBody registers body as the agency and has staff accept it.
func acceptedBody(t testing.TB, e *env, body map[string]any) int64 {
	t.Helper()
	ag := e.api("agency")
	r := ag.json("POST", "/api/v1/projects", body)
	if r.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Code, r.Body.String())
	}
	var p trading.Project
	r.decode(t, &p)
	if r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/submit", p.ID), nil); r.Code != http.StatusOK {
		t.Fatalf("submit: %d %s", r.Code, r.Body.String())
	}
	if r = e.api("staff").json("POST", fmt.Sprintf("/api/v1/projects/%d/review", p.ID), map[string]any{"accept": true}); r.Code != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Code, r.Body.String())
	}
	return p.ID
}

// publishAccepted publishes an accepted project and returns its ids.
func publishAccepted(t testing.TB, e *env, id int64) createdProject {
	t.Helper()
	r := e.api("agency").json("POST", fmt.Sprintf("/api/v1/projects/%d/publish", id), map[string]any{})
	if r.Code != http.StatusOK {
		t.Fatalf("publish: %d %s", r.Code, r.Body.String())
	}
	var res struct{ Project trading.Project }
	r.decode(t, &res)
	out := createdProject{ID: id, Code: res.Project.Code}
	for _, l := range res.Project.Lots {
		out.Lots = append(out.Lots, l.ID)
	}
	if err := e.db.Get(&out.AnnID, `SELECT id FROM trading_announcements WHERE project_id = ? AND type = 'tender'`, id); err != nil {
		t.Fatal(err)
	}
	return out
}

// invitedEngineering publishes an invited engineering project whose
// invitees are the units of users.
func invitedEngineering(t testing.TB, e *env, title string, users ...string) createdProject {
	t.Helper()
	id := acceptedInvited(t, e, engineeringProject(title))
	var codes []string
	for _, u := range users {
		_, c := orgOf(t, e, u)
		codes = append(codes, c)
	}
	if r := e.api("agency").json("PUT", fmt.Sprintf("/api/v1/projects/%d/invitations", id), map[string]any{"candidates": codes}); r.Code != http.StatusOK {
		t.Fatalf("invitations: %d %s", r.Code, r.Body.String())
	}
	return publishAccepted(t, e, id)
}

func fieldCodes(t testing.TB, r response) map[string]string {
	t.Helper()
	var e apiError
	r.decode(t, &e)
	out := map[string]string{}
	for _, f := range e.Error.Fields {
		out[f.Name] = f.Code
	}
	return out
}

// validUSCC completes a 17-character prefix with its check character.
func validUSCC(t testing.TB, prefix string) string {
	t.Helper()
	c, err := idcode.USCCCheckChar(prefix)
	if err != nil {
		t.Fatal(err)
	}
	return prefix + string(c)
}

func TestInvitedProcurementDrawIsVerifiableAndFixed(t *testing.T) {
	e := newEnv(t)
	id := acceptedInvited(t, e, projectBody(e, trading.Procurement, uniqueTitle("示范市教育局实验室设备邀请招标采购")))
	ag := e.api("agency")
	path := fmt.Sprintf("/api/v1/projects/%d/invitations", id)
	var codes []string
	orgByCode := map[string]int64{}
	for _, u := range []string{"bidder1", "bidder2", "bidder3", "bidder4", "bidder5"} {
		o, c := orgOf(t, e, u)
		codes, orgByCode[c] = append(codes, c), o
	}
	_, agencyCode := orgOf(t, e, "agency")
	br := e.browser("agency")
	page := fmt.Sprintf("/projects/%d/invitations", id)
	if r := br.get(page); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "录入候选供应商") || strings.Contains(r.Body.String(), `data-testid="draw-form"`) {
		t.Errorf("empty invitations page: %d", r.Code)
	}

	// Bad entries are named one by one: a wrong check character, a code no
	// unit holds, a unit that is not a bidder, a repeated code; and the count.
	wrongCheck := codes[0][:17] + "0"
	if wrongCheck == codes[0] {
		wrongCheck = codes[0][:17] + "1"
	}
	bad := append(append([]string(nil), codes...), wrongCheck, validUSCC(t, "91330100MA0099999"), agencyCode, codes[0], "  ")
	r := ag.json("PUT", path, map[string]any{"candidates": bad, "count": 2})
	if r.Code != http.StatusBadRequest {
		t.Fatalf("bad candidates: %d %s", r.Code, r.Body.String())
	}
	want := map[string]string{"candidate6": "uscc_checksum", "candidate7": "candidate_unknown", "candidate8": "candidate_unknown",
		"candidate9": "candidate_duplicate", "count": "invite_count_min", "source": "required"}
	if got := fieldCodes(t, r); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("field errors %v, want %v", got, want)
	}
	if r = ag.json("PUT", path, map[string]any{"candidates": codes[:3], "count": 4}); r.Code != http.StatusBadRequest || fieldCodes(t, r)["count"] != "invite_count_over" {
		t.Errorf("count over the candidates: %d %s", r.Code, r.Body.String())
	}
	// Where the candidates came from (财政部令第87号第十四条): from the supplier
	// database or a written recommendation the pool must hold twice the
	// count — 5 candidates do not make a draw of 3.
	for _, src := range []string{trading.SourceLibrary, trading.SourceRecommend} {
		r = ag.json("PUT", path, map[string]any{"candidates": codes, "count": 3, "source": src})
		if r.Code != http.StatusBadRequest || fieldCodes(t, r)["candidates"] != "invite_pool_too_small" ||
			!strings.Contains(r.Body.String(), "至少应有6家候选，现有5家") || !strings.Contains(r.Body.String(), "第十四条") {
			t.Errorf("%s pool of 5 for 3: %d %s", src, r.Code, r.Body.String())
		}
	}
	if r = ag.json("PUT", path, map[string]any{"candidates": codes, "count": 3, "source": "friends"}); r.Code != http.StatusBadRequest ||
		fieldCodes(t, r)["source"] != "invite_source_unknown" {
		t.Errorf("unknown source: %d %s", r.Code, r.Body.String())
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_invitations WHERE project_id = ?`, id); n != 0 {
		t.Fatalf("a refused entry wrote %d rows", n)
	}

	// Publication refuses an invited procurement project without its draw.
	r = ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/publish", id), map[string]any{})
	if r.Code != http.StatusBadRequest || fieldCodes(t, r)["invitees"] != "rule_proc.invited_draw" || !strings.Contains(r.Body.String(), "《政府采购法》第三十四条") {
		t.Fatalf("publish before the draw: %d %s", r.Code, r.Body.String())
	}

	// The pool is frozen with its hash and the commitment, before any number.
	r = ag.json("PUT", path, map[string]any{"candidates": codes, "count": 3, "source": trading.SourcePrequal})
	if r.Code != http.StatusOK {
		t.Fatalf("candidates: %d %s", r.Code, r.Body.String())
	}
	var iv trading.Invitations
	r.decode(t, &iv)
	if iv.Mode != trading.InviteDraw || iv.Status != trading.InvitationPrepared || iv.Draw == nil || iv.Draw.Secret != "" || len(iv.Invitees) != 0 ||
		len(iv.Candidates) != 5 || iv.Draw.PoolSize != 5 || iv.Draw.Count != 3 || iv.Draw.Source != trading.SourcePrequal ||
		!strings.Contains(iv.Draw.PoolDoc, "\nsource prequal\n") || len(iv.Draw.Supervisors) != 0 {
		t.Fatalf("prepared: %+v", iv)
	}
	prepared := *iv.Draw
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'trading.invitation.set' AND project_id = ? AND summary LIKE ? AND summary LIKE ?`,
		id, "%"+prepared.PoolHash+"%", "%"+prepared.Commitment+"%"); n != 1 {
		t.Errorf("%d audit events record the pool hash and the commitment", n)
	}

	if r = br.get(page); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), prepared.Commitment) || !strings.Contains(r.Body.String(), `data-testid="draw-form"`) ||
		!strings.Contains(r.Body.String(), "发布资格预审公告征集") {
		t.Errorf("prepared invitations page: %d", r.Code)
	}
	// On the page, every error at once: a bad number line and one supervisor.
	if r = br.postForm(fmt.Sprintf("/agency/projects/%d/invitations/draw", id), url.Values{"numbers": {"12 abc"}, "supervisors": {"王芳"}}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.Body.String(), "第1位见证人") || !strings.Contains(r.Body.String(), "不少于两名采购人工作人员在场监督") ||
		!strings.Contains(r.Body.String(), "王芳") {
		t.Errorf("page draw with bad numbers and one supervisor: %d", r.Code)
	}
	// Witness numbers and supervisors are checked; then the draw.
	draw := path + "/draw"
	if r = ag.json("POST", draw, map[string]any{"numbers": []string{"12 x"}, "supervisors": []string{"王芳", "李强"}}); r.Code != http.StatusBadRequest || fieldCodes(t, r)["numbers1"] == "" {
		t.Errorf("bad witness numbers: %d %s", r.Code, r.Body.String())
	}
	for _, c := range []struct {
		supervisors []string
		field, code string
	}{
		{nil, "supervisors", "supervisors_too_few"},
		{[]string{"王芳", "  "}, "supervisors", "supervisors_too_few"},
		{[]string{"王芳", " 王芳 "}, "supervisor2", "supervisor_duplicate"},
	} {
		r = ag.json("POST", draw, map[string]any{"numbers": []string{"31 7 2026", "88"}, "supervisors": c.supervisors})
		if r.Code != http.StatusBadRequest || fieldCodes(t, r)[c.field] != c.code {
			t.Errorf("supervisors %q: %d %s", c.supervisors, r.Code, r.Body.String())
		}
		if c.code == "supervisors_too_few" && !strings.Contains(r.Body.String(), "财政部令第87号") {
			t.Errorf("supervisors %q: the refusal does not name its basis: %s", c.supervisors, r.Body.String())
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM trading_invitees WHERE project_id = ?`, id); n != 0 {
		t.Fatalf("a refused draw wrote %d invitees", n)
	}
	if r = ag.json("POST", draw, map[string]any{"numbers": []string{"31 7 2026", "88"}, "supervisors": []string{"王芳", " 李  强 "}}); r.Code != http.StatusOK {
		t.Fatalf("draw: %d %s", r.Code, r.Body.String())
	}
	r.decode(t, &iv)
	d := iv.Draw
	if iv.Status != trading.InvitationDrawn || !iv.Fixed || len(iv.Invitees) != 3 || iv.Verification == nil || !iv.Verification.OK {
		t.Fatalf("drawn: %+v", iv)
	}
	if fmt.Sprint(d.Supervisors) != "[王芳 李 强]" || d.Source != trading.SourcePrequal {
		t.Errorf("draw record: supervisors %q, source %q", d.Supervisors, d.Source)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'trading.invitation.draw' AND project_id = ? AND summary LIKE ?`, id, "%王芳%李 强%"); n != 1 {
		t.Errorf("%d draw events record the supervisors", n)
	}
	if r = br.get(page); !strings.Contains(r.Body.String(), `data-testid="supervisors">王芳、李 强<`) {
		t.Errorf("the page does not show the supervisors")
	}
	if d.PoolHash != prepared.PoolHash || d.Commitment != prepared.Commitment {
		t.Errorf("the draw changed the recorded pool or commitment")
	}

	// Anyone can recompute the draw from the record.
	if sum := sha256.Sum256([]byte(d.PoolDoc)); hex.EncodeToString(sum[:]) != d.PoolHash {
		t.Errorf("pool hash does not match the pool document")
	}
	if sum := sha256.Sum256([]byte(d.Secret)); hex.EncodeToString(sum[:]) != d.Commitment {
		t.Errorf("the revealed secret does not match the commitment")
	}
	key, err := lottery.KeyFromStrings(append(append([]string(nil), d.Sources...), d.Secret))
	if err != nil || key != d.Key {
		t.Fatalf("key %q (%v), recorded %q", key, err, d.Key)
	}
	order, err := lottery.Select(key, d.PoolSize, d.Count)
	if err != nil || fmt.Sprint(order) != fmt.Sprint(d.Result) {
		t.Fatalf("order %v (%v), recorded %v", order, err, d.Result)
	}
	invited := map[int64]bool{}
	for i, n := range order {
		c := iv.Candidates[n-1]
		if iv.Invitees[i].OrgID != c.OrgID || orgByCode[c.USCC] != c.OrgID || !strings.Contains(d.PoolDoc, c.USCC) {
			t.Errorf("invitee %d is %+v, candidate %d is %+v", i+1, iv.Invitees[i], n, c)
		}
		invited[c.OrgID] = true
	}

	// Fixed: no new candidates, no second draw.
	if r = ag.json("PUT", path, map[string]any{"candidates": codes, "count": 4, "source": trading.SourcePrequal}); r.Code != http.StatusConflict || r.errorCode(t) != "invitations_fixed" {
		t.Errorf("change after the draw: %d %s", r.Code, r.Body.String())
	}
	if r = ag.json("POST", draw, map[string]any{"numbers": []string{"1"}, "supervisors": []string{"王芳", "李强"}}); r.Code != http.StatusConflict || r.errorCode(t) != "invitations_fixed" {
		t.Errorf("second draw: %d %s", r.Code, r.Body.String())
	}
	p := publishAccepted(t, e, id)
	if r = ag.json("GET", path, nil); r.Code != http.StatusOK {
		t.Fatalf("get: %d", r.Code)
	}
	var after trading.Invitations
	r.decode(t, &after)
	if fmt.Sprint(after.Invitees) != fmt.Sprint(iv.Invitees) || after.Draw.Key != d.Key || !after.Verification.OK {
		t.Errorf("the record changed at publication")
	}
	// Staff and supervisors see the record; another agency does not.
	for _, u := range []string{"staff", "supervisor", "admin"} {
		if r = e.api(u).json("GET", path, nil); r.Code != http.StatusOK {
			t.Errorf("%s: %d", u, r.Code)
		}
	}
	if r = e.api("agency2").json("GET", path, nil); r.Code != http.StatusNotFound {
		t.Errorf("agency2: %d", r.Code)
	}
	if r = br.get(page); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), d.Secret) ||
		!strings.Contains(r.Body.String(), "名单已固定") {
		t.Errorf("invitations page: %d", r.Code)
	}

	// Only invitees sign up; each finds its invitation.
	var in, out []string
	for _, u := range []string{"bidder1", "bidder2", "bidder3", "bidder4", "bidder5"} {
		if o, _ := orgOf(t, e, u); invited[o] {
			in = append(in, u)
		} else {
			out = append(out, u)
		}
	}
	for _, u := range out {
		c := e.api(u)
		r = c.json("POST", "/api/v1/signups", map[string]any{"lot_id": p.Lots[0]})
		if r.Code != http.StatusForbidden || r.errorCode(t) != "not_invited" || !strings.Contains(r.Body.String(), "邀请") {
			t.Errorf("%s (not invited) signs up: %d %s", u, r.Code, r.Body.String())
		}
		if r = c.json("GET", "/api/v1/invitations", nil); r.Code != http.StatusOK || strings.Contains(r.Body.String(), p.Code) {
			t.Errorf("%s sees an invitation it did not get: %s", u, r.Body.String())
		}
	}
	for _, u := range in {
		c := e.api(u)
		var got struct{ Invitations []trading.Invitation }
		c.json("GET", "/api/v1/invitations", nil).decode(t, &got)
		// Other tests' invitations may be listed too (the package's tests
		// share the demo bidders): find this project's.
		var mine *trading.Invitation
		for i := range got.Invitations {
			if got.Invitations[i].Code == p.Code {
				mine = &got.Invitations[i]
			}
		}
		if mine == nil || len(mine.Lots) != 1 || mine.Lots[0].ID != p.Lots[0] || mine.Deadline.IsZero() || !mine.SignupOpen || mine.AnnouncementID != p.AnnID {
			t.Errorf("%s invitations: %+v", u, got.Invitations)
		}
		if r = c.json("POST", "/api/v1/signups", map[string]any{"lot_id": p.Lots[0]}); r.Code != http.StatusCreated {
			t.Errorf("%s (invited) signs up: %d %s", u, r.Code, r.Body.String())
		}
		if r = e.browser(u).get("/bidder/invitations"); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), p.Code) || !strings.Contains(r.Body.String(), "投标邀请书") {
			t.Errorf("%s invitations page: %d", u, r.Code)
		}
	}

	// The public page says it is invited and names no invitee.
	r = e.anon().get(fmt.Sprintf("/announcements/%d", p.AnnID))
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "邀请招标") || !strings.Contains(r.Body.String(), "只有收到投标邀请书") {
		t.Errorf("public page: %d", r.Code)
	}
	for _, c := range iv.Candidates {
		if strings.Contains(r.Body.String(), c.Name) || strings.Contains(r.Body.String(), c.USCC) {
			t.Errorf("the public page names candidate %s", c.Name)
		}
	}
}

func TestInvitedEngineeringNamedDirectly(t *testing.T) {
	e := newEnv(t)
	id := acceptedInvited(t, e, engineeringProject(uniqueTitle("示范市体育馆修缮邀请招标工程")))
	ag := e.api("agency")
	path := fmt.Sprintf("/api/v1/projects/%d/invitations", id)
	_, c1 := orgOf(t, e, "bidder1")
	_, c2 := orgOf(t, e, "bidder2")
	_, c3 := orgOf(t, e, "bidder3")

	// Publication refuses fewer than three invitees, naming the rule and its basis.
	for _, cands := range [][]string{nil, {c1, c2}} {
		if cands != nil {
			r := ag.json("PUT", path, map[string]any{"candidates": cands})
			if r.Code != http.StatusBadRequest || fieldCodes(t, r)["candidates"] != "invitees_too_few" {
				t.Errorf("two invitees: %d %s", r.Code, r.Body.String())
			}
		}
		r := ag.json("POST", fmt.Sprintf("/api/v1/projects/%d/publish", id), map[string]any{})
		if r.Code != http.StatusBadRequest || fieldCodes(t, r)["invitees"] != "rule_eng.invited_min" || !strings.Contains(r.Body.String(), "《招标投标法》第十七条") {
			t.Errorf("publish with %d invitees: %d %s", len(cands), r.Code, r.Body.String())
		}
	}

	// The agency's form: one code a line, bad lines named.
	br := e.browser("agency")
	r := br.postForm(fmt.Sprintf("/agency/projects/%d/invitations", id), url.Values{"candidates": {c1 + "\n91330100MA00002ZZZ\n" + c3}})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "第2行") {
		t.Errorf("form with a bad line: %d", r.Code)
	}
	r = br.postForm(fmt.Sprintf("/agency/projects/%d/invitations", id), url.Values{"candidates": {c1 + "\r\n" + c2 + "\r\n\r\n" + c3 + "\r\n"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("form: %d %s", r.Code, r.Body.String())
	}
	var iv trading.Invitations
	ag.json("GET", path, nil).decode(t, &iv)
	if iv.Mode != trading.InviteDirect || iv.Status != trading.InvitationNamed || len(iv.Invitees) != 3 || iv.Draw != nil || iv.Fixed {
		t.Fatalf("named: %+v", iv)
	}
	if r = ag.json("POST", path+"/draw", map[string]any{"numbers": []string{"1"}, "supervisors": []string{"王芳", "李强"}}); r.Code != http.StatusConflict || r.errorCode(t) != "invitation_not_prepared" {
		t.Errorf("draw on engineering: %d %s", r.Code, r.Body.String())
	}
	p := publishAccepted(t, e, id)
	if r = ag.json("PUT", path, map[string]any{"candidates": []string{c1, c2, c3}}); r.Code != http.StatusConflict || r.errorCode(t) != "invitations_fixed" {
		t.Errorf("change after publication: %d %s", r.Code, r.Body.String())
	}

	if r = e.api("bidder4").json("POST", "/api/v1/signups", map[string]any{"lot_id": p.Lots[1], "declared": declaredAll()}); r.Code != http.StatusForbidden || r.errorCode(t) != "not_invited" {
		t.Errorf("bidder4 (not invited): %d %s", r.Code, r.Body.String())
	}
	// The page form answers the same, in Chinese.
	b4 := e.browser("bidder4")
	if r = b4.get(fmt.Sprintf("/bidder/lots/%d", p.Lots[1])); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "只有收到投标邀请书的单位可以报名") {
		t.Errorf("lot page: %d", r.Code)
	}
	r = b4.postForm(fmt.Sprintf("/bidder/lots/%d/signup", p.Lots[1]), url.Values{"declare1": {"yes"}, "declare2": {"yes"}})
	if r.Code != http.StatusForbidden || !strings.Contains(r.Body.String(), "本项目采用邀请招标") {
		t.Errorf("bidder4 page sign-up: %d", r.Code)
	}
	signUpAndDeposit(t, e, e.api("bidder2"), p.Lots[1], "EG-INV-0002")
	// An open project keeps taking anyone.
	o := publishProject(t, e, uniqueTitle("公开招标对照工程"))
	if r = e.api("bidder4").json("POST", "/api/v1/signups", map[string]any{"lot_id": o.Lots[0], "declared": declaredAll()}); r.Code != http.StatusCreated {
		t.Errorf("open project: %d %s", r.Code, r.Body.String())
	}
}
