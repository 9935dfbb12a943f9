package accounts

import (
	"strings"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	p := PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}
	h, err := HashPassword(p, "正确的密码-123")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash format %q", h)
	}
	h2, _ := HashPassword(p, "正确的密码-123")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, tt := range []struct {
		pw   string
		want bool
	}{{"正确的密码-123", true}, {"正确的密码-124", false}, {"", false}} {
		ok, err := CheckPassword(h, tt.pw)
		if err != nil || ok != tt.want {
			t.Errorf("%q: %v %v", tt.pw, ok, err)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1024,t=1,p=1$!!$AA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}
