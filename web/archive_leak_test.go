package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The supervisor's own reads, which every look at the archive adds; the
// comparisons below leave them out.
var archiveOwnReads = map[string]bool{"audit.read": true, "archive.read": true, "archive.list": true, "archive.export": true}

var archiveEventsTableRe = regexp.MustCompile(`(?s)<table data-testid="events">.*?</table>`)

// The action's code, after its name (TestAuditActionNamesShown).
var archiveEventActionRe = regexp.MustCompile(`<span class="mono">([a-z_]+(?:\.[a-z_]+)+)</span></td>`)

// archiveView is what a supervisor sees of a project's archive, with the
// traces of his own reads taken out: the list (filtered to the project),
// the page without its events table, the events the page lists, and the
// export's events and manifest.
type archiveView struct {
	list, page, pageEvents, events, manifest string
}

func archiveViewOf(t *testing.T, e *env, title string, projectID int64) archiveView {
	t.Helper()
	sup := e.browser("supervisor")
	var v archiveView
	for _, q := range []string{"?q=" + url.QueryEscape(title), "?outcome=retender&q=" + url.QueryEscape(title), "?status=published&q=" + url.QueryEscape(title)} {
		r := sup.get("/supervision/projects" + q)
		if r.Code != http.StatusOK {
			t.Fatalf("list %s: %d", q, r.Code)
		}
		v.list += volatileRe.ReplaceAllString(r.Body.String(), "") + "\n"
	}
	r := sup.get(fmt.Sprintf("/supervision/projects/%d", projectID))
	if r.Code != http.StatusOK {
		t.Fatalf("page: %d", r.Code)
	}
	body := volatileRe.ReplaceAllString(r.Body.String(), "")
	var actions []string
	for _, m := range archiveEventActionRe.FindAllStringSubmatch(archiveEventsTableRe.FindString(body), -1) {
		if !archiveOwnReads[m[1]] {
			actions = append(actions, m[1])
		}
	}
	v.pageEvents = strings.Join(actions, " ")
	v.page = archiveEventsTableRe.ReplaceAllString(body, "")

	a := readArchive(t, e.api("supervisor").get(fmt.Sprintf("/api/v1/supervision/projects/%d/archive", projectID)))
	var ev struct {
		Events []archiveEvent `json:"events"`
	}
	if err := json.Unmarshal(a.files["events.json"], &ev); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, x := range ev.Events {
		if archiveOwnReads[x.Action] {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s %s %s %s/%s %s %s", x.OccurredAt, x.Actor, x.Role, x.ObjectType, x.ObjectID, x.Action, x.Summary))
	}
	v.events = strings.Join(lines, "\n")
	m := a.manifest
	m.AuditHead = auditHead{}
	for i := range m.Files {
		if m.Files[i].Name == "events.json" {
			m.Files[i].SHA256, m.Files[i].Size = "", 0
		}
	}
	mb, _ := json.Marshal(m)
	v.manifest = string(mb)
	return v
}

// TestSupervisionArchiveSameBeforeAndAfterBidders: before the opening a
// supervisor's archive — the list with its outcome filter, the project's
// page, the events it lists and the export's events.json and manifest —
// is the same whether or not anyone signed up, paid a deposit, submitted
// a bid file and a bid form, asked a question or withdrew a sign-up: it
// says neither who nor how many.
func TestSupervisionArchiveSameBeforeAndAfterBidders(t *testing.T) {
	e := newEnv(t)
	title := uniqueTitle("档案密封对照工程")
	p := publishProject(t, e, title)
	before := archiveViewOf(t, e, title, p.ID)
	if !strings.Contains(before.list, title) || !strings.Contains(before.page, p.Code) || !strings.Contains(before.pageEvents, "trading.project.publish") ||
		!strings.Contains(before.events, "trading.project.publish") || !strings.Contains(before.manifest, p.Code) {
		t.Fatalf("the archive does not show the project: %+v", before)
	}

	for i, u := range []string{"bidder1", "bidder2", "bidder3"} {
		takePart(t, e, e.api(u), p.Lots[i%2], fmt.Sprintf("ARCH-SEALED-%d-%d", p.ID, i))
	}
	if r := e.api("bidder1").json(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/questions", p.ID), map[string]string{"body": "第二标段能否分期施工？"}); r.Code != http.StatusCreated {
		t.Fatalf("question: %d %s", r.Code, r.Body.String())
	}
	b4 := e.api("bidder4")
	id := takePart(t, e, b4, p.Lots[0], fmt.Sprintf("ARCH-SEALED-%d-w", p.ID))
	if r := b4.json(http.MethodPost, fmt.Sprintf("/api/v1/signups/%d/withdraw", id), nil); r.Code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.Code, r.Body.String())
	}

	after := archiveViewOf(t, e, title, p.ID)
	for _, c := range []struct{ what, before, after string }{
		{"list", before.list, after.list}, {"page", before.page, after.page}, {"page events", before.pageEvents, after.pageEvents},
		{"events.json", before.events, after.events}, {"manifest.json", before.manifest, after.manifest},
	} {
		if c.before != c.after {
			t.Errorf("the archive's %s changed when bidders took part before the opening:\nbefore %.2000s\nafter  %.2000s", c.what, c.before, c.after)
		}
	}
}

// TestSupervisionArchiveEveryReadRecorded: each look at the archive is on
// the record, the list included (which projects it showed, for which
// search), as well as the project's page and its export.
func TestSupervisionArchiveEveryReadRecorded(t *testing.T) {
	e := newEnv(t)
	title := uniqueTitle("档案查阅留痕工程")
	p := publishProject(t, e, title)
	sup := e.browser("supervisor")
	reads := func(action string, project bool) int {
		q := `SELECT COUNT(*) FROM audit_events WHERE action = ? AND actor = 'supervisor' AND role = 'supervisor'`
		args := []any{action}
		if project {
			q += ` AND project_id = ?`
			args = append(args, p.ID)
		}
		return e.count(q, args...)
	}

	lists := reads("archive.list", false)
	if r := sup.get("/supervision/projects?kind=engineering&q=" + url.QueryEscape(title)); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), title) {
		t.Fatalf("list: %d", r.Code)
	}
	if n := reads("archive.list", false); n != lists+1 {
		t.Fatalf("the list read left %d events, want 1", n-lists)
	}
	var ev struct {
		ObjectID string `db:"object_id"`
		Summary  string `db:"summary"`
	}
	if err := e.db.Get(&ev, `SELECT object_id, summary FROM audit_events WHERE action = 'archive.list' AND actor = 'supervisor' ORDER BY id DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Kind     string  `json:"kind"`
		Q        string  `json:"q"`
		Total    int     `json:"total"`
		Projects []int64 `json:"projects"`
	}
	if err := json.Unmarshal([]byte(ev.Summary), &sum); err != nil {
		t.Fatal(err)
	}
	if ev.ObjectID != "1" || sum.Kind != "engineering" || sum.Q != title || sum.Total != 1 || len(sum.Projects) != 1 || sum.Projects[0] != p.ID {
		t.Errorf("list read recorded as %s %s", ev.ObjectID, ev.Summary)
	}
	// A search that finds nothing is a read too.
	if r := sup.get("/supervision/projects?q=" + url.QueryEscape(title+"不存在")); r.Code != http.StatusOK {
		t.Fatalf("empty list: %d", r.Code)
	}
	if n := reads("archive.list", false); n != lists+2 {
		t.Errorf("the empty list read left %d events, want 1", n-lists-1)
	}

	// The project's page and its export are recorded with the project.
	before := reads("audit.read", true)
	if r := sup.get(fmt.Sprintf("/supervision/projects/%d", p.ID)); r.Code != http.StatusOK {
		t.Fatalf("page: %d", r.Code)
	}
	if n := reads("audit.read", true); n != before+1 {
		t.Errorf("the page read left %d events with the project, want 1", n-before)
	}
	readArchive(t, sup.get(fmt.Sprintf("/supervision/projects/%d/archive.zip", p.ID)))
	if n := reads("archive.export", true); n != 1 {
		t.Errorf("%d export events", n)
	}
}
