package expertpool

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Pool documents are stored gzip-compressed (BestSpeed): a 100,000-expert
// registry gives documents of a few hundred kilobytes of digits, which
// compress about fivefold, so the insert, the redo log and the commit of a
// draw carry a fifth of the bytes. What is hashed, verified and shown is
// always the uncompressed document; rows stored before compression (plain
// text, never starting with the gzip magic bytes) are read as they are.
func packPool(doc []byte) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(doc)/4 + 64)
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&b)
	if _, err := w.Write(doc); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	gzipWriters.Put(w)
	return b.Bytes(), nil
}

// gzipWriters keeps compressors between draws: each holds about a megabyte
// of tables that would otherwise be allocated, and collected, per draw.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // a valid level: no error
	return w
}}

// packPoolAsync compresses doc in a goroutine, so that the caller can run
// its other statements meanwhile, and returns the function that waits for
// the result. doc must not change until then.
func packPoolAsync(doc []byte) func() ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1) // the goroutine never blocks, even if nobody waits
	go func() {
		b, err := packPool(doc)
		ch <- result{b, err}
	}()
	return sync.OnceValues(func() ([]byte, error) {
		r := <-ch
		return r.b, r.err
	})
}

func unpackPool(stored []byte) ([]byte, error) {
	if len(stored) < 2 || stored[0] != 0x1f || stored[1] != 0x8b {
		return stored, nil
	}
	r, err := gzip.NewReader(bytes.NewReader(stored))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// readPool returns the archived pool document of a draw, uncompressed.
func readPool(ctx context.Context, q sqlx.QueryerContext, drawID int64) ([]byte, error) {
	var stored []byte
	if err := sqlx.GetContext(ctx, q, &stored, `SELECT document FROM expert_draw_pools WHERE draw_id = ?`, drawID); err != nil {
		return nil, fmt.Errorf("read pool of draw %d: %w", drawID, err)
	}
	doc, err := unpackPool(stored)
	if err != nil {
		return nil, fmt.Errorf("unpack pool of draw %d: %w", drawID, err)
	}
	return doc, nil
}
