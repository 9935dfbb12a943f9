// Package evaluation owns bid openings, evaluation committees at room
// terminals, reviews and scores, ranking, the evaluation report and the
// candidate publicity.
package evaluation

import (
	"fmt"
	"sort"

	"ggzy/money"
)

// Points are scores in hundredths of a point (85.25 points = 8525). Every
// score is a fixed-point integer; the one rounding rule is half-up to the
// hundredth (四舍五入到0.01分), applied once per computed value.
type Points int64

// String prints the points with two decimals.
func (p Points) String() string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return fmt.Sprintf("%s%d.%02d", sign, int64(p)/100, int64(p)%100)
}

// divRound divides a by b (b > 0, a ≥ 0) rounding half up.
func divRound(a, b int64) int64 { return (2*a + b) / (2 * b) }

// Methods.
const (
	Comprehensive = "comprehensive" // 综合评估法
	LowestPrice   = "lowest_price"  // 经评审的最低投标价法
)

// MethodNames are the Chinese names of the methods.
var MethodNames = map[string]string{Comprehensive: "综合评估法", LowestPrice: "经评审的最低投标价法"}

// Criterion kinds.
const (
	KindQualification = "qualification" // pass/fail (资格/符合性审查)
	KindScore         = "score"         // scored by each expert (详细评审)
	KindPrice         = "price"         // computed from the price by formula
)

// Criterion is one line of the evaluation method.
type Criterion struct {
	ID   int64
	Name string
	Kind string
	Max  Points // for KindScore and KindPrice: the weight
}

// PriceScore is the price score of the comprehensive method: lowest valid
// price / price × weight, rounded half up to the hundredth.
func PriceScore(lowest, price money.Fen, weight Points) Points {
	if price <= 0 || lowest <= 0 {
		return 0
	}
	return Points(divRound(int64(lowest)*int64(weight), int64(price)))
}

// Aggregation of the experts' scores of one bidder on one criterion.
const (
	AggMean        = "mean"         // arithmetic mean
	AggTrimmedMean = "trimmed_mean" // drop one highest and one lowest when there are ≥ 7 experts
)

// Aggregate combines the experts' scores, rounding half up.
func Aggregate(scores []Points, rule string) Points {
	if len(scores) == 0 {
		return 0
	}
	s := append([]Points(nil), scores...)
	if rule == AggTrimmedMean && len(s) >= 7 {
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		s = s[1 : len(s)-1]
	}
	var sum int64
	for _, v := range s {
		sum += int64(v)
	}
	return Points(divRound(sum, int64(len(s))))
}

// Deviates reports whether score differs from the mean of the other
// experts' scores by more than limit (a score that needs a written reason).
func Deviates(score Points, others []Points, limit Points) bool {
	if len(others) == 0 || limit <= 0 {
		return false
	}
	var sum int64
	for _, v := range others {
		sum += int64(v)
	}
	// |score − sum/n| > limit  ⇔  |score·n − sum| > limit·n (no rounding).
	n := int64(len(others))
	d := int64(score)*n - sum
	if d < 0 {
		d = -d
	}
	return d > int64(limit)*n
}

// Candidate is one bid in the ranking.
type Candidate struct {
	BidID       int64
	Bidder      string
	Price       money.Fen
	Technical   Points // sum of the scored criteria
	PricePoints Points
	Total       Points
	Rank        int
	TieBroken   string // which rule decided a tie with the bid ranked just before, if any
}

// Rank orders valid bids and numbers them from 1. For the comprehensive
// method: higher total first; ties go to the lower price, then the higher
// technical score, then the lower bid id (the earlier submission). For the
// lowest evaluated price method: lower price first; ties go to the higher
// technical score, then the earlier submission. At most three candidates
// are recommended (实施条例 53): Candidates takes them from the ranking.
func Rank(method string, bids []Candidate) []Candidate {
	out := append([]Candidate(nil), bids...)
	less := func(a, b Candidate) (bool, string) {
		if method == LowestPrice {
			if a.Price != b.Price {
				return a.Price < b.Price, ""
			}
		} else {
			if a.Total != b.Total {
				return a.Total > b.Total, ""
			}
			if a.Price != b.Price {
				return a.Price < b.Price, "得分相同，报价低者优先"
			}
		}
		if a.Technical != b.Technical {
			return a.Technical > b.Technical, "技术得分高者优先"
		}
		return a.BidID < b.BidID, "递交在先者优先"
	}
	sort.SliceStable(out, func(i, j int) bool { ok, _ := less(out[i], out[j]); return ok })
	for i := range out {
		out[i].Rank = i + 1
		out[i].TieBroken = ""
		if i > 0 {
			if _, why := less(out[i-1], out[i]); why != "" {
				out[i].TieBroken = why
			}
		}
	}
	return out
}

// Candidates returns at most three top-ranked bids.
func Candidates(ranked []Candidate) []Candidate {
	if len(ranked) > 3 {
		return ranked[:3]
	}
	return ranked
}

// RejectionGrounds are the rejection grounds of 招标投标法实施条例 第五十一条.
var RejectionGrounds = []string{
	"投标文件未经投标单位盖章和单位负责人签字",
	"投标联合体没有提交共同投标协议",
	"投标人不符合国家或者招标文件规定的资格条件",
	"同一投标人提交两个以上不同的投标文件或者投标报价（招标文件要求提交备选投标的除外）",
	"投标报价低于成本或者高于招标文件设定的最高投标限价",
	"投标文件没有对招标文件的实质性要求和条件作出响应",
	"投标人有串通投标、弄虚作假、行贿等违法行为",
}
