package trading

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// fill sets every field of the struct v points to (recursively, slices
// with 0 to 2 elements, strings from a list that has every case
// appendJSONString treats apart) from rng.
func fill(t *testing.T, rng *rand.Rand, v reflect.Value) {
	strs := []string{"", "plain", "公共资源交易中心", "<b>", "A&B", "a>b", "中&文", "中<文", `引号"\反斜杠`, "tab\there", "\x00\x1f\x7f", "\u2028\u2029", "bad\xffutf8", "¥1,000.00"}
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			ts := []time.Time{{}, time.Date(2026, 11, 22, 14, 3, 4, 123456000, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CST", 8*3600))}
			v.Set(reflect.ValueOf(ts[rng.IntN(len(ts))]))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(t, rng, v.Field(i))
			}
		}
	case reflect.String:
		v.SetString(strs[rng.IntN(len(strs))])
	case reflect.Int, reflect.Int64:
		v.SetInt(rng.Int64N(1<<53) - 1<<52)
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 1)
	case reflect.Slice:
		n := rng.IntN(4) - 1 // -1: nil
		if n < 0 {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			fill(t, rng, s.Index(i))
		}
		v.Set(s)
	default:
		t.Fatalf("fill: a %s field: teach fill and AppendJSON about it", v.Kind())
	}
}

// AppendJSON writes what encoding/json writes for the same value, for
// every field: a field added to one of these types without AppendJSON
// learning it fails here.
func TestAppendJSONIsJSONMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type plainSignup MySignup // without the MarshalJSON method
	for i := 0; i < 500; i++ {
		var m MySignup
		fill(t, rng, reflect.ValueOf(&m).Elem())
		want, err := json.Marshal(plainSignup(m))
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.AppendJSON(nil)
		if err != nil || string(got) != string(want) {
			t.Fatalf("MySignup.AppendJSON:\n got %s %v\nwant %s", got, err, want)
		}
		if viaMarshal, err := json.Marshal(m); err != nil || string(viaMarshal) != string(want) {
			t.Fatalf("json.Marshal(MySignup) = %s %v", viaMarshal, err)
		}

		var v signupSealed
		fill(t, rng, reflect.ValueOf(&v).Elem())
		want, _ = json.Marshal(v)
		if got, err := v.AppendJSON(nil); err != nil || string(got) != string(want) {
			t.Fatalf("signupSealed.AppendJSON:\n got %s %v\nwant %s", got, err, want)
		}
	}
	// Times json refuses are refused here too.
	for _, bad := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 24*3600)),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("Y", -25*3600))} {
		if _, err := (MySignup{Deadline: bad}).AppendJSON(nil); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
}
