package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"ggzy/audit"
	"ggzy/clock"
	"ggzy/db"
)

// A supervisor pages back through more events than the page shows, and
// takes the filtered log away as a spreadsheet.
func TestAuditLogOlderEventsAndExcel(t *testing.T) {
	e := newEnv(t)
	action := fmt.Sprintf("test.paging%d", e.count(`SELECT COUNT(*) FROM audit_events`))
	ctx := audit.WithActor(context.Background(), audit.Actor{Username: "staff", Role: staff, IP: "10.1.2.3"})
	err := db.Transact(ctx, e.db, nil, func(tx *sqlx.Tx) error {
		for i := range 250 {
			if err := audit.Record(ctx, tx, e.clock.Now(), audit.Event{Action: action, ObjectType: "thing", ObjectID: fmt.Sprint(i),
				Summary: map[string]any{"n": i, "名称": "翻页测试"}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser("supervisor")
	r := b.get("/supervision/audit?action=" + action)
	body := r.Body.String()
	if r.Code != http.StatusOK || strings.Count(body, `<span class="mono">`+action+`</span>`) != 200 {
		t.Fatalf("first page: %d, %d events", r.Code, strings.Count(body, `<span class="mono">`+action+`</span>`))
	}
	i := strings.Index(body, `href="/supervision/audit?`)
	j := strings.Index(body, `data-testid="audit-older"`)
	if i < 0 || j < 0 {
		t.Fatal("no link to older events")
	}
	older := body[strings.LastIndex(body[:j], `href="`)+6 : j-2]
	older = strings.ReplaceAll(older, "&amp;", "&")
	if !strings.Contains(older, "action="+action) || !strings.Contains(older, "before_id=") {
		t.Fatalf("older link %q does not keep the filter", older)
	}
	r = b.get(older)
	body = r.Body.String()
	if r.Code != http.StatusOK || strings.Count(body, `<span class="mono">`+action+`</span>`) != 50 || strings.Contains(body, `data-testid="audit-older"`) {
		t.Fatalf("second page: %d, %d events", r.Code, strings.Count(body, `<span class="mono">`+action+`</span>`))
	}

	exports := func() int {
		return e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'audit.export' AND actor = 'supervisor'`)
	}
	before := exports()
	r = b.get("/supervision/audit/export.xlsx?action=" + action)
	if r.Code != http.StatusOK || !strings.Contains(r.Header().Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("export: %d %q", r.Code, r.Header().Get("Content-Disposition"))
	}
	x, err := excelize.OpenReader(bytes.NewReader(r.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("审计日志")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 251 || rows[0][0] != "序号" || rows[0][5] != "操作" || rows[1][6] != action || rows[1][8] != "249" || rows[250][8] != "0" ||
		rows[1][3] != "交易中心工作人员" || !strings.Contains(rows[1][10], "翻页测试") || rows[1][1] != e.clock.Now().In(clock.Shanghai).Format("2006-01-02 15:04:05") {
		t.Fatalf("workbook: %d rows, header %v, first %v", len(rows), rows[0], rows[1])
	}
	if exports() != before+1 {
		t.Fatal("the export was not recorded")
	}
	if r := b.get("/supervision/audit/export.xlsx?from=2026-13-01"); r.Code != http.StatusBadRequest || exports() != before+1 {
		t.Fatalf("export with a bad date: %d", r.Code)
	}
}
