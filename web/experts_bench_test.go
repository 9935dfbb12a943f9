package web

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ggzy/expertpool"
)

// The expert pool measurements of docs/PERFORMANCE.md:
//
//	go test ./web/ -run '^$' -bench 'BenchmarkExpert' -benchtime 200x -count 1
//
// BenchmarkExpertImport100k imports 100,000 rows through the HTTP API
// (POST /api/v1/expert-imports/files, in-process through the whole Echo
// stack, on the package's MariaDB) and reports the time and the peak heap.
// BenchmarkExpertDrawAPI then prepares and runs draws against that pool
// with 50 organisations to avoid and reports p50/p99 of each step, and the
// first prepare (candidate rosters not yet in memory) on its own.

var (
	benchPoolOnce sync.Once
	benchPoolErr  error
	benchOrgs     []int64
)

const benchRows = 100_000

func benchCSV(orgUSCC []string) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(expertpool.ImportColumns, ",") + "\n")
	leaves := []string{"房屋建筑", "市政公用", "水利水电", "交通运输", "工程造价", "电力工程", "园林绿化", "工程监理", "货物类", "服务类", "信息技术", "医疗设备", "财务经济", "法律"}
	regions := []string{"330102", "330103", "330104", "330105", "330106", "330108", "330109", "330110", "330111", "330112"}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < benchRows; i++ {
		// Unique ID numbers: 100 birth dates × 1000 sequence numbers per region.
		region := regions[i%10]
		k := i / 10
		birth := fmt.Sprintf("19%02d%02d%02d", 60+k/1000/28%30, 1+k/1000/28/30%12, 1+k/1000%28)
		idn := expertpool.DemoIDNumber(region, birth, k%1000)
		specs := leaves[r.IntN(len(leaves))]
		if r.IntN(2) == 0 {
			if s2 := leaves[r.IntN(len(leaves))]; s2 != specs {
				specs += "、" + s2
			}
		}
		uscc := ""
		if r.IntN(4) == 0 {
			uscc = orgUSCC[r.IntN(len(orgUSCC))]
		}
		level := "副高级"
		if r.IntN(10) == 0 {
			level = "中级"
		}
		fmt.Fprintf(&b, "专家%d,%s,139%08d,某单位%d,%s,技术类,高级工程师,%s,%d,%s,%s,,\n", i, idn, i, i%997, uscc, level, 5+r.IntN(30), region, specs)
	}
	return b.Bytes()
}

// benchPool fills the package database with 100,000 experts (once).
func benchPool(b *testing.B, e *env) (importTime time.Duration, peakHeap uint64) {
	benchPoolOnce.Do(func() {
		var n int
		_ = e.db.Get(&n, `SELECT COUNT(*) FROM experts`)
		if n >= benchRows {
			return
		}
		var usccs []string
		for i := 0; i < 200; i++ {
			u := fmt.Sprintf("B%017d", 900000+i)
			res, err := e.db.Exec(`INSERT INTO organisations (name, uscc, kind, status, created_at) VALUES (?, ?, 'bidder', 'active', ?)`, "压测单位"+u, u, e.clock.Now())
			if err != nil {
				benchPoolErr = err
				return
			}
			id, _ := res.LastInsertId()
			benchOrgs = append(benchOrgs, id)
			usccs = append(usccs, u)
		}
		body := benchCSV(usccs)
		st := e.api("staff")
		runtime.GC()
		var peak atomic.Uint64
		stop := make(chan struct{})
		go func() {
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		start := time.Now()
		req := httptest.NewRequest(http.MethodPost, "/api/v1/expert-imports/files?format=csv&name=bench.csv", bytes.NewReader(body))
		req.Header.Set("Accept", "application/json")
		r := st.do(req)
		importTime = time.Since(start)
		close(stop)
		peakHeap = peak.Load()
		if r.Code != http.StatusCreated {
			benchPoolErr = fmt.Errorf("import: %d %.500s", r.Code, r.Body.String())
			return
		}
		fmt.Fprintf(os.Stderr, "import of %d rows (%.1f MB CSV) through the API: %s, peak heap in use %.0f MB\n",
			benchRows, float64(len(body))/1e6, importTime.Round(time.Millisecond), float64(peakHeap)/1e6)
		// Some history for the avoidance queries.
		_, benchPoolErr = e.db.Exec(`INSERT INTO expert_employments (expert_id, org_id, org_name, started_on, ended_on)
			SELECT id, ?, 'x', '2020-01-01', '2024-01-01' FROM experts ORDER BY id LIMIT 3000`, benchOrgs[0])
		if benchPoolErr == nil {
			_, benchPoolErr = e.db.Exec(`INSERT INTO expert_leaves (expert_id, starts_at, ends_at, reason, created_at)
				SELECT id, '2026-03-01', '2026-03-31', 'x', NOW() FROM experts ORDER BY id DESC LIMIT 500`)
		}
	})
	if benchPoolErr != nil {
		b.Fatal(benchPoolErr)
	}
	return importTime, peakHeap
}

func BenchmarkExpertImport100k(b *testing.B) {
	e := newEnv(b)
	d, peak := benchPool(b, e)
	if d > 0 {
		b.ReportMetric(d.Seconds(), "import-s")
		b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
	}
}

func pct(ds []time.Duration, p float64) float64 {
	slices.Sort(ds)
	i := int(float64(len(ds)-1) * p)
	return float64(ds[i].Microseconds()) / 1000
}

func BenchmarkExpertDrawAPI(b *testing.B) {
	e := newEnv(b)
	benchPool(b, e)
	st := e.api("staff")
	avoid := benchOrgs[:50]
	var prepare, run []time.Duration
	lots := make([]drawLot, b.N)
	for i := range lots {
		lots[i] = newDrawLot(b, e, avoid[1])
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := e.clock.Now().Add(48 * time.Hour)
		body := map[string]any{"project_id": lots[i].project, "lot_id": lots[i].lot, "tenderer_org_id": avoid[0], "agency_org_id": avoid[1],
			"supervising_org_id": avoid[2], "avoid_org_ids": avoid[3:], "trade_kind": "engineering",
			"session_start": start.Format(time.RFC3339), "session_end": start.Add(8 * time.Hour).Format(time.RFC3339),
			"quotas": []map[string]any{{"specialty": "GC01", "count": 4, "backups": 2}, {"specialty": "GC05", "count": 3, "backups": 2}}}
		t0 := time.Now()
		r := st.json(http.MethodPost, "/api/v1/expert-draws", body)
		prepare = append(prepare, time.Since(t0))
		if r.Code != http.StatusCreated {
			b.Fatalf("prepare: %d %.300s", r.Code, r.Body.String())
		}
		var p struct {
			ID int64 `json:"id"`
		}
		r.decode(b, &p)
		t0 = time.Now()
		r = st.json(http.MethodPost, fmt.Sprintf("/api/v1/expert-draws/%d/run", p.ID), map[string]any{"sources": []string{fmt.Sprint(i), "2 5 8"}})
		run = append(run, time.Since(t0))
		if r.Code != http.StatusOK {
			b.Fatalf("run: %d %.300s", r.Code, r.Body.String())
		}
	}
	b.StopTimer()
	var pool int
	_ = e.db.Get(&pool, `SELECT pool_size FROM expert_draws ORDER BY id DESC LIMIT 1`)
	b.ReportMetric(float64(pool), "pool")
	// The first prepare of a fresh server reads the candidate rosters from
	// the database, as the first prepare after any registry write does
	// (expertpool/pool.go); the others use them from memory.
	b.ReportMetric(float64(prepare[0].Microseconds())/1000, "prepare-first-ms")
	b.ReportMetric(pct(prepare, .5), "prepare-p50-ms")
	b.ReportMetric(pct(prepare, .99), "prepare-p99-ms")
	b.ReportMetric(pct(run, .5), "run-p50-ms")
	b.ReportMetric(pct(run, .99), "run-p99-ms")
}
