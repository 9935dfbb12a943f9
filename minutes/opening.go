package minutes

import (
	"io"
	"time"

	"ggzy/money"
)

// OpeningRecord is the 开标记录表 of one lot.
type OpeningRecord struct {
	Project      Project
	ControlPrice money.Fen // 招标控制价 (最高投标限价); 0 when none was set
	OpenedAt     time.Time // 开标时间; also the document's date
	Place        string    // 开标地点, the room
	Host         string    // 主持人
	Bids         []OpeningBid
	Failures     []OpeningFailure
	Objections   []Objection
	Notes        string // anything else recorded at the opening
	Signatories  []Signatory
}

// OpeningBid is one line of the 唱标 list.
type OpeningBid struct {
	Bidder         string
	Price          money.Fen // 投标报价
	Duration       string    // 工期 or 交货期, e.g. "365日历天"
	Quality        string    // 质量 (标准), e.g. "合格"
	Deposit        string    // 保证金 status, e.g. "已缴纳（银行保函）"
	PriceConfirmed bool      // the bidder confirmed the read-out price online
	Remarks        string
}

// FailureKind says why a bidder has no line in the 唱标 list.
type FailureKind int

const (
	NotSubmitted  FailureKind = iota + 1 // 未递交投标文件
	NotSignedIn                          // 未签到
	DecryptFailed                        // 投标文件解密失败
)

func (k FailureKind) String() string {
	switch k {
	case NotSubmitted:
		return "未递交投标文件"
	case NotSignedIn:
		return "未按时签到"
	case DecryptFailed:
		return "投标文件解密失败"
	}
	return "其他"
}

// OpeningFailure is a bidder that signed up but was not opened.
type OpeningFailure struct {
	Bidder string
	Kind   FailureKind
	Note   string // e.g. how a decryption failure was handled
}

// Objection is one objection raised at the opening and its answer
// (实施条例 44: answered on the spot and recorded).
type Objection struct {
	At         time.Time
	Raiser     string // who objected
	Content    string
	Answer     string
	AnsweredBy string
}

func (r OpeningRecord) validate() error {
	if err := r.Project.validate(); err != nil {
		return err
	}
	if r.OpenedAt.IsZero() {
		return invalid("the opening time is required")
	}
	for i, b := range r.Bids {
		if b.Bidder == "" {
			return invalid("bid %d has no bidder", i+1)
		}
		if b.Price < 0 {
			return invalid("bid %d has a negative price", i+1)
		}
	}
	for i, f := range r.Failures {
		if f.Bidder == "" || f.Kind < NotSubmitted || f.Kind > DecryptFailed {
			return invalid("failure %d needs a bidder and a kind", i+1)
		}
	}
	return nil
}

// Render writes the opening record as PDF.
func (r OpeningRecord) Render(w io.Writer) error {
	if err := r.validate(); err != nil {
		return err
	}
	p := newPDF("开标记录表", "开标记录表 · 项目编号 "+r.Project.Code, r.OpenedAt)
	p.title("开标记录表")
	p.fields(append(r.Project.headRows(r.ControlPrice), [][2]string{
		{"开标时间", dateTime(r.OpenedAt)},
		{"开标地点", orDash(r.Place)},
		{"主持人", orDash(r.Host)},
		{"投标文件", itoa(len(r.Bids)) + " 份开启，" + itoa(len(r.Failures)) + " 家未开启"},
	}...))

	p.heading("一、唱标记录")
	rows := make([][]string, len(r.Bids))
	for i, b := range r.Bids {
		rows[i] = []string{itoa(i + 1), b.Bidder, b.Price.Yuan() + "\n" + b.Price.Upper(),
			orDash(b.Duration), orDash(b.Quality), orDash(b.Deposit),
			yesNo(b.PriceConfirmed, "已确认", "未确认"), b.Remarks}
	}
	p.table(cols(col("序号", 5, "C"), col("投标人", 22, "L"), col("投标报价（元）", 24, "R"), col("工期", 10, "C"), col("质量", 6, "C"), col("保证金", 13, "C"), col("报价确认", 9, "C"), col("备注", 9, "L")),
		rows, tableOpts{})

	p.heading("二、未开启的投标人")
	rows = make([][]string, len(r.Failures))
	for i, f := range r.Failures {
		rows[i] = []string{itoa(i + 1), f.Bidder, f.Kind.String(), f.Note}
	}
	p.table(cols(col("序号", 5, "C"), col("投标人", 35, "L"), col("情形", 20, "C"), col("处理情况", 40, "L")), rows, tableOpts{})

	p.heading("三、异议及答复")
	rows = make([][]string, len(r.Objections))
	for i, o := range r.Objections {
		rows[i] = []string{itoa(i + 1), dateTime(o.At), o.Raiser, o.Content, o.Answer + answeredBy(o.AnsweredBy)}
	}
	p.table(cols(col("序号", 5, "C"), col("时间", 14, "C"), col("提出人", 20, "L"), col("异议内容", 30, "L"), col("答复", 31, "L")), rows, tableOpts{})

	if r.Notes != "" {
		p.heading("四、其他记录事项")
		p.para(r.Notes)
	}

	p.heading("签字")
	sig := r.Signatories
	if len(sig) == 0 {
		sig = []Signatory{{Role: "招标人"}, {Role: "招标代理"}, {Role: "监标人"}, {Role: "记录人"}}
	}
	p.signatures(sig)
	return p.finish(w)
}

func answeredBy(s string) string {
	if s == "" {
		return ""
	}
	return "（答复人：" + s + "）"
}
