package demo

// The demo approval hall: three catalogue items (即办件, 承诺件, and a
// 联办件 of 住建局 with 自然资源和规划局) and three cases in different
// states, taken and handled through the approval service as the demo
// users.

import (
	"context"
	"fmt"

	"ggzy/approval"
	"ggzy/idcode"
)

// Hall is what seedHall created.
type Hall struct {
	Items map[string]int64 // by item code
	// Cases by state: "decided" (the instant item, decided on the spot),
	// "incomplete" (一次性告知 given) and "in_review" (the joint item, one
	// department agreed).
	Cases map[string]approval.Receipt
}

// residentID completes a 17-digit prefix with its check character.
func residentID(prefix string) string {
	c, err := idcode.ResidentIDCheckChar(prefix)
	if err != nil {
		panic(fmt.Sprintf("demo ID prefix %q: %v", prefix, err))
	}
	return prefix + string(c)
}

func seedHall(admin, clerk, approver2 context.Context, s *approval.Service, zj, gh int64) (*Hall, error) {
	h := &Hall{Items: map[string]int64{}, Cases: map[string]approval.Receipt{}}
	items := []approval.ItemInput{
		{Code: "ZJ-JB-001", Name: "建筑施工企业安全生产许可证信息变更", DeptOrgID: zj, CaseType: approval.TypeInstant,
			LegalBasis: "《安全生产许可证条例》；《建筑施工企业安全生产许可证管理规定》", Conditions: "企业名称、地址、法定代表人等信息发生变更，且已取得有效的安全生产许可证",
			Materials: []approval.Material{{Name: "变更申请表", Required: true, Copies: 1}, {Name: "营业执照副本复印件", Required: true, Copies: 1}},
			Procedure: "窗口收件，材料齐全的当场办结", Fee: "不收费", Contact: "示范市政务服务大厅住建窗口 0571-88880001"},
		{Code: "ZJ-CN-001", Name: "建筑工程施工许可证核发", DeptOrgID: zj, CaseType: approval.TypePromised,
			LegalBasis: "《中华人民共和国建筑法》第七条、第八条；《建筑工程施工许可管理办法》", Conditions: "已办理用地批准手续、取得建设工程规划许可证、施工场地已基本具备施工条件、已确定施工企业、有保证工程质量和安全的具体措施",
			Materials: []approval.Material{{Name: "建筑工程施工许可证申请表", Required: true, Copies: 1}, {Name: "建设工程规划许可证", Required: true, Copies: 1},
				{Name: "中标通知书或直接发包批准手续", Required: true, Copies: 1}, {Name: "施工图设计文件审查合格书", Required: true, Copies: 1},
				{Name: "授权委托书", Required: false, Copies: 1, Note: "委托代理人办理的提供"}},
			Procedure: "窗口受理、住建局审查、作出决定、窗口送达", LegalDays: 7, PromisedDays: 3, Fee: "不收费", Contact: "示范市政务服务大厅住建窗口 0571-88880001"},
		{Code: "LB-001", Name: "建设工程竣工规划核实与竣工验收备案（联合办理）", DeptOrgID: zj, CaseType: approval.TypeJoint,
			LegalBasis: "《中华人民共和国城乡规划法》第四十五条；《房屋建筑和市政基础设施工程竣工验收备案管理办法》", Conditions: "工程已竣工并经建设单位组织验收合格",
			Materials: []approval.Material{{Name: "联合验收申请表", Required: true, Copies: 1}, {Name: "竣工验收报告", Required: true, Copies: 1},
				{Name: "竣工测量成果报告", Required: true, Copies: 1}},
			Procedure: "一窗受理，住建局、自然资源和规划局并联审查，统一出具结果", LegalDays: 20, PromisedDays: 10,
			Depts:   []approval.ItemDept{{DeptOrgID: zj, Task: "竣工验收备案", Days: 10}, {DeptOrgID: gh, Task: "竣工规划核实", Days: 7}},
			Contact: "示范市政务服务大厅综合窗口 0571-88880002"},
	}
	for _, in := range items {
		id, err := s.CreateItem(admin, in)
		if err != nil {
			return nil, fmt.Errorf("demo item %s: %w", in.Code, err)
		}
		h.Items[in.Code] = id
	}
	take := func(state, code string, in approval.IntakeInput) (*approval.Receipt, error) {
		in.ItemID = h.Items[code]
		r, err := s.Intake(clerk, in)
		if err != nil {
			return nil, fmt.Errorf("demo case (%s): %w", state, err)
		}
		h.Cases[state] = *r
		return r, nil
	}
	if _, err := take("decided", "ZJ-JB-001", approval.IntakeInput{ApplicantKind: approval.ApplicantOrganisation, ApplicantName: "示范第一建设集团有限公司",
		ApplicantID: orgUSCC("bidder1"), Phone: "13805710001", Provided: []int{1, 2}}); err != nil {
		return nil, err
	}
	if _, err := take("incomplete", "ZJ-CN-001", approval.IntakeInput{ApplicantKind: approval.ApplicantOrganisation, ApplicantName: "安居建筑安装有限公司",
		ApplicantID: orgUSCC("bidder3"), Phone: "13805710003", Provided: []int{1, 2}}); err != nil {
		return nil, err
	}
	r, err := take("in_review", "LB-001", approval.IntakeInput{ApplicantKind: approval.ApplicantPerson, ApplicantName: "陈志远",
		ApplicantID: residentID("33010619850312123"), Phone: "13905710005", Provided: []int{1, 2, 3}})
	if err != nil {
		return nil, err
	}
	for _, st := range r.Case.Steps {
		if st.DeptOrgID == gh {
			if err := s.DecideStep(approver2, st.ID, true, "竣工测量成果与规划许可一致，同意"); err != nil {
				return nil, fmt.Errorf("demo step: %w", err)
			}
		}
	}
	return h, nil
}
