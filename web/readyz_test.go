package web

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"ggzy/db"
	"ggzy/db/dbtest"
)

// proxy forwards TCP connections to the database and can cut them all, as
// a network outage would.
type proxy struct {
	target string
	mu     sync.Mutex
	ln     net.Listener
	addr   string
	conns  []net.Conn
}

func (p *proxy) start(t *testing.T) {
	t.Helper()
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the old port may linger briefly
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestReadyzFollowsTheDatabase: /readyz fails while the database is
// unreachable and recovers by itself when it is back.
func TestReadyzFollowsTheDatabase(t *testing.T) {
	e := newEnv(t)
	cfg := dbtest.Server(t).Config(dbtest.Name())
	if cfg.Net != "tcp" {
		t.Skipf("database reached over %s, not TCP", cfg.Net)
	}
	p := &proxy{target: cfg.Addr}
	p.start(t)
	t.Cleanup(p.cut)
	cfg.Addr = p.addr
	cfg.Timeout = time.Second
	x, err := db.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	e.srv.Ready = func(ctx context.Context) error { return x.PingContext(ctx) }
	c := e.anon()
	if r := c.get("/readyz"); r.Code != http.StatusOK {
		t.Fatalf("ready with the database up: %d", r.Code)
	}
	p.cut()
	if r := c.get("/readyz"); r.Code != http.StatusServiceUnavailable {
		t.Fatalf("database cut off: %d, want 503", r.Code)
	}
	if r := c.get("/healthz"); r.Code != http.StatusOK {
		t.Fatalf("healthz must not depend on the database: %d", r.Code)
	}
	p.start(t) // same address
	var code int
	for i := 0; i < 50; i++ {
		if code = c.get("/readyz").Code; code == http.StatusOK {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code != http.StatusOK {
		t.Fatalf("database back: /readyz still %d", code)
	}
}

func TestMetricsOnlyForAllowedAddresses(t *testing.T) {
	e := newEnv(t)
	outsider := e.anon() // a 10.x address
	if r := outsider.get("/metrics"); r.Code != http.StatusNotFound {
		t.Fatalf("metrics to an outside address: %d", r.Code)
	}
	local := e.anon()
	local.ip = "127.0.0.1"
	r := local.get("/metrics")
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "trading_http_requests_total") {
		t.Fatalf("metrics on loopback: %d", r.Code)
	}
}
