package evaluation

import (
	"testing"

	"ggzy/money"
)

func TestPriceScore(t *testing.T) {
	tests := []struct {
		lowest, price money.Fen
		weight        Points
		want          Points
	}{
		{100_00, 100_00, 3000, 3000}, // the lowest price gets the full weight
		{100_00, 300_00, 3000, 1000}, // a third
		{100_00, 300_00, 1000, 333},  // 3.333… → 3.33
		{200_00, 300_00, 1000, 667},  // 6.666… → 6.67 (half up)
		{1, 8, 1000, 125},            // 1.25 exactly
		{99_999_999_99, 199_999_999_98, 3000, 1500},
		{100_00, 0, 3000, 0},
	}
	for _, tt := range tests {
		if got := PriceScore(tt.lowest, tt.price, tt.weight); got != tt.want {
			t.Errorf("PriceScore(%d, %d, %d) = %d, want %d", tt.lowest, tt.price, tt.weight, got, tt.want)
		}
	}
}

func TestAggregate(t *testing.T) {
	tests := []struct {
		name   string
		scores []Points
		rule   string
		want   Points
	}{
		{"mean", []Points{8000, 8100, 8200}, AggMean, 8100},
		{"mean rounds half up", []Points{1, 2}, AggMean, 2},            // 1.5 → 2
		{"mean rounds down below half", []Points{1, 1, 2}, AggMean, 1}, // 1.33 → 1
		{"trimmed needs seven", []Points{0, 5000, 10000, 5000, 5000}, AggTrimmedMean, 5000},
		{"trimmed drops highest and lowest", []Points{0, 7000, 7000, 7000, 7000, 7000, 10000}, AggTrimmedMean, 7000},
		{"mean keeps extremes", []Points{0, 7000, 7000, 7000, 7000, 7000, 10000}, AggMean, 6429},
		{"empty", nil, AggMean, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Aggregate(tt.scores, tt.rule); got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestDeviates(t *testing.T) {
	others := []Points{8000, 8200, 8100} // mean 81.00
	tests := []struct {
		score Points
		limit Points
		want  bool
	}{
		{9100, 1000, false}, // exactly 10 points off: allowed
		{9101, 1000, true},
		{7099, 1000, true},
		{7100, 1000, false},
		{9999, 0, false}, // no limit set
	}
	for _, tt := range tests {
		if got := Deviates(tt.score, others, tt.limit); got != tt.want {
			t.Errorf("Deviates(%d, limit %d) = %v", tt.score, tt.limit, got)
		}
	}
}

func TestRankTieBreaks(t *testing.T) {
	bids := []Candidate{
		{BidID: 1, Bidder: "甲", Price: 100_00, Technical: 6000, Total: 9000},
		{BidID: 2, Bidder: "乙", Price: 90_00, Technical: 5800, Total: 9000}, // same total, lower price
		{BidID: 3, Bidder: "丙", Price: 90_00, Technical: 5900, Total: 9000}, // same total and price, higher technical
		{BidID: 4, Bidder: "丁", Price: 80_00, Technical: 5000, Total: 9500},
		{BidID: 5, Bidder: "戊", Price: 90_00, Technical: 5900, Total: 9000}, // full tie with 3: earlier wins
	}
	got := Rank(Comprehensive, bids)
	order := ""
	for _, c := range got {
		order += c.Bidder
	}
	if order != "丁丙戊乙甲" {
		t.Fatalf("comprehensive order %s", order)
	}
	if got[2].TieBroken != "递交在先者优先" || got[3].TieBroken != "技术得分高者优先" || got[4].TieBroken != "得分相同，报价低者优先" {
		t.Fatalf("tie reasons %q %q %q", got[2].TieBroken, got[3].TieBroken, got[4].TieBroken)
	}
	if c := Candidates(got); len(c) != 3 || c[0].Rank != 1 {
		t.Fatalf("candidates %+v", c)
	}
	low := Rank(LowestPrice, bids)
	order = ""
	for _, c := range low {
		order += c.Bidder
	}
	if order != "丁丙戊乙甲" {
		t.Fatalf("lowest-price order %s", order)
	}
}

func TestPointsString(t *testing.T) {
	for p, want := range map[Points]string{0: "0.00", 5: "0.05", 8525: "85.25", -150: "-1.50", 10000: "100.00"} {
		if got := p.String(); got != want {
			t.Errorf("%d: %s", p, got)
		}
	}
}
