package money

import (
	"errors"
	"math"
	"testing"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in       string
		want     Rate
		wantCode string
	}{
		{in: "5", want: 50000},
		{in: "5.5", want: 55000},
		{in: "5.25%", want: 52500},
		{in: "5.25 %", want: 52500},
		{in: "5.25％", want: 52500},
		{in: "0", want: 0},
		{in: "0%", want: 0},
		{in: "0.0001", want: 1},
		{in: "12.3456%", want: 123456},
		{in: "99.9999", want: 999999},
		{in: "005", want: 50000},
		{in: " 3 ", want: 30000},
		{in: "100", wantCode: CodeRateRange},
		{in: "100.0", wantCode: CodeRateRange},
		{in: "250", wantCode: CodeRateRange},
		{in: "99999999999999999999", wantCode: CodeRateRange},
		{in: "-1", wantCode: CodeRateRange},
		{in: "1.00001", wantCode: CodeRateDecimals},
		{in: "", wantCode: CodeRateEmpty},
		{in: "%", wantCode: CodeRateEmpty},
		{in: "abc", wantCode: CodeRateInvalid},
		{in: "5.", wantCode: CodeRateInvalid},
		{in: ".5", wantCode: CodeRateInvalid},
		{in: "5%%", wantCode: CodeRateInvalid},
		{in: "+5", wantCode: CodeRateInvalid},
		{in: "1,000", wantCode: CodeRateInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRate(tt.in)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if got != tt.want {
					t.Fatalf("got %d, want %d", got, tt.want)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code() != tt.wantCode {
				t.Fatalf("got %d, %v; want code %s", got, err, tt.wantCode)
			}
		})
	}
}

func TestRateString(t *testing.T) {
	tests := []struct {
		in   Rate
		want string
	}{
		{0, "0%"},
		{50000, "5%"},
		{52500, "5.25%"},
		{1, "0.0001%"},
		{123456, "12.3456%"},
		{999999, "99.9999%"},
		{-52500, "-5.25%"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Errorf("String = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMulRate(t *testing.T) {
	tests := []struct {
		name            string
		f               Fen
		r               Rate
		halfUp, truncMy Fen
	}{
		{"exact", 10000, 52500, 525, 525},
		{"half fen", 1, 50 * Percent, 1, 0},
		{"one and a half fen", 3, 50 * Percent, 2, 1},
		{"just under half", 100, 4999, 0, 0},
		{"exactly half of 0.5% of 1 yuan", 100, Percent / 2, 1, 0},
		{"just over half", 100, 5001, 1, 0},
		{"deposit 2% of 1,999,999.99", 199999999, 2 * Percent, 4000000, 3999999},
		{"zero rate", 199999999, 0, 0, 0},
		{"zero amount", 0, 52500, 0, 0},
		{"negative half rounds away from zero", -1, 50 * Percent, -1, 0},
		{"negative", -10000, 52500, -525, -525},
		{"max", math.MaxInt64, 999999, 9223362813482738952, 9223362813482738952},
		{"min", math.MinInt64, 999999, -9223362813482738953, -9223362813482738953},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.MulRate(tt.r, RoundHalfUp); got != tt.halfUp {
				t.Errorf("half up = %d, want %d", got, tt.halfUp)
			}
			if got := tt.f.MulRate(tt.r, Truncate); got != tt.truncMy {
				t.Errorf("truncate = %d, want %d", got, tt.truncMy)
			}
		})
	}
}

func TestMulRateMax(t *testing.T) {
	// MaxInt64 × 99.9999% = 9223372036854775807 − 9223372036854.775807
	// = 9223362813482738952.224193, computed the other way round.
	const want = 9223372036854775807 - 9223372036855
	if got := Fen(math.MaxInt64).MulRate(999999, RoundHalfUp); got != want {
		t.Errorf("got %d, want %d", got, want)
	}
}

func TestDiscountBy(t *testing.T) {
	tests := []struct {
		name            string
		f               Fen
		r               Rate
		halfUp, truncMy Fen
	}{
		{"5% off 1,999,999.99", 199999999, 5 * Percent, 189999999, 189999999},
		{"2.5% off 1,000,000.20 (exact half)", 100000020, 25000, 97500020, 97500019},
		{"50% off 1 fen", 1, 50 * Percent, 1, 0},
		{"no discount", 12345, 0, 12345, 12345},
		{"8.88% off 1,500,000.00", 150000000, 88800, 136680000, 136680000},
		{"3.3333% off 1,234.57", 123457, 33333, 119342, 119341},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.DiscountBy(tt.r, RoundHalfUp); got != tt.halfUp {
				t.Errorf("half up = %d, want %d", got, tt.halfUp)
			}
			if got := tt.f.DiscountBy(tt.r, Truncate); got != tt.truncMy {
				t.Errorf("truncate = %d, want %d", got, tt.truncMy)
			}
		})
	}
}

func TestMulRatePanics(t *testing.T) {
	tests := []struct {
		name string
		fn   func()
	}{
		{"unknown rounding", func() { Fen(1).MulRate(1, Rounding(9)) }},
		{"rate over 100%", func() { Fen(1).MulRate(100*Percent+1, RoundHalfUp) }},
		{"discount over 100%", func() { Fen(1).DiscountBy(-100*Percent-1, RoundHalfUp) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.fn()
		})
	}
}

func TestRoundingString(t *testing.T) {
	if RoundHalfUp.String() != "四舍五入" || Truncate.String() != "舍去" {
		t.Errorf("got %s, %s", RoundHalfUp, Truncate)
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"5", "5.5", "5.25%", "100", "-1", "0.00001", "", "99.9999％"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Message() == "" {
				t.Fatalf("untyped or silent error %v", err)
			}
			return
		}
		if r < 0 || r >= 100*Percent {
			t.Fatalf("rate %d out of range", r)
		}
		if back, err := ParseRate(r.String()); err != nil || back != r {
			t.Fatalf("%q → %d → %q → %d, %v", s, r, r.String(), back, err)
		}
		base := Fen(123456789)
		if d, m := base.DiscountBy(r, Truncate), base.MulRate(r, Truncate); d < 0 || m < 0 || d > base || m > base {
			t.Fatalf("discount %d, product %d of %d", d, m, base)
		}
	})
}
