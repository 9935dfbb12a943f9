// Package vault encrypts data at rest: ID numbers, sealed bid files, server
// secrets. One master key (32 bytes, from TRADING_MASTER_KEY or a key file
// kept outside the database) derives a separate key per purpose and object
// with HMAC-SHA256, so a database dump or a copy of the file store alone
// reveals nothing.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Vault holds the master key.
//
// Keying an HMAC costs as much as hashing a short value, and every sign-up
// derives a key and computes two blind indexes; so keyed HMAC states are
// kept in pools (Reset returns one to its keyed state) instead of being
// keyed anew on every call.
type Vault struct {
	master     []byte
	derive     sync.Pool // *keyed with master
	blindPools sync.Map  // purpose → *sync.Pool of *keyed with Blind's key of purpose (a handful of purposes)
}

// New returns a vault for a 32-byte master key.
func New(master []byte) (*Vault, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("vault: master key must be 32 bytes, got %d", len(master))
	}
	v := &Vault{master: append([]byte(nil), master...)}
	v.derive.New = func() any { return newKeyed(v.master) }
	return v, nil
}

// Load reads the master key from hexKey (64 hex digits) when set, otherwise
// from file, creating the file with a random key (mode 0600) when it does
// not exist. Losing the key loses every sealed bid and ID number: back it
// up apart from the database.
func Load(hexKey, file string) (*Vault, error) {
	if hexKey != "" {
		b, err := hex.DecodeString(strings.TrimSpace(hexKey))
		if err != nil {
			return nil, fmt.Errorf("vault: master key is not hex: %w", err)
		}
		return New(b)
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(file, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("vault: write key file: %w", err)
		}
		return New(key)
	}
	if err != nil {
		return nil, fmt.Errorf("vault: read key file: %w", err)
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("vault: key file %s is not hex: %w", file, err)
	}
	return New(k)
}

// Key derives the 32-byte key for a purpose ("bid", "idnumber", …) and an
// object (a project id, say).
func (v *Vault) Key(purpose, object string) []byte {
	k := v.key(purpose, object)
	return k[:]
}

// key is Key into an array: HMAC-SHA256(master, purpose ‖ 0 ‖ object).
func (v *Vault) key(purpose, object string) [sha256.Size]byte {
	m := v.derive.Get().(*keyed)
	m.buf = append(append(append(m.buf[:0], purpose...), 0), object...)
	k := m.sum(m.buf)
	v.derive.Put(m)
	return k
}

// keyed is a keyed HMAC-SHA256 with a scratch buffer for its input.
type keyed struct {
	h   hash.Hash
	buf []byte
}

func newKeyed(key []byte) *keyed {
	return &keyed{h: hmac.New(sha256.New, key), buf: make([]byte, 0, 128)}
}

func (m *keyed) sum(b []byte) [sha256.Size]byte {
	m.h.Reset()
	m.h.Write(b)
	var out [sha256.Size]byte
	m.h.Sum(out[:0])
	return out
}

// AEAD returns AES-256-GCM under the derived key.
func (v *Vault) AEAD(purpose, object string) (cipher.AEAD, error) {
	k := v.key(purpose, object)
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal encrypts a small value; the result is nonce ‖ ciphertext.
func (v *Vault) Seal(purpose, object string, plain []byte) ([]byte, error) {
	a, err := v.AEAD(purpose, object)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return a.Seal(nonce, nonce, plain, []byte(purpose+"\x00"+object)), nil
}

// Open decrypts what Seal produced.
func (v *Vault) Open(purpose, object string, sealed []byte) ([]byte, error) {
	a, err := v.AEAD(purpose, object)
	if err != nil {
		return nil, err
	}
	if len(sealed) < a.NonceSize() {
		return nil, errors.New("vault: sealed value too short")
	}
	return a.Open(nil, sealed[:a.NonceSize()], sealed[a.NonceSize():], []byte(purpose+"\x00"+object))
}

// Blind returns a keyed hash of value for equality look-ups (finding a
// duplicate ID number without decrypting every row).
func (v *Vault) Blind(purpose, value string) string {
	p, ok := v.blindPools.Load(purpose)
	if !ok {
		k := v.Key("blind", purpose)
		p, _ = v.blindPools.LoadOrStore(purpose, &sync.Pool{New: func() any { return newKeyed(k) }})
	}
	pool := p.(*sync.Pool)
	m := pool.Get().(*keyed)
	m.buf = append(m.buf[:0], value...)
	sum := m.sum(m.buf)
	pool.Put(m)
	return hex.EncodeToString(sum[:])
}
