package trading

import (
	"bytes"
	"crypto/rand"
	"io"
	"testing"

	"ggzy/vault"
)

func TestSealedStreamRoundTrip(t *testing.T) {
	v, _ := vault.New(bytes.Repeat([]byte{1}, 32))
	aead, _ := v.AEAD("bid", "project:1")
	for _, size := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 17} {
		plain := make([]byte, size)
		rand.Read(plain)
		sr, err := newSealReader(bytes.NewReader(plain), aead)
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := io.ReadAll(sr)
		if err != nil {
			t.Fatal(err)
		}
		if size > 16 && bytes.Contains(sealed, plain[:16]) {
			t.Fatalf("size %d: plain text visible", size)
		}
		or, err := newOpenReader(bytes.NewReader(sealed), aead)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(or)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("size %d: round trip differs", size)
		}
		// Truncation at a chunk boundary and a flipped byte both fail.
		if len(sealed) > headerSize+chunkSize+16 {
			or, _ := newOpenReader(bytes.NewReader(sealed[:headerSize+chunkSize+16]), aead)
			if _, err := io.ReadAll(or); err == nil {
				t.Fatalf("size %d: truncated stream opened", size)
			}
		}
		bad := append([]byte(nil), sealed...)
		bad[len(bad)-1] ^= 1
		or, _ = newOpenReader(bytes.NewReader(bad), aead)
		if _, err := io.ReadAll(or); err == nil {
			t.Fatalf("size %d: tampered stream opened", size)
		}
	}
	other, _ := v.AEAD("bid", "project:2")
	sr, _ := newSealReader(bytes.NewReader([]byte("报价 1,000,000 元")), aead)
	sealed, _ := io.ReadAll(sr)
	or, _ := newOpenReader(bytes.NewReader(sealed), other)
	if _, err := io.ReadAll(or); err == nil {
		t.Fatal("another project's key opened the file")
	}
}
