package trading

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
)

// Sealed files are encrypted in chunks so that memory does not grow with the
// file size (the STREAM construction): a header (magic and an 8-byte random
// nonce prefix), then chunks of at most chunkSize plain bytes, each sealed
// with nonce = prefix ‖ uint32(counter | last<<31) and the header as
// additional data. The last chunk (possibly empty) carries the flag, so a
// truncated file fails to open.

const (
	chunkSize   = 64 << 10
	sealedMagic = "GGZYBID1"
	headerSize  = len(sealedMagic) + 8
)

var errSealedCorrupt = errors.New("sealed file is corrupt or truncated")

type sealReader struct {
	src     io.Reader
	aead    cipher.AEAD
	header  []byte
	counter uint32
	plain   []byte
	out     bytes.Buffer
	done    bool
}

// newSealReader returns a reader of the sealed form of src.
func newSealReader(src io.Reader, aead cipher.AEAD) (*sealReader, error) {
	h := make([]byte, headerSize)
	copy(h, sealedMagic)
	if _, err := rand.Read(h[len(sealedMagic):]); err != nil {
		return nil, err
	}
	r := &sealReader{src: src, aead: aead, header: h, plain: make([]byte, chunkSize)}
	r.out.Write(h)
	return r, nil
}

func chunkNonce(header []byte, counter uint32, last bool) []byte {
	n := make([]byte, 12)
	copy(n, header[len(sealedMagic):])
	c := counter
	if last {
		c |= 1 << 31
	}
	binary.BigEndian.PutUint32(n[8:], c)
	return n
}

func (r *sealReader) Read(p []byte) (int, error) {
	for r.out.Len() == 0 {
		if r.done {
			return 0, io.EOF
		}
		n, err := io.ReadFull(r.src, r.plain)
		last := false
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			last = true
		case err != nil:
			return 0, err
		}
		if r.counter == 1<<31-1 {
			return 0, errors.New("sealed file too large")
		}
		sealed := r.aead.Seal(r.out.AvailableBuffer(), chunkNonce(r.header, r.counter, last), r.plain[:n], r.header)
		r.out.Write(sealed)
		r.counter++
		r.done = last
	}
	return r.out.Read(p)
}

type openReader struct {
	src     io.Reader
	aead    cipher.AEAD
	header  []byte
	counter uint32
	buf     []byte
	out     []byte
	done    bool
}

// newOpenReader returns a reader of the plain content of a sealed stream.
func newOpenReader(src io.Reader, aead cipher.AEAD) (*openReader, error) {
	h := make([]byte, headerSize)
	if _, err := io.ReadFull(src, h); err != nil || string(h[:len(sealedMagic)]) != sealedMagic {
		return nil, errSealedCorrupt
	}
	return &openReader{src: src, aead: aead, header: h, buf: make([]byte, chunkSize+aead.Overhead()+1)}, nil
}

func (r *openReader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.done {
			return 0, io.EOF
		}
		// Read one full sealed chunk plus one byte to learn whether more follows.
		n, err := io.ReadFull(r.src, r.buf[:chunkSize+r.aead.Overhead()])
		if err != nil && err != io.ErrUnexpectedEOF {
			if err == io.EOF {
				return 0, errSealedCorrupt
			}
			return 0, err
		}
		// The writer ends every stream with a short (possibly empty) chunk,
		// so a full chunk is never the last one.
		last := n < chunkSize+r.aead.Overhead()
		plain, oerr := r.aead.Open(r.buf[:0:0], chunkNonce(r.header, r.counter, last), r.buf[:n], r.header)
		if oerr != nil {
			return 0, errSealedCorrupt
		}
		r.counter++
		r.out = plain
		r.done = last
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}
