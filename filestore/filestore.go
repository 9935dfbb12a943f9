// Package filestore keeps files by content: a file's key is the SHA-256 of
// its bytes. Local keeps them in a directory; an object store can offer the
// same three methods (Put, Open, Delete).
//
// Put writes to a temporary file and renames it into place only when the
// whole stream was read and synced, so an aborted upload leaves nothing.
package filestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrNotFound is returned by Open for an unknown key.
var ErrNotFound = errors.New("filestore: not found")

// Local stores files under Root as ab/cd/<sha256>, with temporary files in
// Root/tmp.
type Local struct {
	Root string
}

// ValidKey reports whether key is a lower-case hex SHA-256.
func ValidKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	for _, c := range key {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (l Local) path(key string) string {
	return filepath.Join(l.Root, key[:2], key[2:4], key)
}

// ctxReader stops a copy when ctx ends (a client that went away).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Put stores everything r yields and returns its SHA-256 (hex) and size. On
// any error, including one returned by r, nothing is kept.
func (l Local) Put(ctx context.Context, r io.Reader) (key string, size int64, err error) {
	tmpDir := filepath.Join(l.Root, "tmp")
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return "", 0, fmt.Errorf("filestore: %w", err)
	}
	f, err := os.CreateTemp(tmpDir, "put-*")
	if err != nil {
		return "", 0, fmt.Errorf("filestore: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err != nil {
		return "", 0, err
	}
	if err = f.Sync(); err != nil {
		return "", 0, fmt.Errorf("filestore: sync: %w", err)
	}
	if err = f.Close(); err != nil {
		return "", 0, fmt.Errorf("filestore: close: %w", err)
	}
	key = hex.EncodeToString(h.Sum(nil))
	dst := l.path(key)
	if err = os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", 0, fmt.Errorf("filestore: %w", err)
	}
	if _, serr := os.Stat(dst); serr == nil {
		// Same content already stored.
		os.Remove(tmp)
		return key, size, nil
	}
	if err = os.Rename(tmp, dst); err != nil {
		return "", 0, fmt.Errorf("filestore: rename: %w", err)
	}
	return key, size, nil
}

// Open returns the file stored under key.
func (l Local) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if !ValidKey(key) {
		return nil, ErrNotFound
	}
	f, err := os.Open(l.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	return f, nil
}

// Delete removes the file stored under key; a missing file is no error.
func (l Local) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return nil
	}
	err := os.Remove(l.path(key))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("filestore: %w", err)
	}
	return nil
}

// Has reports whether a file is stored under key.
func (l Local) Has(key string) bool {
	if !ValidKey(key) {
		return false
	}
	_, err := os.Stat(l.path(key))
	return err == nil
}

// Keys calls fn with the key of every stored file (not the temporary ones),
// in no particular order; it stops at fn's first error. Backups use it; an
// object store lists its bucket instead.
func (l Local) Keys(ctx context.Context, fn func(key string) error) error {
	err := filepath.WalkDir(l.Root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && p == l.Root {
				return filepath.SkipAll // nothing stored yet
			}
			return err
		}
		if d.IsDir() {
			if p != l.Root && filepath.Dir(p) == l.Root && d.Name() == "tmp" {
				return filepath.SkipDir
			}
			return nil
		}
		if !ValidKey(d.Name()) || l.path(d.Name()) != p {
			return nil // not a stored file (a stray file in the folder)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(d.Name())
	})
	if err != nil {
		return fmt.Errorf("filestore: list: %w", err)
	}
	return nil
}
