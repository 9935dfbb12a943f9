package approval

import (
	"testing"

	"ggzy/calendar"
	"ggzy/problem"
)

func TestApprovalMaskName(t *testing.T) {
	for in, want := range map[string]string{"": "", "张三": "张*", "欧阳修": "欧**", "司马相如": "司**如", "示范第一建设集团有限公司": "示范********公司"} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestApprovalPromisedCut(t *testing.T) {
	for _, tc := range []struct{ legal, cut, want int }{{20, 30, 14}, {7, 30, 4}, {45, 30, 31}, {20, 0, 20}, {1, 30, 0}} {
		if got := MaxPromisedDays(tc.legal, tc.cut); got != tc.want {
			t.Errorf("MaxPromisedDays(%d, %d) = %d, want %d", tc.legal, tc.cut, got, tc.want)
		}
	}
}

func TestApprovalItemCheck(t *testing.T) {
	base := func() ItemInput {
		return ItemInput{Code: "ZJ-001", Name: "事项", DeptOrgID: 1, CaseType: TypePromised, LegalBasis: "依据", Conditions: "条件", Procedure: "流程",
			Materials: []Material{{Name: "申请表", Required: true, Copies: 1}}, LegalDays: 20, PromisedDays: 14}
	}
	tests := []struct {
		name   string
		change func(*ItemInput)
		field  string
		code   string
	}{
		{"valid", func(*ItemInput) {}, "", ""},
		{"cut exactly 30%", func(in *ItemInput) { in.PromisedDays = 14 }, "", ""},
		{"cut short", func(in *ItemInput) { in.PromisedDays = 15 }, "promised_days", "promised_not_shorter"},
		{"escalated need not cut", func(in *ItemInput) { in.CaseType, in.PromisedDays = TypeEscalated, 20 }, "", ""},
		{"over legal", func(in *ItemInput) { in.PromisedDays = 21 }, "promised_days", "promised_exceeds_legal"},
		{"legal too long", func(in *ItemInput) { in.LegalDays = 61 }, "legal_days", "legal_days_invalid"},
		{"instant with days", func(in *ItemInput) { in.CaseType = TypeInstant }, "promised_days", "instant_days"},
		{"depts on a promised item", func(in *ItemInput) { in.Depts = []ItemDept{{DeptOrgID: 1, Task: "x", Days: 1}} }, "depts", "depts_not_joint"},
		{"joint without lead", func(in *ItemInput) {
			in.CaseType = TypeJoint
			in.Depts = []ItemDept{{DeptOrgID: 2, Task: "a", Days: 5}, {DeptOrgID: 3, Task: "b", Days: 5}}
		}, "depts", "lead_dept_missing"},
		{"joint department over promised", func(in *ItemInput) {
			in.CaseType = TypeJoint
			in.Depts = []ItemDept{{DeptOrgID: 1, Task: "a", Days: 15}, {DeptOrgID: 3, Task: "b", Days: 5}}
		}, "depts[0].days", "dept_days_invalid"},
		{"duplicate material", func(in *ItemInput) { in.Materials = append(in.Materials, Material{Name: "申请表", Copies: 1}) }, "materials[1].name", "material_duplicate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.change(&in)
			in.normalise()
			var f problem.Fields
			in.check(&f, 30)
			err := f.Err()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			p, ok := problem.As(err)
			if !ok {
				t.Fatalf("accepted, want %s on %s", tc.code, tc.field)
			}
			for _, fe := range p.Fields {
				if fe.Name == tc.field && fe.Code == tc.code {
					return
				}
			}
			t.Fatalf("fields %+v, want %s on %s", p.Fields, tc.code, tc.field)
		})
	}
}

func TestApprovalSuspendedWorkingDays(t *testing.T) {
	cal := calendar.New(calendar.Seed2025And2026())
	d := func(s string) calendar.Date {
		v, err := calendar.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		from, to string
		want     int
	}{
		{"2026-03-02", "2026-03-02", 0}, // resumed the same day
		{"2026-03-02", "2026-03-09", 5}, // Monday to Monday
		{"2026-04-30", "2026-05-07", 2}, // across 劳动节: 30 April and 6 May
		{"2026-05-08", "2026-05-11", 2}, // Friday and the 调休 Saturday
	} {
		if got := SuspendedWorkingDays(cal, d(tc.from), d(tc.to)); got != tc.want {
			t.Errorf("SuspendedWorkingDays(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestApprovalCaseNoAndQueryCode(t *testing.T) {
	if got := FormatCaseNo(2026, 123); got != "SP2026-000123" {
		t.Errorf("FormatCaseNo = %q", got)
	}
	if got := NormalizeQueryCode(" abcd-ef 23 "); got != "ABCDEF23" {
		t.Errorf("NormalizeQueryCode = %q", got)
	}
	seen := map[string]bool{}
	for range 100 {
		c, err := newQueryCode()
		if err != nil || len(c) != QueryCodeLen || seen[c] {
			t.Fatalf("query code %q %v", c, err)
		}
		seen[c] = true
	}
}
