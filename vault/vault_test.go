package vault

import (
	"bytes"
	"path/filepath"
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
