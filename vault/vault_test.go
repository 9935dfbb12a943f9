package vault

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpenAndKeySeparation(t *testing.T) {
	v, err := Load("", filepath.Join(t.TempDir(), "k"))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := v.Seal("idnumber", "42", []byte("11010519491231002X"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("1101051949")) {
		t.Fatal("plain text visible in sealed value")
	}
	got, err := v.Open("idnumber", "42", sealed)
	if err != nil || string(got) != "11010519491231002X" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := v.Open("idnumber", "43", sealed); err == nil {
		t.Fatal("opened with another object's key")
	}
	if _, err := v.Open("bid", "42", sealed); err == nil {
		t.Fatal("opened with another purpose's key")
	}
	if v.Blind("id", "a") == v.Blind("id", "b") || v.Blind("id", "a") != v.Blind("id", "a") {
		t.Fatal("blind index not a function of the value")
	}
}

func TestLoadKeepsTheKey(t *testing.T) {
	f := filepath.Join(t.TempDir(), "k")
	a, err := Load("", f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load("", f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Key("p", "o"), b.Key("p", "o")) {
		t.Fatal("second load derived a different key")
	}
	if _, err := Load("zz", f); err == nil {
		t.Fatal("accepted a non-hex key")
	}
}

// The pooled HMAC states give what a freshly keyed HMAC gives, however
// they are interleaved: the derived keys and blind indexes of sealed rows
// already in databases must not change.
func TestPooledHMACMatchesFreshHMAC(t *testing.T) {
	master := bytes.Repeat([]byte{7}, 32)
	v, err := New(master)
	if err != nil {
		t.Fatal(err)
	}
	fresh := func(key []byte, parts ...string) []byte {
		m := hmac.New(sha256.New, key)
		for i, p := range parts {
			if i > 0 {
				m.Write([]byte{0})
			}
			m.Write([]byte(p))
		}
		return m.Sum(nil)
	}
	long := strings.Repeat("长", 100) // over the pooled scratch buffer's first capacity
	for i := 0; i < 3; i++ {
		for _, c := range [][2]string{{"signup", "project:1"}, {"audit", "sealed:" + long}, {"", ""}} {
			if got, want := v.Key(c[0], c[1]), fresh(master, c[0], c[1]); !bytes.Equal(got, want) {
				t.Fatalf("Key(%q, %q) = %x, want %x", c[0], c[1], got, want)
			}
		}
		for _, c := range [][2]string{{"signup", "12:34"}, {"owner", "34"}, {"signup", long}, {"owner", ""}} {
			want := hex.EncodeToString(fresh(fresh(master, "blind", c[0]), c[1]))
			if got := v.Blind(c[0], c[1]); got != want {
				t.Fatalf("Blind(%q, %q) = %s, want %s", c[0], c[1], got, want)
			}
		}
	}
	// Known answers (Python's hmac module), so that a change in both paths
	// at once shows too.
	if got := hex.EncodeToString(v.Key("p", "o")); got != "f4272475cf000720d5cc7de6fe0168863450394179f03904bbf278850c94da8a" {
		t.Fatalf("Key(p, o) = %s", got)
	}
	if got := v.Blind("owner", "34"); got != "cfd4e4c89d8f93472872e8113d199f375a8b0d92a762090b1d65cdd256d519b1" {
		t.Fatalf("Blind(owner, 34) = %s", got)
	}
}
