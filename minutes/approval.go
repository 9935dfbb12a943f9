package minutes

import (
	"io"
	"strings"
	"time"
)

// The written documents of the approval hall (政务服务大厅): the dated
// receipts for acceptance or refusal (行政许可法 32), the 一次性告知 of the
// materials to complete (32 (四)), and the written decisions (38). Each is
// an ApprovalNotice of one kind; the approval package fills it from a case.

// ApprovalKind is one of the hall's documents.
type ApprovalKind int

const (
	AcceptanceNotice ApprovalKind = iota + 1 // 受理通知书
	SupplementNotice                         // 补正材料通知书（一次性告知书）
	RefusalDecision                          // 不予受理决定书
	PermitDecision                           // 准予行政许可决定书
	DenialDecision                           // 不予行政许可决定书
	ExtensionNotice                          // 延长审批期限告知书 (行政许可法 42)
	SuspensionNotice                         // 特别程序告知书 (行政许可法 45)
)

// String is the document's title.
func (k ApprovalKind) String() string {
	switch k {
	case AcceptanceNotice:
		return "受理通知书"
	case SupplementNotice:
		return "补正材料通知书"
	case RefusalDecision:
		return "不予受理决定书"
	case PermitDecision:
		return "准予行政许可决定书"
	case DenialDecision:
		return "不予行政许可决定书"
	case ExtensionNotice:
		return "延长审批期限告知书"
	case SuspensionNotice:
		return "特别程序告知书"
	}
	return "行政许可文书"
}

// ApprovalMaterial is one line of a case's materials checklist.
type ApprovalMaterial struct {
	Name     string
	Required bool
	Provided bool
	Note     string // the catalogue's note, e.g. "原件核验后退回"
}

// ApprovalDept is one department of a joint item (联办件) working in
// parallel (并联审批): its task and limit and, once it has answered, its
// opinion.
type ApprovalDept struct {
	Name    string
	Task    string
	DueOn   time.Time // the department's limit (a date)
	Status  string    // e.g. 待办, 同意, 不同意, 超时默认同意
	Opinion string
}

// ApprovalSuspension is a stop of the clock (行政许可法 45): the procedure,
// the time it needs as told the applicant, and, once resumed, the day and
// the working days it stood.
type ApprovalSuspension struct {
	Procedure    string // 听证, 招标、拍卖, 检验、检测、检疫, 鉴定、专家评审, 其他法定情形
	Note         string
	ExpectedDays int       // working days; 0 when not recorded
	StartedOn    time.Time // a date
	EndedOn      time.Time // a date; zero while it stands
	Days         int       // working days it stood, once ended
}

// ApprovalNotice is one written document of the approval hall for one case
// (办件). The applicant's identity number is printed only as the case shows
// it, masked: Render refuses one without a mask. Dates are printed in
// Asia/Shanghai; a date-only value (a limit) is midnight of its day there.
type ApprovalNotice struct {
	Kind      ApprovalKind
	Hall      string // the hall's name, e.g. "示范市政务服务大厅"
	Authority string // the issuing department (the case's lead department)
	No        string // 文书编号: the case number

	Applicant       string // 申请人 (name of the person or organisation)
	Organisation    bool   // the applicant is an organisation (统一社会信用代码)
	ApplicantMasked string // ID number or USCC, masked ("110105********002X")

	Item       string // 申请事项
	ItemCode   string // 事项编码
	CaseType   string // 办件类型: 即办件, 承诺件, 联办件, 上报件
	Instant    bool   // 即办件: accepted and decided on the spot
	ReceivedAt time.Time
	Clerk      string // 窗口经办人

	// Materials is the checklist: received ones are listed on the
	// receipts, the missing required ones on the 一次性告知.
	Materials []ApprovalMaterial

	// AcceptanceNotice (and the decisions, which recall it).
	AcceptedAt    time.Time
	DueOn         time.Time // 承诺办结日期
	LegalDueOn    time.Time // 法定办结日期
	SuspendedDays int       // working days the clock stood (行政许可法 45)
	// The one extension of the limits (行政许可法 42), when granted: the
	// limits above are the extended ones; the reason is told the applicant.
	ExtendedDays      int
	ExtendedOn        time.Time
	ExtensionApprover string // 批准人
	ExtensionReason   string
	// ExtensionNotice: the limits before the extension and those it set
	// (dates). DueOn and LegalDueOn are not used by it: a suspension after
	// the extension moves them again, and the notice records the act.
	DueBeforeExtension      time.Time
	LegalDueBeforeExtension time.Time
	DueAfterExtension       time.Time
	LegalDueAfterExtension  time.Time
	Depts                   []ApprovalDept

	// SuspensionNotice: the case's latest stop of the clock.
	Suspension *ApprovalSuspension

	// SupplementNotice.
	MaterialsDue time.Time // 补正期限: the last day to complete

	// RefusalDecision.
	RefusedAt    time.Time
	RefuseReason string

	// PermitDecision and DenialDecision.
	DecidedAt    time.Time
	DecisionNote string // a denial's reasons; an approval's remarks
	DeliveredAt  time.Time
}

// IssuedOn is the document's date: the day of the act it records (also
// the PDF's creation date, so a case in a given state always gives the
// same bytes).
func (n ApprovalNotice) IssuedOn() time.Time {
	switch n.Kind {
	case AcceptanceNotice:
		return n.AcceptedAt
	case SupplementNotice:
		return n.ReceivedAt
	case RefusalDecision:
		return n.RefusedAt
	case PermitDecision, DenialDecision:
		return n.DecidedAt
	case ExtensionNotice:
		return n.ExtendedOn
	case SuspensionNotice:
		if n.Suspension != nil {
			return n.Suspension.StartedOn
		}
	}
	return time.Time{}
}

// Missing lists the required materials not provided.
func (n ApprovalNotice) Missing() []ApprovalMaterial {
	var out []ApprovalMaterial
	for _, m := range n.Materials {
		if m.Required && !m.Provided {
			out = append(out, m)
		}
	}
	return out
}

func (n ApprovalNotice) validate() error {
	switch {
	case n.Kind < AcceptanceNotice || n.Kind > SuspensionNotice:
		return invalid("unknown approval document kind %d", n.Kind)
	case n.Hall == "" || n.Authority == "" || n.No == "":
		return invalid("the hall, the authority and the number are required")
	case n.Applicant == "" || n.Item == "":
		return invalid("the applicant and the item are required")
	case n.ReceivedAt.IsZero():
		return invalid("the time of receipt is required")
	case n.ApplicantMasked != "" && !strings.Contains(n.ApplicantMasked, "*"):
		return invalid("the applicant's ID number must be masked")
	}
	switch n.Kind {
	case AcceptanceNotice:
		if n.AcceptedAt.IsZero() || n.DueOn.IsZero() || n.LegalDueOn.IsZero() {
			return invalid("an acceptance notice needs the acceptance date and both limits")
		}
	case SupplementNotice:
		if n.MaterialsDue.IsZero() || len(n.Missing()) == 0 {
			return invalid("a supplement notice needs the deadline and at least one missing material")
		}
	case RefusalDecision:
		if n.RefusedAt.IsZero() || strings.TrimSpace(n.RefuseReason) == "" {
			return invalid("a refusal needs its date and its written reason")
		}
	case PermitDecision, DenialDecision:
		if n.DecidedAt.IsZero() {
			return invalid("a decision needs its date")
		}
		if n.Kind == DenialDecision && strings.TrimSpace(n.DecisionNote) == "" {
			return invalid("a denial needs its reasons (行政许可法 38)")
		}
	case ExtensionNotice:
		switch {
		case n.AcceptedAt.IsZero() || n.ExtendedOn.IsZero() || n.ExtendedDays <= 0:
			return invalid("an extension notice needs the acceptance date, the day of the extension and its days")
		case strings.TrimSpace(n.ExtensionReason) == "" || strings.TrimSpace(n.ExtensionApprover) == "":
			return invalid("an extension notice needs its reason and who approved it (行政许可法 42)")
		case n.DueBeforeExtension.IsZero() || n.LegalDueBeforeExtension.IsZero() || n.DueAfterExtension.IsZero() || n.LegalDueAfterExtension.IsZero():
			return invalid("an extension notice needs the limits before and after the extension")
		}
	case SuspensionNotice:
		if sp := n.Suspension; sp == nil || sp.Procedure == "" || sp.StartedOn.IsZero() || n.AcceptedAt.IsZero() {
			return invalid("a suspension notice needs the acceptance date, the procedure and the day it started")
		}
	}
	return nil
}

// you is how the document addresses the applicant.
func (n ApprovalNotice) you() string {
	if n.Organisation {
		return "你单位"
	}
	return "你"
}

// rightsNotice is the notice of the applicant's remedies that a refusal
// and a denial must carry (行政许可法 38 second paragraph; the periods are
// those of 行政复议法 20 and 行政诉讼法 46).
const rightsNotice = "如不服本决定，你（单位）享有依法申请行政复议或者提起行政诉讼的权利：可以自收到本决定书之日起六十日内依法申请行政复议，" +
	"或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"

// Render writes the document as PDF.
func (n ApprovalNotice) Render(w io.Writer) error {
	if err := n.validate(); err != nil {
		return err
	}
	title := n.Kind.String()
	p := newPDF(title, n.Hall+" · "+title+" · 编号 "+n.No, n.IssuedOn())
	p.setSize(13)
	p.paraAt(marginX, bodyW, n.Authority, "C")
	p.setSize(sizeBody)
	p.space(1)
	p.title(title)
	switch n.Kind {
	case SupplementNotice:
		p.space(-2)
		p.paraAt(marginX, bodyW, "（一次性告知书）", "C")
		p.space(2)
	case SuspensionNotice:
		p.space(-2)
		p.paraAt(marginX, bodyW, "（中止计时）", "C")
		p.space(2)
	}
	p.paraAt(marginX, bodyW, "编号："+n.No, "R")
	p.space(2)
	p.fields(n.headRows())
	p.space(5)

	p.setSize(11.5)
	p.para(n.Applicant + "：")
	p.space(1.5)
	switch n.Kind {
	case AcceptanceNotice:
		n.acceptance(p)
	case SupplementNotice:
		n.supplement(p)
	case RefusalDecision:
		n.refusal(p)
	case PermitDecision, DenialDecision:
		n.decision(p)
	case ExtensionNotice:
		n.extension(p)
	case SuspensionNotice:
		n.suspension(p)
	}
	p.setSize(sizeBody)

	n.seal(p)
	p.space(8)
	p.setSize(sizeSmall)
	p.para("凭办件编号和受理时告知的查询码，可在" + n.Hall + "“办件查询”查看办理进度、评价服务。本文书一式两份，申请人和" + n.Authority + "各执一份。")
	p.setSize(sizeBody)
	return p.finish(w)
}

// headRows identify the case: applicant, item, type, dates.
func (n ApprovalNotice) headRows() [][2]string {
	idLabel := "身份证号码"
	if n.Organisation {
		idLabel = "统一社会信用代码"
	}
	item := n.Item
	if n.ItemCode != "" {
		item += "（" + n.ItemCode + "）"
	}
	rows := [][2]string{
		{"申请人", n.Applicant},
		{idLabel, orDash(n.ApplicantMasked)},
		{"申请事项*", item},
		{"办件类型", orDash(n.CaseType)},
		{"收件时间", dateTime(n.ReceivedAt)},
		{"实施机关*", n.Authority},
	}
	return rows
}

func (n ApprovalNotice) received() string {
	return n.you() + "于" + dateTime(n.ReceivedAt) + "向" + n.Hall + "提出的" + n.Item + "申请"
}

func (n ApprovalNotice) acceptance(p *pdf) {
	p.para("　　" + n.received() + "，申请材料齐全、符合法定形式。根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，本机关决定予以受理。")
	p.space(3)
	p.setSize(sizeBody)
	rows := [][2]string{{"受理日期", date(n.AcceptedAt)}}
	if n.Instant {
		rows = append(rows, [2]string{"办结", "即办件，当场办结"})
	} else {
		rows = append(rows, [2]string{"承诺办结日期", date(n.DueOn)}, [2]string{"法定办结日期", date(n.LegalDueOn)})
	}
	if n.SuspendedDays > 0 {
		rows = append(rows, [2]string{"中止计时*", itoa(n.SuspendedDays) + "个工作日（不计入办理期限，办结日期已相应顺延）"})
	}
	if n.ExtendedDays > 0 {
		rows = append(rows, [2]string{"延长期限*", "经" + orDash(n.ExtensionApprover) + "批准，于" + date(n.ExtendedOn) + "延长" + itoa(n.ExtendedDays) +
			"个工作日（行政许可法第四十二条），理由：" + orDash(n.ExtensionReason)})
	}
	p.fields(rows)
	if len(n.Depts) > 0 {
		p.heading("并联审批部门")
		p.para("本事项为联办件，由" + n.Authority + "牵头，下列部门同时并联审查，办件时限以各部门时限中最长者为准：")
		p.space(1)
		n.deptTable(p, false)
	}
	n.receivedMaterials(p)
	p.space(3)
	p.setSize(11.5)
	if !n.Instant {
		p.para("　　依法需要听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审的，所需时间不计算在办理期限内，本机关将书面告知所需时间（行政许可法第四十五条）。")
	}
	p.para("　　特此通知。")
}

// extension tells the applicant that the limit is extended, by how much,
// who approved it and why (行政许可法 42: 并应当将延长期限的理由告知申请人).
func (n ApprovalNotice) extension(p *pdf) {
	p.para("　　" + n.received() + "，本机关已于" + date(n.AcceptedAt) + "受理。因下列理由，本机关不能在原定期限内作出决定，经本机关负责人批准，" +
		"根据《中华人民共和国行政许可法》第四十二条第一款的规定，决定将办理期限延长" + itoa(n.ExtendedDays) + "个工作日。现将延长期限的理由告知如下：")
	p.space(1.5)
	p.para("　　" + n.ExtensionReason)
	p.space(3)
	p.setSize(sizeBody)
	p.fields([][2]string{
		{"延长期限", itoa(n.ExtendedDays) + "个工作日"},
		{"批准人", n.ExtensionApprover},
		{"决定延长日期", date(n.ExtendedOn)},
		{"原承诺办结日期", date(n.DueBeforeExtension)},
		{"延长后承诺办结日期", date(n.DueAfterExtension)},
		{"原法定办结日期", date(n.LegalDueBeforeExtension)},
		{"延长后法定办结日期", date(n.LegalDueAfterExtension)},
	})
	p.space(3)
	p.setSize(11.5)
	p.para("　　办理期限以工作日计算，不含法定节假日（行政许可法第八十二条）。依法需要听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审的，所需时间不计算在办理期限内，本机关将书面告知所需时间（行政许可法第四十五条）。")
	p.para("　　特此告知。")
}

// suspension tells the applicant that a hearing, tendering, test or expert
// review stops the clock and the time it needs (行政许可法 45: 行政机关应当
// 将所需时间书面告知申请人), and, once resumed, how long it stood.
func (n ApprovalNotice) suspension(p *pdf) {
	sp := n.Suspension
	p.para("　　" + n.received() + "，本机关已于" + date(n.AcceptedAt) + "受理。因依法需要" + sp.Procedure +
		"，根据《中华人民共和国行政许可法》第四十五条的规定，所需时间不计算在办理期限内。现将所需时间书面告知如下：")
	p.space(3)
	p.setSize(sizeBody)
	expected := "—"
	if sp.ExpectedDays > 0 {
		expected = "约" + itoa(sp.ExpectedDays) + "个工作日"
	}
	rows := [][2]string{{"特别程序", sp.Procedure}, {"说明", orDash(sp.Note)}, {"中止计时日期", date(sp.StartedOn)}, {"所需时间", expected}}
	if !sp.EndedOn.IsZero() {
		rows = append(rows, [2]string{"恢复计时日期", date(sp.EndedOn)}, [2]string{"实际中止", itoa(sp.Days) + "个工作日（不计入办理期限）"})
	}
	switch {
	case n.DueOn.IsZero() || n.LegalDueOn.IsZero():
	case sp.EndedOn.IsZero():
		rows = append(rows, [2]string{"中止前承诺办结日期", date(n.DueOn) + "（恢复计时后顺延）"},
			[2]string{"中止前法定办结日期", date(n.LegalDueOn) + "（恢复计时后顺延）"})
	default:
		rows = append(rows, [2]string{"承诺办结日期", date(n.DueOn)}, [2]string{"法定办结日期", date(n.LegalDueOn)})
	}
	p.fields(rows)
	p.space(3)
	p.setSize(11.5)
	if sp.EndedOn.IsZero() {
		p.para("　　" + sp.Procedure + "结束后恢复计时，承诺办结日期和法定办结日期按实际中止的工作日数相应顺延，本机关届时告知。")
	} else {
		p.para("　　计时已恢复，上列办结日期已按实际中止的工作日数顺延。")
	}
	p.para("　　特此告知。")
}

func (n ApprovalNotice) supplement(p *pdf) {
	p.para("　　" + n.received() + "，经核对，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，现一次性告知" +
		n.you() + "需要补正的全部材料如下：")
	p.space(2)
	missing := n.Missing()
	rows := make([][]string, len(missing))
	for i, m := range missing {
		rows[i] = []string{itoa(i + 1), m.Name, orDash(m.Note)}
	}
	p.table(cols(col("序号", 6, "C"), col("需补正的材料", 50, "L"), col("说明", 44, "L")), rows, tableOpts{})
	p.space(3)
	p.setSize(11.5)
	p.para("　　请于" + date(n.MaterialsDue) + "前到" + n.Hall + "窗口一次补正上述全部材料，补正齐全后本机关予以受理。逾期未补正的，视为撤回申请。")
	n.receivedMaterials(p)
	p.space(3)
	p.setSize(11.5)
	p.para("　　特此告知。")
}

func (n ApprovalNotice) refusal(p *pdf) {
	p.para("　　" + n.received() + "，经审查，本机关决定不予受理。理由如下：")
	p.space(1.5)
	p.para("　　" + n.RefuseReason)
	p.space(2)
	p.para("　　" + strings.ReplaceAll(rightsNotice, "你（单位）", n.you()))
	p.space(1)
	p.para("　　特此决定。")
}

func (n ApprovalNotice) decision(p *pdf) {
	accepted := ""
	if !n.AcceptedAt.IsZero() {
		accepted = "，本机关于" + date(n.AcceptedAt) + "受理"
	}
	if n.Kind == PermitDecision {
		p.para("　　" + n.received() + accepted + "。经审查，" + n.you() + "的申请符合法定条件、标准。根据《中华人民共和国行政许可法》第三十八条第一款的规定，本机关决定准予行政许可。")
		if strings.TrimSpace(n.DecisionNote) != "" {
			p.space(1.5)
			p.para("　　说明：" + n.DecisionNote)
		}
	} else {
		p.para("　　" + n.received() + accepted + "。经审查，" + n.you() + "的申请不符合法定条件、标准。根据《中华人民共和国行政许可法》第三十八条第二款的规定，本机关决定不予行政许可。理由如下：")
		p.space(1.5)
		p.para("　　" + n.DecisionNote)
	}
	p.space(3)
	p.setSize(sizeBody)
	rows := [][2]string{{"决定", yesNo(n.Kind == PermitDecision, "准予行政许可", "不予行政许可")}, {"决定日期", date(n.DecidedAt)}}
	if !n.DeliveredAt.IsZero() {
		rows = append(rows, [2]string{"送达日期", date(n.DeliveredAt)})
	}
	p.fields(rows)
	if len(n.Depts) > 0 {
		p.heading("并联审批部门意见")
		n.deptTable(p, true)
	}
	p.space(3)
	p.setSize(11.5)
	if n.Kind == PermitDecision {
		p.para("　　需要颁发行政许可证件的，本机关自作出决定之日起十日内向" + n.you() + "颁发、送达（行政许可法第四十四条）。本决定依法予以公开，公众有权查阅（行政许可法第四十条）。")
	} else {
		p.para("　　" + strings.ReplaceAll(rightsNotice, "你（单位）", n.you()))
	}
	p.para("　　特此决定。")
}

// deptTable lists the departments of a joint item, with their opinions
// on a decision.
func (n ApprovalNotice) deptTable(p *pdf, opinions bool) {
	rows := make([][]string, len(n.Depts))
	for i, d := range n.Depts {
		due := ""
		if !d.DueOn.IsZero() {
			due = date(d.DueOn)
		}
		if opinions {
			rows[i] = []string{itoa(i + 1), d.Name, orDash(d.Task), orDash(d.Status), orDash(d.Opinion)}
		} else {
			rows[i] = []string{itoa(i + 1), d.Name, orDash(d.Task), orDash(due)}
		}
	}
	if opinions {
		p.table(cols(col("序号", 6, "C"), col("部门", 24, "L"), col("办理事项", 22, "L"), col("结果", 14, "C"), col("意见", 34, "L")), rows, tableOpts{})
		return
	}
	p.table(cols(col("序号", 6, "C"), col("部门", 34, "L"), col("办理事项", 36, "L"), col("部门办理时限", 24, "C")), rows, tableOpts{})
}

// receivedMaterials lists the materials received: the receipt of what the
// applicant handed in.
func (n ApprovalNotice) receivedMaterials(p *pdf) {
	var rows [][]string
	for _, m := range n.Materials {
		if m.Provided {
			rows = append(rows, []string{itoa(len(rows) + 1), m.Name})
		}
	}
	p.heading("已收取的申请材料")
	p.table(cols(col("序号", 6, "C"), col("材料名称", 94, "L")), rows, tableOpts{})
}

// seal is the issuing block at the bottom right: the authority with its
// seal, the window and its clerk, the date.
func (n ApprovalNotice) seal(p *pdf) {
	p.space(12)
	p.setSize(11.5)
	right := bodyW * 0.5
	x := marginX + bodyW - right
	p.ensure(4 * p.lineH())
	p.paraAt(x, right, n.Authority+"（印章）", "L")
	p.space(1)
	clerk := ""
	if n.Clerk != "" {
		clerk = "　经办人：" + n.Clerk
	}
	p.paraAt(x, right, n.Hall+"窗口"+clerk, "L")
	p.space(1)
	p.paraAt(x, right, date(n.IssuedOn()), "L")
	p.setSize(sizeBody)
}
