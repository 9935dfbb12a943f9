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
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Vault holds the master key.
type Vault struct {
	master    []byte
	blindKeys sync.Map // purpose → derived key of Blind (a handful of purposes)
}

// New returns a vault for a 32-byte master key.
func New(master []byte) (*Vault, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("vault: master key must be 32 bytes, got %d", len(master))
	}
	return &Vault{master: append([]byte(nil), master...)}, nil
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
	m := hmac.New(sha256.New, v.master)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(object))
	return m.Sum(nil)
}

// AEAD returns AES-256-GCM under the derived key.
func (v *Vault) AEAD(purpose, object string) (cipher.AEAD, error) {
	block, err := aes.NewCipher(v.Key(purpose, object))
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
	k, ok := v.blindKeys.Load(purpose)
	if !ok {
		k, _ = v.blindKeys.LoadOrStore(purpose, v.Key("blind", purpose))
	}
	m := hmac.New(sha256.New, k.([]byte))
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}
