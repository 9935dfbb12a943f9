package minutes

import (
	"fmt"
	"io"
	"time"
)

// DrawPurpose says what was drawn.
type DrawPurpose int

const (
	ExpertDraw     DrawPurpose = iota + 1 // 评标专家抽取
	FixedPriceDraw                        // 固定价比选 企业抽取
)

func (d DrawPurpose) String() string {
	switch d {
	case ExpertDraw:
		return "评标专家抽取"
	case FixedPriceDraw:
		return "固定价比选企业抽取"
	}
	return "随机抽取"
}

// Witness is a person present at the draw; Number is the number the
// witness entered as a random source (empty when none).
type Witness struct {
	Name   string
	Role   string // 监督人, 招标人代表, 投标人代表, …
	Number string
}

// Pick is one position of the RFC 3797 selection order.
type Pick struct {
	Order     int    // 1-based position in the selection order
	PoolIndex int    // 1-based position in the ordered pool
	Name      string // expert or company
	Detail    string // specialty and employer, or qualification
	Backup    bool   // 候补 rather than selected
	Note      string // e.g. 已回避, 拒绝参加 → 补抽
}

// Exclusion is the number of pool entries excluded for one reason before
// the pool was hashed.
type Exclusion struct {
	Reason string
	Count  int
}

// DrawRecord is the 抽取记录 of an expert or fixed-price draw. Everything
// needed to recompute the result is printed: the pool hash, the committed
// and revealed secret, the witnesses' numbers and the RFC 3797 key.
type DrawRecord struct {
	ID         string // the draw's id, for `trading draw verify <id>`
	Purpose    DrawPurpose
	Project    Project
	Subject    string    // what was drawn, e.g. "房屋建筑工程专业评标专家 7 名"
	At         time.Time // time of the draw; also the document's date
	Place      string
	Operator   string
	Witnesses  []Witness
	Parameters [][2]string // other recorded parameters (专业, 人数, 回避单位 …)
	PoolSize   int
	PoolHash   string // SHA-256 of the ordered pool and parameters, hex
	Commitment string // SHA-256 of the server secret, recorded before the draw
	Secret     string // the server secret, revealed at the draw
	Key        string // the RFC 3797 key built from all sources
	Picks      []Pick
	Exclusions []Exclusion
}

// Render writes the draw record as PDF.
func (d DrawRecord) Render(w io.Writer) error {
	if err := d.Project.validate(); err != nil {
		return err
	}
	switch {
	case d.ID == "":
		return invalid("the draw id is required")
	case d.Purpose != ExpertDraw && d.Purpose != FixedPriceDraw:
		return invalid("unknown draw purpose %d", d.Purpose)
	case d.At.IsZero():
		return invalid("the draw time is required")
	case d.PoolHash == "" || d.Commitment == "" || d.Key == "":
		return invalid("the pool hash, the commitment and the key are required")
	}
	p := newPDF("抽取记录", "抽取记录 · 项目编号 "+d.Project.Code+" · 抽取编号 "+d.ID, d.At)
	p.title(d.Purpose.String() + "记录")
	fields := [][2]string{
		{"项目名称*", d.Project.Name},
		{"项目编号", d.Project.Code},
		{"标段（包）", d.Project.lot()},
		{"招标人", d.Project.Tenderer},
		{"抽取编号", d.ID},
		{"抽取事项*", orDash(d.Subject)},
		{"抽取时间", dateTime(d.At)},
		{"抽取地点", orDash(d.Place)},
		{"操作人", orDash(d.Operator)},
	}
	fields = append(fields, d.Parameters...)
	p.fields(fields)

	p.heading("一、在场人员及其输入的随机数")
	rows := make([][]string, len(d.Witnesses))
	for i, wt := range d.Witnesses {
		rows[i] = []string{itoa(i + 1), wt.Name, orDash(wt.Role), orDash(wt.Number), ""}
	}
	p.table(cols(col("序号", 5, "C"), col("姓名", 12, "C"), col("身份", 30, "L"), col("输入的数", 18, "C"), col("签字", 20, "C")), rows, tableOpts{minRowH: 10})

	p.heading("二、抽取池与排除")
	p.para(fmt.Sprintf("排除后参加抽取的共 %d 名（家），按既定顺序编号 1 至 %d。", d.PoolSize, d.PoolSize))
	rows = make([][]string, len(d.Exclusions))
	total := 0
	for i, e := range d.Exclusions {
		rows[i] = []string{itoa(i + 1), e.Reason, itoa(e.Count)}
		total += e.Count
	}
	if len(rows) > 0 {
		rows = append(rows, []string{"", "合计", itoa(total)})
	}
	p.space(1)
	p.table(cols(col("序号", 5, "C"), col("排除原因", 60, "L"), col("人数（家数）", 15, "R")), rows, tableOpts{})

	p.heading("三、随机来源与密钥")
	p.fields([][2]string{
		{"抽取池摘要（SHA-256）*", d.PoolHash},
		{"服务器承诺（抽取前记录的秘密的 SHA-256）*", d.Commitment},
		{"揭示的秘密*", orDash(d.Secret)},
		{"RFC 3797 密钥*", d.Key},
	})

	p.heading("四、抽取结果（按选取顺序）")
	rows = make([][]string, len(d.Picks))
	for i, k := range d.Picks {
		rows[i] = []string{itoa(k.Order), itoa(k.PoolIndex), k.Name, orDash(k.Detail), yesNo(k.Backup, "候补", "选中"), k.Note}
	}
	p.table(cols(col("顺序", 5, "C"), col("池中编号", 7, "C"), col("名称", 12, "C"), col("专业/资质", 34, "L"), col("结果", 6, "C"), col("备注", 22, "L")), rows, tableOpts{})

	p.heading("五、复核方法")
	p.para("任何持有本记录及交易档案的人均可复核本次抽取：核对抽取池摘要与档案中排除后的有序抽取池一致，" +
		"核对揭示的秘密的 SHA-256 等于抽取前记录的服务器承诺，再以上述密钥按 RFC 3797 重新计算选取顺序，结果应与本记录一致。" +
		"在交易系统中可执行：")
	p.setSize(sizeBody)
	p.space(1)
	p.paraAt(marginX+8, bodyW-8, "trading draw verify "+d.ID, "L")
	p.space(3)

	p.heading("签字")
	p.signatures([]Signatory{{Role: "操作人", Name: d.Operator}, {Role: "监督人"}, {Role: "招标人代表"}, {Role: "记录人"}})
	return p.finish(w)
}
