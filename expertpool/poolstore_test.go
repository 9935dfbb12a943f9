package expertpool

import (
	"bytes"
	"testing"
)

func TestPoolDocumentPacking(t *testing.T) {
	doc := bytes.Repeat([]byte("GC01 1001 1002 1003 1004 1005\n"), 2000)
	packed, err := packPool(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(packed) >= len(doc)/3 {
		t.Errorf("packed %d of %d bytes", len(packed), len(doc))
	}
	for name, stored := range map[string][]byte{"compressed": packed, "stored plain before compression": doc} {
		got, err := unpackPool(stored)
		if err != nil || !bytes.Equal(got, doc) {
			t.Errorf("%s: round trip failed: %v", name, err)
		}
	}
	if _, err := unpackPool([]byte{0x1f, 0x8b, 0, 0}); err == nil {
		t.Error("a damaged compressed document was accepted")
	}
}
