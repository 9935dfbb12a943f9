package trading

import (
	"encoding/json"
	"testing"
	"time"
)

// The sealed events written before appendDetail were json.Marshal of the
// detail; what the opening unseals must read the same either way.
func TestAppendDetailIsJSONMarshal(t *testing.T) {
	due := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, d := range []map[string]any{
		{},
		{"what": "signup", "lot_id": int64(1) << 50, "signup_id": int64(-7), "project_id": int64(0), "user_id": int64(3),
			"username": "bidder1", "org_id": int64(9), "ip": "127.0.0.1"},
		{"what": "bid", "sha256": "ab", "size": 12, "replaces": nil, "ok": true, "no": false},
		{"username": "投标人<张三>&\"引号\"\\", "ip": "::1", "tab": "a\tb", "del": "\x7f", "ls": "\u2028"},
		{"refund_due": &due, "files": []int64{1, 2}, "bid_form": map[string]string{"b": "x", "a": "y"}, "f": 1.5},
	} {
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendDetail(nil, d)
		if err != nil || string(got) != string(want) {
			t.Fatalf("appendDetail(%v) = %s, %v; json.Marshal gives %s", d, got, err, want)
		}
	}
	if _, err := appendDetail(nil, map[string]any{"bad": func() {}}); err == nil {
		t.Fatal("a value json cannot encode was accepted")
	}
}
