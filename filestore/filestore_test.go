package filestore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestPutOpenDelete(t *testing.T) {
	l := Local{Root: t.TempDir()}
	ctx := context.Background()
	data := bytes.Repeat([]byte("密封投标文件"), 10000)
	key, size, err := l.Put(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if key != hex.EncodeToString(sum[:]) || size != int64(len(data)) {
		t.Fatalf("key %s size %d", key, size)
	}
	// The same content twice is one file.
	if k2, _, err := l.Put(ctx, bytes.NewReader(data)); err != nil || k2 != key {
		t.Fatalf("second put: %s %v", k2, err)
	}
	rc, err := l.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
	if err := l.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Open(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("open after delete: %v", err)
	}
	if _, err := l.Open(ctx, "../../etc/passwd"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("bad key: %v", err)
	}
}

type failAfter struct {
	n int
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := min(len(p), f.n)
	f.n -= n
	return n, nil
}

// TestAbortedPutLeavesNothing: a stream that fails half-way (a client that
// went away) leaves no file, temporary or final.
func TestAbortedPutLeavesNothing(t *testing.T) {
	root := t.TempDir()
	l := Local{Root: root}
	if _, _, err := l.Put(context.Background(), &failAfter{n: 1 << 20}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := l.Put(ctx, bytes.NewReader([]byte("x"))); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Fatalf("left behind: %v", files)
	}
}
