package trading

import (
	"context"
	"testing"
	"time"

	"ggzy/db/dbtest"
	"ggzy/money"
)

// A locality may lower the ceiling; values above the 2,000,000 guard are
// ignored in favour of the default.
func TestFixedPriceCeilingIsASetting(t *testing.T) {
	x := dbtest.DB(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	t.Cleanup(func() { _, _ = x.Exec(`DELETE FROM settings WHERE name = 'fixedprice.ceiling_yuan'`) })
	for _, tt := range []struct {
		value string
		want  money.Fen
	}{
		{"1000000", 1_000_000_00},
		{"3000000", FixedPriceCeiling}, // above the guard: default kept
		{"abc", FixedPriceCeiling},
	} {
		if err := SetFixedPriceSetting(ctx, x, "ceiling_yuan", tt.value, now); err != nil {
			t.Fatal(err)
		}
		st, err := LoadFixedPriceSettings(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		if st.Ceiling() != tt.want {
			t.Errorf("ceiling_yuan=%s: %d, want %d", tt.value, st.Ceiling(), tt.want)
		}
	}
	st := DefaultFixedPriceSettings
	st.CeilingYuan = 1_000_000
	if got := ceilingText(st); got != "100万元" {
		t.Errorf("ceiling text %q", got)
	}
}
