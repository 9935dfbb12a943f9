package minutes

import (
	"io"
	"time"

	"ggzy/money"
)

// AwardNotice is the 中标通知书 sent to the winner.
type AwardNotice struct {
	No               string // 通知书编号
	Winner           string // 中标人
	Project          Project
	Price            money.Fen // 中标价
	Duration         string    // 工期 / 交货期
	Quality          string    // 质量标准
	ProjectManager   string    // 项目经理 (项目负责人), optional
	ContractDeadline time.Time // sign the contract before this date
	ContractPlace    string    // where to sign, optional
	Issuer           string    // 招标人 (issuing, with its seal)
	IssuedOn         time.Time // date of the notice; also the document's date
}

// Render writes the award notice as PDF.
func (n AwardNotice) Render(w io.Writer) error {
	if err := n.Project.validate(); err != nil {
		return err
	}
	switch {
	case n.Winner == "":
		return invalid("the winner is required")
	case n.Price <= 0:
		return invalid("the award price must be positive")
	case n.IssuedOn.IsZero() || n.ContractDeadline.IsZero():
		return invalid("the issue date and the contract deadline are required")
	case n.ContractDeadline.Before(n.IssuedOn):
		return invalid("the contract deadline is before the issue date")
	}
	issuer := n.Issuer
	if issuer == "" {
		issuer = n.Project.Tenderer
	}
	p := newPDF("中标通知书", "中标通知书 · 项目编号 "+n.Project.Code, n.IssuedOn)
	p.title("中标通知书")
	if n.No != "" {
		p.paraAt(marginX, bodyW, "编号："+n.No, "R")
	}
	p.space(4)
	p.setSize(11.5)
	p.para(n.Winner + "：")
	p.space(2)
	lot := ""
	if n.Project.LotName != "" || n.Project.LotCode != "" {
		lot = n.Project.lot()
	}
	p.para("　　你方于投标截止时间前递交的" + n.Project.Name + lot + "（项目编号：" + n.Project.Code +
		"）投标文件，经评标委员会评审、中标候选人公示期满，已被确定为中标人。现将有关事项通知如下：")
	p.space(3)
	p.setSize(sizeBody)
	fields := [][2]string{
		{"项目名称*", n.Project.Name},
		{"项目编号", n.Project.Code},
		{"标段（包）", n.Project.lot()},
		{"中标价*", amount(n.Price)},
		{"工期", orDash(n.Duration)},
		{"质量标准", orDash(n.Quality)},
	}
	if n.ProjectManager != "" {
		fields = append(fields, [2]string{"项目经理", n.ProjectManager})
	}
	p.fields(fields)
	p.space(4)
	p.setSize(11.5)
	place := ""
	if n.ContractPlace != "" {
		place = "到" + n.ContractPlace
	}
	p.para("　　请你方收到本通知书后，于" + date(n.ContractDeadline) + "前" + place +
		"与招标人按照招标文件和你方投标文件签订书面合同，并按招标文件的约定提交履约担保。逾期不签订合同的，依照有关规定处理。")
	p.space(2)
	p.para("　　特此通知。")
	p.space(14)
	right := bodyW * 0.45
	p.paraAt(marginX+bodyW-right, right, "招标人："+issuer+"（盖章）", "L")
	p.space(2)
	if n.Project.Agency != "" {
		p.paraAt(marginX+bodyW-right, right, "招标代理机构："+n.Project.Agency+"（盖章）", "L")
		p.space(2)
	}
	p.paraAt(marginX+bodyW-right, right, date(n.IssuedOn), "L")
	p.setSize(sizeBody)
	p.space(10)
	p.setSize(sizeSmall)
	p.para("抄送：交易中心、招标投标行政监督部门。")
	p.setSize(sizeBody)
	return p.finish(w)
}
