package settings

import (
	"testing"

	"ggzy/problem"
)

func TestCheck(t *testing.T) {
	fields := []Field{{Name: "days", Label: "天数", Unit: "日", Min: 1, Max: 30}, {Name: "on", Label: "开关", Bool: true}}
	tests := []struct {
		in    map[string]string
		codes map[string]string
		out   map[string]string
	}{
		{map[string]string{"days": " 07 ", "on": "1"}, nil, map[string]string{"days": "7", "on": "1"}},
		{map[string]string{"days": "31", "on": "yes"}, map[string]string{"days": "setting_out_of_range", "on": "setting_not_boolean"}, nil},
		{map[string]string{"days": "七"}, map[string]string{"days": "setting_not_integer", "on": "required"}, nil},
		{map[string]string{"on": "0"}, map[string]string{"days": "required"}, nil},
	}
	for _, tt := range tests {
		var f problem.Fields
		out := map[string]string{}
		Check(fields, tt.in, &f, out)
		got := map[string]string{}
		if p, ok := problem.As(f.Err()); ok {
			for _, fe := range p.Fields {
				got[fe.Name] = fe.Code
			}
		}
		if len(got) != len(tt.codes) {
			t.Errorf("%v: codes %v, want %v", tt.in, got, tt.codes)
		}
		for k, v := range tt.codes {
			if got[k] != v {
				t.Errorf("%v: %s code %q, want %q", tt.in, k, got[k], v)
			}
		}
		for k, v := range tt.out {
			if out[k] != v {
				t.Errorf("%v: %s = %q, want %q", tt.in, k, out[k], v)
			}
		}
	}
}
