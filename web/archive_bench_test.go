package web

import (
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkArchiveExport measures a supervisor's export of one project's
// archive (一项一档) through the API: the walk of the whole audit chain
// that the manifest reports, the project's events, and the zip. Its time
// grows with the chain (BenchmarkVerify in ggzy/audit measures the walk
// alone); the chain's length at the run is reported with it:
//
//	go run ./cmd/trading db exec -- go test ./web/ -run '^$' -bench BenchmarkArchiveExport -benchtime 20x
func BenchmarkArchiveExport(b *testing.B) {
	e := newEnv(b)
	p := registerAndPublish(b, e, uniqueTitle("档案导出基准道路工程"))
	e.sealAndVerify()
	events := e.count(`SELECT COUNT(*) FROM audit_events`)
	sup := e.api("supervisor")
	path := fmt.Sprintf("/api/v1/supervision/projects/%d/archive", p.ID)
	var size int
	for b.Loop() {
		r := sup.get(path)
		if r.Code != http.StatusOK {
			b.Fatalf("export: %d %s", r.Code, r.Body.String())
		}
		size = r.Body.Len()
	}
	b.ReportMetric(float64(events), "chain-events")
	b.ReportMetric(float64(size), "zip-bytes")
}
