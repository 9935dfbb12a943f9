package minutes

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const sampleFullID = "11010519491231002X"

func sampleDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
}

// sampleApproval is a joint item's case in the state each kind needs.
func sampleApproval(kind ApprovalKind) ApprovalNotice {
	n := ApprovalNotice{
		Kind: kind, Hall: "示范市政务服务大厅", Authority: "示范市住房和城乡建设局", No: "SP2026-000042",
		Applicant: "张三", ApplicantMasked: "110105********002X",
		Item: "建设工程施工许可（联办）", ItemCode: "ZJ-0001", CaseType: "联办件",
		ReceivedAt: at(2026, 4, 28, 9, 5), Clerk: "李窗口",
		Materials: []ApprovalMaterial{
			{Name: "建筑工程施工许可申请表", Required: true, Provided: true},
			{Name: "建设工程规划许可证", Required: true, Provided: kind != SupplementNotice, Note: "原件核验后退回"},
			{Name: "施工图设计文件审查合格书", Required: true, Provided: kind != SupplementNotice},
			{Name: "授权委托书", Required: false},
		},
	}
	switch kind {
	case AcceptanceNotice, PermitDecision, DenialDecision, ExtensionNotice, SuspensionNotice:
		n.AcceptedAt = at(2026, 4, 28, 9, 20)
		n.DueOn, n.LegalDueOn = sampleDay(2026, 5, 14), sampleDay(2026, 5, 28)
		n.Depts = []ApprovalDept{
			{Name: "示范市住房和城乡建设局", Task: "施工许可审查", DueOn: sampleDay(2026, 5, 12), Status: "待办"},
			{Name: "示范市自然资源和规划局", Task: "规划核实", DueOn: sampleDay(2026, 5, 6), Status: "待办"},
		}
	case SupplementNotice:
		n.MaterialsDue = sampleDay(2026, 5, 28)
	case RefusalDecision:
		n.RefusedAt = at(2026, 4, 28, 9, 30)
		n.RefuseReason = "申请事项依法不属于本机关职权范围，请向示范市交通运输局申请。"
	}
	switch kind {
	case PermitDecision:
		n.DecidedAt = at(2026, 5, 7, 10, 0)
		n.Depts[0].Status, n.Depts[0].Opinion = "同意", "符合施工许可条件"
		n.Depts[1].Status = "超时默认同意"
	case DenialDecision:
		n.DecidedAt = at(2026, 5, 7, 10, 0)
		n.Depts[0].Status, n.Depts[0].Opinion = "同意", "符合施工许可条件"
		n.Depts[1].Status, n.Depts[1].Opinion = "不同意", "建设工程规划许可证与设计文件不符"
		n.DecisionNote = "示范市自然资源和规划局：建设工程规划许可证与设计文件不符"
	case ExtensionNotice:
		n.ExtendedDays, n.ExtendedOn, n.ExtensionApprover, n.ExtensionReason = 10, at(2026, 5, 13, 15, 0), "王局长", "需现场核查施工场地"
		n.DueBeforeExtension, n.LegalDueBeforeExtension = sampleDay(2026, 5, 14), sampleDay(2026, 5, 28)
		n.DueAfterExtension, n.LegalDueAfterExtension = sampleDay(2026, 5, 28), sampleDay(2026, 6, 11)
	case SuspensionNotice:
		n.Suspension = &ApprovalSuspension{Procedure: "鉴定、专家评审", Note: "组织专家对施工图进行评审", ExpectedDays: 10, StartedOn: sampleDay(2026, 5, 6)}
	}
	return n
}

var approvalKinds = []ApprovalKind{AcceptanceNotice, SupplementNotice, RefusalDecision, PermitDecision, DenialDecision, ExtensionNotice, SuspensionNotice}

func TestApprovalNoticeText(t *testing.T) {
	common := []string{"示范市政务服务大厅", "示范市住房和城乡建设局", "编号：SP2026-000042", "张三", "110105********002X",
		"建设工程施工许可（联办）", "2026年4月28日09:05", "李窗口", "第1页共"}
	tests := []struct {
		kind ApprovalKind
		want []string
		not  []string
	}{
		{AcceptanceNotice, []string{"受理通知书", "予以受理", "第三十二条", "受理日期", "2026年4月28日", "承诺办结日期", "2026年5月14日",
			"法定办结日期", "2026年5月28日", "并联审批部门", "示范市自然资源和规划局", "规划核实", "2026年5月6日", "建设工程规划许可证", "第四十五条"},
			[]string{"不予", "行政复议"}},
		{SupplementNotice, []string{"补正材料通知书", "一次性告知书", "一次性告知", "建设工程规划许可证", "施工图设计文件审查合格书", "原件核验后退回",
			"2026年5月28日前", "逾期未补正的，视为撤回申请"}, []string{"决定予以受理", "行政复议"}},
		{RefusalDecision, []string{"不予受理决定书", "决定不予受理", "不属于本机关职权范围", "依法申请行政复议或者提起行政诉讼的权利", "2026年4月28日"},
			[]string{"承诺办结日期"}},
		{PermitDecision, []string{"准予行政许可决定书", "决定准予行政许可", "第三十八条", "2026年5月7日", "超时默认同意", "符合施工许可条件", "第四十条"},
			[]string{"行政复议", "不予行政许可"}},
		{DenialDecision, []string{"不予行政许可决定书", "决定不予行政许可", "理由如下", "建设工程规划许可证与设计文件不符",
			"依法申请行政复议或者提起行政诉讼的权利", "2026年5月7日"}, []string{"准予行政许可"}},
		{ExtensionNotice, []string{"延长审批期限告知书", "第四十二条", "延长10个工作日", "理由告知如下", "需现场核查施工场地", "批准人", "王局长",
			"2026年5月13日", "原承诺办结日期", "2026年5月14日", "延长后承诺办结日期", "2026年5月28日", "延长后法定办结日期", "2026年6月11日"},
			[]string{"行政复议", "予以受理。", "决定准予"}},
		{SuspensionNotice, []string{"特别程序告知书", "中止计时", "第四十五条", "鉴定、专家评审", "组织专家对施工图进行评审", "中止计时日期", "2026年5月6日",
			"所需时间", "约10个工作日", "中止前承诺办结日期", "2026年5月14日", "恢复计时后顺延"}, []string{"行政复议", "恢复计时日期"}},
	}
	for _, tc := range tests {
		t.Run(tc.kind.String(), func(t *testing.T) {
			pdf := render(t, sampleApproval(tc.kind))
			if *outDir != "" {
				if err := os.WriteFile(filepath.Join(*outDir, fmt.Sprintf("approval-%d.pdf", tc.kind)), pdf, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if len(pdf) > 150<<10 {
				t.Errorf("%d bytes", len(pdf))
			}
			text := squash(pdfText(t, pdf))
			for _, w := range append(append([]string{}, common...), tc.want...) {
				if !strings.Contains(text, squash(w)) {
					t.Errorf("the text has no %q", w)
				}
			}
			for _, w := range append(tc.not, sampleFullID, "查询码：") {
				if strings.Contains(text, squash(w)) {
					t.Errorf("the text has %q", w)
				}
			}
		})
	}
}

// An extended case's acceptance notice tells the extension and its reason
// (行政许可法 42).
func TestApprovalNoticeExtension(t *testing.T) {
	n := sampleApproval(AcceptanceNotice)
	n.ExtendedDays, n.ExtendedOn, n.ExtensionApprover, n.ExtensionReason = 10, at(2026, 5, 13, 15, 0), "王局长", "需现场核查施工场地"
	text := squash(pdfText(t, render(t, n)))
	for _, w := range []string{"延长期限", "经王局长批准，于2026年5月13日延长10个工作日", "第四十二条", "需现场核查施工场地"} {
		if !strings.Contains(text, w) {
			t.Errorf("the text has no %q", w)
		}
	}
}

// An organisation is addressed as 你单位 and identified by its USCC.
func TestApprovalNoticeOrganisation(t *testing.T) {
	n := sampleApproval(RefusalDecision)
	n.Applicant, n.Organisation, n.ApplicantMasked = "示范建设有限公司", true, "913301********123X"
	text := squash(pdfText(t, render(t, n)))
	for _, w := range []string{"统一社会信用代码", "913301********123X", "你单位于", "示范建设有限公司："} {
		if !strings.Contains(text, w) {
			t.Errorf("the text has no %q", w)
		}
	}
}

func TestApprovalNoticeDeterministic(t *testing.T) {
	for _, k := range approvalKinds {
		a, b := render(t, sampleApproval(k)), render(t, sampleApproval(k))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders differ", k)
		}
	}
	// The date of the act, not the time of rendering, is the creation date.
	a := render(t, sampleApproval(AcceptanceNotice))
	n := sampleApproval(AcceptanceNotice)
	n.AcceptedAt = n.AcceptedAt.Add(24 * time.Hour)
	if bytes.Equal(a, render(t, n)) {
		t.Error("another acceptance date gives the same bytes")
	}
}

// TestApprovalNoticeGolden pins the bytes of each sample, as
// TestMinutesGolden does (refresh with -update).
func TestApprovalNoticeGolden(t *testing.T) {
	path := filepath.Join("testdata", "approval-golden.sha256")
	var b strings.Builder
	for _, k := range approvalKinds {
		sum := sha256.Sum256(render(t, sampleApproval(k)))
		fmt.Fprintf(&b, "%s  approval-%d.pdf\n", hex.EncodeToString(sum[:]), k)
	}
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("rendered samples differ from %s:\n got:\n%s want:\n%s", path, got, want)
	}
}

func TestApprovalNoticeInvalid(t *testing.T) {
	tests := []struct {
		name string
		edit func(*ApprovalNotice)
	}{
		{"full ID number", func(n *ApprovalNotice) { n.ApplicantMasked = sampleFullID }},
		{"no kind", func(n *ApprovalNotice) { n.Kind = 0 }},
		{"no number", func(n *ApprovalNotice) { n.No = "" }},
		{"no hall", func(n *ApprovalNotice) { n.Hall = "" }},
		{"no applicant", func(n *ApprovalNotice) { n.Applicant = "" }},
		{"acceptance without limits", func(n *ApprovalNotice) { n.Kind, n.DueOn = AcceptanceNotice, time.Time{} }},
		{"supplement with nothing missing", func(n *ApprovalNotice) {
			n.Kind, n.MaterialsDue = SupplementNotice, sampleDay(2026, 5, 28)
		}},
		{"refusal without reason", func(n *ApprovalNotice) { n.Kind, n.RefusedAt, n.RefuseReason = RefusalDecision, n.AcceptedAt, " " }},
		{"denial without reasons", func(n *ApprovalNotice) { n.Kind, n.DecidedAt, n.DecisionNote = DenialDecision, n.AcceptedAt, "" }},
		{"suspension without its procedure", func(n *ApprovalNotice) {
			*n = sampleApproval(SuspensionNotice)
			n.Suspension.Procedure = ""
		}},
		{"extension without reason", func(n *ApprovalNotice) {
			*n = sampleApproval(ExtensionNotice)
			n.ExtensionReason = " "
		}},
		{"extension without its dates", func(n *ApprovalNotice) {
			*n = sampleApproval(ExtensionNotice)
			n.LegalDueAfterExtension = time.Time{}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := sampleApproval(AcceptanceNotice)
			tc.edit(&n)
			if err := n.Render(new(bytes.Buffer)); !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
	// A character the font cannot draw is refused, not dropped.
	n := sampleApproval(RefusalDecision)
	n.Applicant = "张\U00020000"
	var mg *MissingGlyphsError
	if err := n.Render(new(bytes.Buffer)); !errors.As(err, &mg) {
		t.Fatalf("got %v, want MissingGlyphsError", err)
	}
}

// A long list of missing materials and departments runs onto further pages.
func TestApprovalNoticeLong(t *testing.T) {
	n := sampleApproval(SupplementNotice)
	for i := range 60 {
		n.Materials = append(n.Materials, ApprovalMaterial{Name: fmt.Sprintf("补充材料第%d项：相关证明文件的复印件（加盖公章）", i+1), Required: true})
	}
	text := squash(pdfText(t, render(t, n)))
	for _, w := range []string{"补充材料第60项", "逾期未补正的，视为撤回申请", "第2页共"} {
		if !strings.Contains(text, w) {
			t.Errorf("the text has no %q", w)
		}
	}
}
