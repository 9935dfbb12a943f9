package trading

import (
	"strings"
	"testing"

	"ggzy/money"
	"ggzy/problem"
)

func TestParseBidForm(t *testing.T) {
	long := strings.Repeat("天", maxDurationRunes+1)
	for _, tc := range []struct {
		name, kind string
		in         BidFormInput
		price      money.Fen
		bad        []string // fields with an error
	}{
		{"grouped", Engineering, BidFormInput{"9,100,000.00", " 365日历天 ", "合格"}, 910_000_000, nil},
		{"plain yuan", Procurement, BidFormInput{"￥88.5", "30日", "符合国家标准"}, 8850, nil},
		{"zero", Engineering, BidFormInput{"0", "1日", "合格"}, 0, []string{"price"}},
		{"negative", Engineering, BidFormInput{"-1", "1日", "合格"}, 0, []string{"price"}},
		{"three decimals", Engineering, BidFormInput{"1.005", "1日", "合格"}, 0, []string{"price"}},
		{"float syntax", Engineering, BidFormInput{"1e6", "1日", "合格"}, 0, []string{"price"}},
		{"missing texts", Engineering, BidFormInput{"100", "", " "}, 0, []string{"duration", "quality"}},
		{"land needs no texts", Land, BidFormInput{"100", "", ""}, 10000, nil},
		{"too long", Property, BidFormInput{"100", long, ""}, 0, []string{"duration"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			price, duration, _, err := parseBidForm(tc.in, tc.kind)
			var got []string
			if p, ok := problem.As(err); ok {
				for _, f := range p.Fields {
					got = append(got, f.Name)
				}
			} else if err != nil {
				t.Fatalf("not a problem: %v", err)
			}
			if strings.Join(got, ",") != strings.Join(tc.bad, ",") {
				t.Fatalf("fields with errors %v, want %v", got, tc.bad)
			}
			if err == nil && (price != tc.price || duration != strings.TrimSpace(tc.in.Duration)) {
				t.Errorf("got %d %q", price, duration)
			}
		})
	}
}

func FuzzParseBidForm(f *testing.F) {
	for _, s := range []string{"9,100,000.00", "0.01", "-1", "1e9", "", "￥1,000", "99999999999999999999"} {
		f.Add(s, "365日历天", "合格")
	}
	f.Fuzz(func(t *testing.T, price, duration, quality string) {
		p, d, q, err := parseBidForm(BidFormInput{price, duration, quality}, Engineering)
		if err != nil {
			if _, ok := problem.As(err); !ok {
				t.Fatalf("not a problem: %v", err)
			}
			return
		}
		if p <= 0 || d == "" || q == "" {
			t.Fatalf("accepted %q %q %q as %d %q %q", price, duration, quality, p, d, q)
		}
		if again, err := money.Parse(p.String()); err != nil || again != p {
			t.Fatalf("%d prints as %q which parses to %d, %v", p, p.String(), again, err)
		}
	})
}

func TestBidFormDigestIsCanonical(t *testing.T) {
	a := BidFormDigest(7, 910_000_000, "365日历天", "合格")
	if a != BidFormDigest(7, 910_000_000, "365日历天", "合格") || a == BidFormDigest(8, 910_000_000, "365日历天", "合格") ||
		a == BidFormDigest(7, 910_000_001, "365日历天", "合格") || len(a) != 64 {
		t.Errorf("digest %s", a)
	}
}
