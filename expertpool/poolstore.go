package expertpool

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"

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
	w, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(doc); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
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
