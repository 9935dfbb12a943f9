package expertpool

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"ggzy/lottery"
)

// PoolGroup is one quota group of a draw with its ordered eligible pool:
// member n of the RFC 3797 selection is Pool[n-1].
type PoolGroup struct {
	No        int     `json:"no"`
	Specialty string  `json:"specialty"`
	Primaries int     `json:"primaries"`
	Backups   int     `json:"backups"`
	Pool      []int64 `json:"-"`
}

// Need is primaries plus backups.
func (g PoolGroup) Need() int { return g.Primaries + g.Backups }

// Pick is one selected member: Rank 1..Primaries are the committee, the
// rest backups in order.
type Pick struct {
	Group    int   `db:"group_no" json:"group"`
	Rank     int   `db:"rank_no" json:"rank"`
	Position int   `db:"position" json:"position"` // 1-based member number in the group's pool
	ExpertID int64 `db:"expert_id" json:"expert_id"`
}

// GroupKey is the RFC 3797 key of a group: the sources in order (witness
// numbers, then the revealed server secret) followed by the group's
// specialty code as a text source, e.g. "26.9319./…/3F9A…/GC01/".
func GroupKey(sources []string, specialty string) (string, error) {
	return lottery.KeyFromStrings(append(slices.Clip(sources), specialty))
}

// Choose selects the members of every group in RFC 3797 order: for each
// group in turn, the members are taken in the order lottery.Select gives
// for the group's key and pool size, skipping an expert already selected for
// an earlier group, until primaries and backups are filled. The result
// depends on nothing but the sources and the groups, so anyone holding the
// archived pool recomputes it.
func Choose(groups []PoolGroup, sources []string) ([]Pick, error) {
	taken := map[int64]bool{}
	var out []Pick
	for _, g := range groups {
		key, err := GroupKey(sources, g.Specialty)
		if err != nil {
			return nil, err
		}
		overlap := 0
		for _, id := range g.Pool {
			if taken[id] {
				overlap++
			}
		}
		n := min(len(g.Pool), g.Need()+overlap)
		if len(g.Pool)-overlap < g.Need() {
			return nil, fmt.Errorf("group %d (%s): %d eligible after earlier groups, %d needed", g.No, g.Specialty, len(g.Pool)-overlap, g.Need())
		}
		if n == 0 {
			continue
		}
		order, err := lottery.Select(key, len(g.Pool), n)
		if err != nil {
			return nil, err
		}
		rank := 0
		for _, pos := range order {
			id := g.Pool[pos-1]
			if taken[id] {
				continue
			}
			taken[id] = true
			rank++
			out = append(out, Pick{Group: g.No, Rank: rank, Position: pos, ExpertID: id})
			if rank == g.Need() {
				break
			}
		}
	}
	return out, nil
}

// Shortfall is a quota group the eligible pool cannot fill.
type Shortfall struct {
	Group     int
	Specialty string
	Need      int
	Available int
}

// Shortfalls checks, before any draw, that every group can be filled
// whatever earlier groups take: a group's available count is its pool less
// the members it shares with earlier groups' pools, at most what those
// groups take.
func Shortfalls(groups []PoolGroup) []Shortfall {
	if ascending(groups) {
		return shortfallsSorted(groups)
	}
	var out []Shortfall
	earlier := map[int64]bool{}
	earlierNeed := 0
	for _, g := range groups {
		shared := 0
		for _, id := range g.Pool {
			if earlier[id] {
				shared++
			}
		}
		avail := len(g.Pool) - min(shared, earlierNeed)
		if avail < g.Need() {
			out = append(out, Shortfall{Group: g.No, Specialty: g.Specialty, Need: g.Need(), Available: avail})
		}
		for _, id := range g.Pool {
			earlier[id] = true
		}
		earlierNeed += g.Need()
	}
	return out
}

// ascending reports whether every pool is strictly ascending, as a draw's
// pools are.
func ascending(groups []PoolGroup) bool {
	for _, g := range groups {
		for i := 1; i < len(g.Pool); i++ {
			if g.Pool[i-1] >= g.Pool[i] {
				return false
			}
		}
	}
	return true
}

// shortfallsSorted is Shortfalls over strictly ascending pools, merging
// instead of hashing: the pools of a draw hold tens of thousands of ids.
func shortfallsSorted(groups []PoolGroup) []Shortfall {
	var out []Shortfall
	var earlier []int64 // the union of earlier pools, ascending; never written (it may be a group's pool)
	var unions [2][]int64
	earlierNeed := 0
	for k, g := range groups {
		shared := 0
		switch {
		case k == len(groups)-1: // no group after it: count, no union
			for i, j := 0, 0; i < len(earlier) && j < len(g.Pool); {
				switch {
				case earlier[i] < g.Pool[j]:
					i++
				case g.Pool[j] < earlier[i]:
					j++
				default:
					shared++
					i++
					j++
				}
			}
		case len(earlier) == 0:
			earlier = g.Pool
		default:
			u := slices.Grow(unions[k%2][:0], len(earlier)+len(g.Pool)) // not earlier's array
			i, j := 0, 0
			for i < len(earlier) || j < len(g.Pool) {
				switch {
				case j == len(g.Pool) || (i < len(earlier) && earlier[i] < g.Pool[j]):
					u = append(u, earlier[i])
					i++
				case i == len(earlier) || g.Pool[j] < earlier[i]:
					u = append(u, g.Pool[j])
					j++
				default:
					shared++
					u = append(u, g.Pool[j])
					i++
					j++
				}
			}
			unions[k%2], earlier = u, u
		}
		avail := len(g.Pool) - min(shared, earlierNeed)
		if avail < g.Need() {
			out = append(out, Shortfall{Group: g.No, Specialty: g.Specialty, Need: g.Need(), Available: avail})
		}
		earlierNeed += g.Need()
	}
	return out
}

// Exclusion is an expert kept out of a draw and why.
type Exclusion struct {
	ExpertID int64    `json:"expert_id"`
	Reasons  []string `json:"reasons"` // codes of ExclusionNames, with ":org" where an organisation is the cause
}

// ExclusionNames are the Chinese names of the avoidance reasons.
var ExclusionNames = map[string]string{
	"not_senior":        "无高级职称",
	"years_short":       "从业年限不足",
	"over_age":          "超过年龄上限",
	"employer_tenderer": "在招标人单位任职",
	"employer_agency":   "在招标代理机构任职",
	"employer_avoided":  "在应回避单位任职",
	"supervising_staff": "项目监督部门工作人员",
	"employed_recently": "近年曾在招标人、代理机构或应回避单位任职",
	"declared_relative": "申报有近亲属在相关单位",
	"declared_interest": "申报与相关单位有利害关系",
	"penalised":         "处罚期内",
	"on_leave":          "请假",
	"booked":            "同一时段已有评标安排",
	"too_frequent":      "近期为同一招标人评标次数已达上限",
	"already_drawn":     "本标段已被抽取过",
}

// ReasonName names a reason code such as "employer_tenderer:12".
func ReasonName(code string) string {
	base, org, _ := strings.Cut(code, ":")
	n := ExclusionNames[base]
	if n == "" {
		n = base
	}
	if org != "" {
		n += "（单位" + org + "）"
	}
	return n
}

// Document is the archived pool of a draw: the parameters, the secret's
// commitment, every exclusion with its reasons, and each group's ordered
// pool, as canonical text. Its SHA-256 is the pool hash shown before the
// witnesses enter their numbers.
type Document struct {
	Header     []string // "name value" lines, in order
	Commitment string
	Groups     []PoolGroup
	Exclusions []Exclusion

	hash string // set when read from the archive and checked
}

const docMagic = "GGZY-EXPERT-DRAW-POOL 1"

// Bytes renders the canonical text.
func (d *Document) Bytes() []byte { return d.appendBytes(nil) }

// appendBytes appends the canonical text to b.
func (d *Document) appendBytes(b []byte) []byte {
	n := 1024
	for _, g := range d.Groups {
		n += len(g.Pool) * 8
	}
	for _, x := range d.Exclusions {
		n += 30
		for _, r := range x.Reasons {
			n += len(r) + 1
		}
	}
	// Plain appends: a large pool is tens of thousands of numbers.
	b = slices.Grow(b, n)
	b = append(b, docMagic+"\n"...)
	for _, h := range d.Header {
		b = append(b, h...)
		b = append(b, '\n')
	}
	b = append(b, "commitment "+d.Commitment+"\n"...)
	for _, g := range d.Groups {
		b = fmt.Appendf(b, "group %d %s primaries %d backups %d size %d\n", g.No, g.Specialty, g.Primaries, g.Backups, len(g.Pool))
		b = append(b, "pool"...)
		for _, id := range g.Pool {
			b = append(b, ' ')
			b = strconv.AppendInt(b, id, 10)
		}
		b = append(b, '\n')
	}
	for _, x := range d.Exclusions {
		b = append(b, "exclude "...)
		b = strconv.AppendInt(b, x.ExpertID, 10)
		b = append(b, ' ')
		for i, r := range x.Reasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, r...)
		}
		b = append(b, '\n')
	}
	return append(b, "end\n"...)
}

// Hash is the hex SHA-256 of b.
func Hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ParseDocument reads what Bytes wrote.
func ParseDocument(b []byte) (*Document, error) {
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) < 2 || lines[0] != docMagic || lines[len(lines)-1] != "end" {
		return nil, fmt.Errorf("pool document: not a %q document", docMagic)
	}
	d := &Document{}
	for i := 1; i < len(lines)-1; i++ {
		ln := lines[i]
		word, rest, _ := strings.Cut(ln, " ")
		switch word {
		case "commitment":
			d.Commitment = rest
		case "group":
			var g PoolGroup
			var size int
			if _, err := fmt.Sscanf(rest, "%d %s primaries %d backups %d size %d", &g.No, &g.Specialty, &g.Primaries, &g.Backups, &size); err != nil {
				return nil, fmt.Errorf("pool document line %d: %w", i+1, err)
			}
			i++
			if i >= len(lines)-1 || (lines[i] != "pool" && !strings.HasPrefix(lines[i], "pool ")) {
				return nil, fmt.Errorf("pool document line %d: group %d has no pool line", i+1, g.No)
			}
			fields := strings.Fields(strings.TrimPrefix(lines[i], "pool"))
			g.Pool = make([]int64, len(fields))
			for j, fld := range fields {
				id, err := strconv.ParseInt(fld, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("pool document line %d: member %d: %w", i+1, j+1, err)
				}
				g.Pool[j] = id
			}
			if len(g.Pool) != size {
				return nil, fmt.Errorf("pool document: group %d says size %d but lists %d", g.No, size, len(g.Pool))
			}
			d.Groups = append(d.Groups, g)
		case "exclude":
			idText, reasons, _ := strings.Cut(rest, " ")
			id, err := strconv.ParseInt(idText, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("pool document line %d: %w", i+1, err)
			}
			d.Exclusions = append(d.Exclusions, Exclusion{ExpertID: id, Reasons: strings.Split(reasons, ",")})
		default:
			d.Header = append(d.Header, ln)
		}
	}
	return d, nil
}
