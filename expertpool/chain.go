package expertpool

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
)

// Secrets of automatic supplementary draws (补抽).
//
// A supplementary draw that runs at once, when declines have used up the
// backups, has no witnesses of its own: its sources are the parent draw's
// witness numbers, known to the server by then, and a server secret. Were
// that secret drawn when the supplementary draw is prepared, the server
// could try secrets until the numbers gave the members it wanted. So every
// such secret is fixed before any witness of the lot typed a number: the
// secret of the lot's first draw (its root) is the end of a hash chain
//
//	s_n = a random seed,  s_(i-1) = ChainStep(s_i),  root secret = s_0,
//
// and the k-th automatic supplementary draw of that root uses s_k, with the
// parent's witness numbers (SupplementWitnesses). The root's commitment
// SHA-256(s_0), in its pool document and shown before its witnesses enter
// their numbers, fixes every s_k: ChainStep applied k times to s_k must give
// the revealed s_0. A second value doing so would have had to be built into
// the chain before the commitment, as a collision of ChainStep (SHA-256:
// some 2^128 hash computations for one alternative). Revealing s_0 at the
// root's draw, or s_k at a supplementary one, tells nothing of the secrets
// after it (that would take a preimage), which stay unknown until their draws
// run. The indexes are used in order, 1, 2, 3…, without gaps (Verify checks
// it), so the server cannot skip a secret it dislikes either.
//
// What a supplementary draw records: its pool document (hashed at its own
// time) carries the header line "secret sha256-chain root <id> index <k>
// commitment <root's commitment>" (so that its own pool hash, recorded
// before it runs, binds the commitment it is checked against),
// expert_draws.secret_root_draw_id and secret_chain_index say the same, and
// its sources are the parent's witness numbers followed by s_k. Verify and
// VerifyArchive recompute the chain, the witnesses and the selection.
//
// A supplementary draw that waits for witnesses at the terminal (the
// setting auto_supplementary off, a root prepared before chains existed, or
// a chain used up) commits to a fresh random secret before its own
// witnesses, as a first draw does.

// chainScheme names the derivation in documents and archives.
const chainScheme = "sha256-chain"

// chainLength is the number of supplementary secrets of a new root draw;
// further automatic supplementary draws of the lot wait for witnesses.
const chainLength = 64

// purposeChain seals a root draw's chain seed (object: its commitment).
const purposeChain = "expert-draw-chain"

// chainDomain separates the chain's hashes from every other use of SHA-256.
const chainDomain = "GGZY-EXPERT-DRAW-CHAIN 1\n"

// ChainStep is one link of the secret chain: "S" followed by
// SHA-256("GGZY-EXPERT-DRAW-CHAIN 1\n" + secret) in upper-case hex (a text
// source of the RFC 3797 key, like every draw secret). The whole 32 bytes:
// with fewer, a server could afford to build a chain with two secrets for
// one link (a birthday collision costs 2^(bits/2)) and pick either after
// seeing the witnesses' numbers.
func ChainStep(secret string) string {
	h := sha256.Sum256([]byte(chainDomain + secret))
	return "S" + strings.ToUpper(hex.EncodeToString(h[:]))
}

// chainSecret returns s_k of the chain of length n grown from seed s_n.
func chainSecret(seed string, n, k int) string {
	s := seed
	for i := n; i > k; i-- {
		s = ChainStep(s)
	}
	return s
}

// maxChainIndex bounds the index a verifier accepts.
const maxChainIndex = 1 << 16

// ChainReaches reports whether k steps from secret reach root: whether
// secret is s_k of the chain whose end is root.
func ChainReaches(secret string, k int, root string) bool {
	if k < 1 || k > maxChainIndex {
		return false
	}
	for range k {
		secret = ChainStep(secret)
	}
	return secret == root
}

// SupplementWitnesses are the witness sources of an automatic supplementary
// draw: its parent's witness sources (Draw.Witnesses), or, should the parent
// have none, the parent's id.
func SupplementWitnesses(parentWitnesses []string, parentID int64) []string {
	if len(parentWitnesses) == 0 {
		return []string{strconv.FormatInt(parentID, 10)}
	}
	return slices.Clone(parentWitnesses)
}

// derivation is the chain secret of an automatic supplementary draw.
type derivation struct {
	root       int64
	index      int
	secret     string
	commitment string // the root's secret commitment
}

// headerLine is the pool document's record of the derivation.
func (dv *derivation) headerLine() string {
	return fmt.Sprintf("secret %s root %d index %d commitment %s", chainScheme, dv.root, dv.index, dv.commitment)
}

// parseDerivation reads the derivation line of a pool document header, if
// any: the root draw, the link and the root's commitment.
func parseDerivation(header []string) (root int64, index int, commitment string, ok bool, err error) {
	for _, h := range header {
		rest, found := strings.CutPrefix(h, "secret ")
		if !found {
			continue
		}
		var scheme string
		if _, err := fmt.Sscanf(rest, "%s root %d index %d commitment %s", &scheme, &root, &index, &commitment); err != nil || scheme != chainScheme || len(commitment) != 64 {
			return 0, 0, "", false, fmt.Errorf("pool document: unreadable secret derivation %q", h)
		}
		return root, index, commitment, true, nil
	}
	return 0, 0, "", false, nil
}

// chainRoot finds the lot's first draw that d descends from.
func chainRoot(ctx context.Context, q sqlx.QueryerContext, d *Draw) (*Draw, error) {
	if d.SecretRoot.Valid {
		return loadDraw(ctx, q, d.SecretRoot.Int64, false)
	}
	for hops := 0; d.ParentDrawID.Valid; hops++ {
		if hops > 1000 {
			return nil, fmt.Errorf("draw %d: supplementary draws loop", d.ID)
		}
		p, err := loadDraw(ctx, q, d.ParentDrawID.Int64, false)
		if err != nil {
			return nil, err
		}
		if p.SecretRoot.Valid {
			return loadDraw(ctx, q, p.SecretRoot.Int64, false)
		}
		d = p
	}
	return d, nil
}

// nextChainSecret returns the next unused secret of the chain of the root
// that parent descends from, or nil when that root has no chain (prepared
// before chains existed) or has used it up. The caller holds the locks of
// the lot's draws, so the index it returns stays the next.
func (s *Service) nextChainSecret(ctx context.Context, tx *sqlx.Tx, parent *Draw) (*derivation, error) {
	root, err := chainRoot(ctx, tx, parent)
	if err != nil {
		return nil, err
	}
	if root.ChainLength <= 0 || len(root.ChainSealed) == 0 {
		return nil, nil
	}
	// A locking read: the latest committed link, whatever the snapshot.
	var last sql.NullInt64
	err = tx.GetContext(ctx, &last, `SELECT secret_chain_index FROM expert_draws WHERE secret_root_draw_id = ?
		ORDER BY secret_chain_index DESC LIMIT 1 FOR UPDATE`, root.ID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("chain of draw %d: %w", root.ID, err)
	}
	k := int(last.Int64) + 1
	if k > root.ChainLength {
		return nil, nil
	}
	seed, err := s.Vault.Open(purposeChain, root.Commitment, root.ChainSealed)
	if err != nil {
		return nil, fmt.Errorf("open secret chain of draw %d: %w", root.ID, err)
	}
	secret := chainSecret(string(seed), root.ChainLength, k)
	if Hash([]byte(chainSecret(string(seed), root.ChainLength, 0))) != root.Commitment {
		return nil, fmt.Errorf("draw %d: secret chain does not end at its commitment", root.ID)
	}
	return &derivation{root: root.ID, index: k, secret: secret, commitment: root.Commitment}, nil
}

// newRootSecret draws the seed of a new chain and returns the root secret
// s_0 and the seed.
func newRootSecret() (secret, seed string, err error) {
	seed, err = newSecret()
	if err != nil {
		return "", "", err
	}
	return chainSecret(seed, chainLength, 0), seed, nil
}
