package minutes

import (
	"fmt"
	"io"
	"slices"
	"time"

	"ggzy/money"
)

// Method is the evaluation method (评标办法).
type Method int

const (
	Comprehensive        Method = iota + 1 // 综合评估法
	LowestEvaluatedPrice                   // 经评审的最低投标价法
)

func (m Method) String() string {
	switch m {
	case Comprehensive:
		return "综合评估法"
	case LowestEvaluatedPrice:
		return "经评审的最低投标价法"
	}
	return "未知评标办法"
}

// Role of a committee member.
type Role int

const (
	RoleMember Role = iota // 成员
	RoleChair              // 主任委员 (组长)
)

func (r Role) String() string {
	if r == RoleChair {
		return "主任委员"
	}
	return "成员"
}

// Member is one member of the evaluation committee. The report is printed
// after the result is fixed, so names are given in full.
type Member struct {
	Name           string
	Employer       string // 工作单位
	Specialty      string // 专业
	Role           Role
	Representative bool      // 招标人代表 rather than a drawn expert
	SignedAt       time.Time // electronic signature at the terminal; zero: signs on paper
	Dissent        string    // written dissent (不同意见); empty when agreeing
	RefusedToSign  bool      // refused to sign without a written reason: counts as agreement
}

// Rejection is a bid rejected (否决投标) with its ground and reason.
type Rejection struct {
	Bidder string
	Stage  string // 资格审查, 初步评审 or 详细评审
	Ground string // one of the seven grounds of 实施条例 51, as worded by the caller
	Reason string // the committee's reason, required
}

// Criterion is one evaluation factor (评审因素) and its weight, as the
// maximum score.
type Criterion struct {
	Group    string // 商务, 技术, 价格, …
	Name     string
	Max      Score  // 分值 (the weight; the maxima sum to 100.00 under 综合评估法)
	Standard string // 评分标准
}

// BidScore is one compliant bid's scores or evaluated price.
//
// Under 综合评估法, Marks[c][m] is member m's score (in Members order) for
// criterion c (in Criteria order); Criterion[c] is the aggregated score of
// criterion c and Total their sum, as the evaluation computed them. Under
// 经评审的最低投标价法, Adjustment and EvaluatedPrice are used instead.
type BidScore struct {
	Bidder         string
	Price          money.Fen
	Marks          [][]Score
	Criterion      []Score
	Total          Score
	Adjustment     money.Fen // 评审调整 (signed)
	EvaluatedPrice money.Fen // 经评审的投标价
	Rank           int       // 1-based, after the stated tie-breaks
}

// Deviation is a score flagged for deviating from the other members' by
// more than the set amount, with the member's written reason.
type Deviation struct {
	Member    string
	Bidder    string
	Criterion string
	Score     Score
	Reason    string
}

// Candidate is a recommended winning candidate (中标候选人), at most three.
type Candidate struct {
	Rank   int
	Bidder string
	Price  money.Fen
	Result string // the score or evaluated price as printed, e.g. "92.35 分"
}

// Clarification is one question put to a bidder through the supervisor and
// its answer (澄清、说明、补正).
type Clarification struct {
	At       time.Time
	Bidder   string
	Question string
	Answer   string
}

// EvaluationReport is the 评标报告 with its ten items.
type EvaluationReport struct {
	Project      Project
	ControlPrice money.Fen
	Method       Method
	Place        string    // 评标地点
	StartedAt    time.Time // 评标开始时间
	FinishedAt   time.Time // 评标结束时间
	ReportDate   time.Time // the document's date
	Supervisor   string    // 监督人
	Members      []Member
	Opening      []OpeningBid // item 3: as read out at the opening
	Rejections   []Rejection  // item 5; the other opened bids are item 4
	Criteria     []Criterion  // item 6
	Aggregation  string       // how member scores are aggregated and rounded
	TieBreak     string       // the stated tie-break rule
	PriceRule    string       // price score formula or evaluated-price rule
	Scores       []BidScore   // item 7, one per compliant bid
	Deviations   []Deviation
	Candidates   []Candidate     // item 9, at most 3
	Matters      []string        // item 9: matters to settle before the contract
	Clarify      []Clarification // item 10
	Conclusion   string          // optional closing statement of the committee
}

func (r EvaluationReport) validate() error {
	if err := r.Project.validate(); err != nil {
		return err
	}
	if r.Method != Comprehensive && r.Method != LowestEvaluatedPrice {
		return invalid("unknown evaluation method %d", r.Method)
	}
	if err := validateMembers(r.Members); err != nil {
		return err
	}
	if r.ReportDate.IsZero() {
		return invalid("the report date is required")
	}
	opened := map[string]bool{}
	for _, b := range r.Opening {
		opened[b.Bidder] = true
	}
	rejected := map[string]bool{}
	for _, j := range r.Rejections {
		if !opened[j.Bidder] {
			return invalid("rejected bidder %q was not opened", j.Bidder)
		}
		if j.Reason == "" {
			return invalid("the rejection of %q has no reason", j.Bidder)
		}
		rejected[j.Bidder] = true
	}
	for _, s := range r.Scores {
		if !opened[s.Bidder] || rejected[s.Bidder] {
			return invalid("scored bidder %q is not a compliant bid", s.Bidder)
		}
		if r.Method != Comprehensive {
			continue
		}
		if len(s.Marks) != len(r.Criteria) || len(s.Criterion) != len(r.Criteria) {
			return invalid("scores of %q: %d criteria expected", s.Bidder, len(r.Criteria))
		}
		for c, row := range s.Marks {
			if len(row) != len(r.Members) {
				return invalid("scores of %q for criterion %d: %d members expected", s.Bidder, c+1, len(r.Members))
			}
			for _, m := range row {
				if m < 0 || m > r.Criteria[c].Max {
					return invalid("score %s of %q for %q is outside 0–%s", m, s.Bidder, r.Criteria[c].Name, r.Criteria[c].Max)
				}
			}
		}
	}
	if len(r.Candidates) > 3 {
		return invalid("%d candidates; at most 3", len(r.Candidates))
	}
	for _, c := range r.Candidates {
		if !slices.ContainsFunc(r.Scores, func(s BidScore) bool { return s.Bidder == c.Bidder }) {
			return invalid("candidate %q has no scores", c.Bidder)
		}
	}
	return nil
}

func validateMembers(ms []Member) error {
	if len(ms) == 0 {
		return invalid("the committee has no members")
	}
	chairs := 0
	for i, m := range ms {
		if m.Name == "" {
			return invalid("member %d has no name", i+1)
		}
		if m.Role == RoleChair {
			chairs++
		}
	}
	if chairs > 1 {
		return invalid("%d chairs; at most 1", chairs)
	}
	return nil
}

// Render writes the evaluation report as PDF.
func (r EvaluationReport) Render(w io.Writer) error {
	if err := r.validate(); err != nil {
		return err
	}
	p := newPDF("评标报告", "评标报告 · 项目编号 "+r.Project.Code, r.ReportDate)
	p.title(r.Project.Name + "\n评标报告")

	rejected := map[string]Rejection{}
	for _, j := range r.Rejections {
		rejected[j.Bidder] = j
	}

	p.heading("一、基本情况和数据")
	p.fields(append(r.Project.headRows(r.ControlPrice), [][2]string{
		{"评标办法", r.Method.String()},
		{"评标地点", orDash(r.Place)},
		{"评标时间*", dateTime(r.StartedAt) + " 至 " + dateTime(r.FinishedAt)},
		{"监督人", orDash(r.Supervisor)},
		{"委员会人数", itoa(len(r.Members)) + " 人"},
		{"开启投标文件", itoa(len(r.Opening)) + " 份"},
		{"否决投标", itoa(len(r.Rejections)) + " 份"},
		{"有效投标", itoa(len(r.Opening)-len(r.Rejections)) + " 份"},
	}...))

	p.heading("二、评标委员会成员名单")
	p.memberList(r.Members)

	p.heading("三、开标记录")
	rows := make([][]string, len(r.Opening))
	for i, b := range r.Opening {
		rows[i] = []string{itoa(i + 1), b.Bidder, b.Price.Yuan(), orDash(b.Duration), orDash(b.Quality), orDash(b.Deposit)}
	}
	p.table(cols(col("序号", 5, "C"), col("投标人", 36, "L"), col("投标报价（元）", 18, "R"), col("工期", 11, "C"), col("质量", 8, "C"), col("保证金", 14, "C")), rows, tableOpts{})

	p.heading("四、符合要求的投标一览表")
	rows = rows[:0]
	for _, b := range r.Opening {
		if _, ok := rejected[b.Bidder]; !ok {
			rows = append(rows, []string{itoa(len(rows) + 1), b.Bidder, b.Price.Yuan(), orDash(b.Duration), orDash(b.Quality)})
		}
	}
	p.table(cols(col("序号", 5, "C"), col("投标人", 42, "L"), col("投标报价（元）", 18, "R"), col("工期", 14, "C"), col("质量", 10, "C")), rows, tableOpts{})

	p.heading("五、否决投标情况说明")
	rows = make([][]string, len(r.Rejections))
	for i, j := range r.Rejections {
		rows[i] = []string{itoa(i + 1), j.Bidder, orDash(j.Stage), orDash(j.Ground), j.Reason}
	}
	p.table(cols(col("序号", 5, "C"), col("投标人", 26, "L"), col("评审阶段", 10, "C"), col("否决依据", 24, "L"), col("理由", 35, "L")), rows, tableOpts{})

	p.heading("六、评标方法和评审因素")
	p.para("评标办法：" + r.Method.String() + "。")
	if r.PriceRule != "" {
		p.para(priceRuleLabel(r.Method) + r.PriceRule)
	}
	if r.Aggregation != "" {
		p.para("汇总方法：" + r.Aggregation)
	}
	if r.TieBreak != "" {
		p.para("排序规则：" + r.TieBreak)
	}
	p.space(1.5)
	rows = make([][]string, len(r.Criteria))
	var sum Score
	for i, c := range r.Criteria {
		rows[i] = []string{itoa(i + 1), orDash(c.Group), c.Name, c.Max.String(), c.Standard}
		sum += c.Max
	}
	if len(r.Criteria) > 0 {
		rows = append(rows, []string{"", "合计", "", sum.String(), ""})
	}
	p.table(cols(col("序号", 5, "C"), col("类别", 8, "C"), col("评审因素", 20, "L"), col("分值", 8, "R"), col("评分标准", 59, "L")), rows, tableOpts{})

	if r.Method == Comprehensive {
		p.heading("七、评分比较一览表")
		p.scoreSummary(r)
		p.space(3)
		p.para("各评委评分明细（分）：")
		for i, s := range r.Scores {
			p.scoreDetail(r, i, s)
		}
		if len(r.Deviations) > 0 {
			p.space(2)
			p.para("评分偏差说明：")
			rows = make([][]string, len(r.Deviations))
			for i, d := range r.Deviations {
				rows[i] = []string{itoa(i + 1), d.Member, d.Bidder, d.Criterion, d.Score.String(), d.Reason}
			}
			p.table(cols(col("序号", 5, "C"), col("评委", 10, "C"), col("投标人", 25, "L"), col("评审因素", 14, "L"), col("评分", 8, "R"), col("书面理由", 38, "L")), rows, tableOpts{})
		}
	} else {
		p.heading("七、经评审的投标价格比较一览表")
		rows = make([][]string, len(r.Scores))
		for i, s := range r.Scores {
			rows[i] = []string{itoa(i + 1), s.Bidder, s.Price.Yuan(), s.Adjustment.Yuan(), s.EvaluatedPrice.Yuan(), rankText(s.Rank)}
		}
		p.table(cols(col("序号", 5, "C"), col("投标人", 33, "L"), col("投标报价（元）", 17, "R"), col("评审调整（元）", 15, "R"), col("经评审的投标价（元）", 18, "R"), col("排序", 7, "C")), rows, tableOpts{})
	}

	p.heading("八、排序")
	ranked := slices.Clone(r.Scores)
	slices.SortStableFunc(ranked, func(a, b BidScore) int { return rankKey(a.Rank) - rankKey(b.Rank) })
	rows = make([][]string, len(ranked))
	for i, s := range ranked {
		result := s.Total.String()
		if r.Method == LowestEvaluatedPrice {
			result = s.EvaluatedPrice.Yuan()
		}
		rows[i] = []string{rankText(s.Rank), s.Bidder, s.Price.Yuan(), result}
	}
	resultTitle := "综合得分（分）"
	if r.Method == LowestEvaluatedPrice {
		resultTitle = "经评审的投标价（元）"
	}
	p.table(cols(col("排序", 6, "C"), col("投标人", 46, "L"), col("投标报价（元）", 20, "R"), col(resultTitle, 20, "R")), rows, tableOpts{})

	p.heading("九、推荐的中标候选人及签订合同前要处理的事宜")
	rows = make([][]string, len(r.Candidates))
	for i, c := range r.Candidates {
		rows[i] = []string{"第" + chineseOrdinal(c.Rank) + "中标候选人", c.Bidder, amount(c.Price), c.Result}
	}
	p.table(cols(col("名次", 14, "C"), col("投标人", 34, "L"), col("投标报价", 36, "L"), col("评审结果", 14, "C")), rows, tableOpts{})
	p.space(2)
	p.para("签订合同前要处理的事宜：")
	p.numbered(r.Matters)

	p.heading("十、澄清、说明、补正事项纪要")
	rows = make([][]string, len(r.Clarify))
	for i, c := range r.Clarify {
		rows[i] = []string{itoa(i + 1), dateTime(c.At), c.Bidder, c.Question, c.Answer}
	}
	p.table(cols(col("序号", 5, "C"), col("时间", 13, "C"), col("投标人", 20, "L"), col("问题（经监督人转递）", 31, "L"), col("澄清、说明或补正", 31, "L")), rows, tableOpts{})

	p.dissents(r.Members)
	if r.Conclusion != "" {
		p.heading("评标委员会意见")
		p.para(r.Conclusion)
	}
	p.memberSignatures(r.Members, r.ReportDate)
	return p.finish(w)
}

func priceRuleLabel(m Method) string {
	if m == LowestEvaluatedPrice {
		return "经评审的投标价："
	}
	return "价格分计算："
}

// rankKey sorts unranked (0) bids last.
func rankKey(rank int) int {
	if rank <= 0 {
		return 1 << 30
	}
	return rank
}

func rankText(rank int) string {
	if rank <= 0 {
		return "—"
	}
	return itoa(rank)
}

func chineseOrdinal(n int) string {
	names := []string{"", "一", "二", "三"}
	if n >= 1 && n < len(names) {
		return names[n]
	}
	return itoa(n)
}

func (p *pdf) numbered(items []string) {
	if len(items) == 0 {
		p.para("无。")
		return
	}
	for i, s := range items {
		p.para(fmt.Sprintf("%d. %s", i+1, s))
	}
}

func (p *pdf) memberList(ms []Member) {
	rows := make([][]string, len(ms))
	for i, m := range ms {
		kind := "评标专家"
		if m.Representative {
			kind = "招标人代表"
		}
		rows[i] = []string{itoa(i + 1), m.Name, orDash(m.Employer), orDash(m.Specialty), kind, m.Role.String()}
	}
	p.table(cols(col("序号", 5, "C"), col("姓名", 10, "C"), col("工作单位", 34, "L"), col("专业", 22, "L"), col("类别", 11, "C"), col("职务", 10, "C")), rows, tableOpts{})
}

// scoreSummary: one row per compliant bid, the aggregated score of every
// criterion, the total and the rank.
func (p *pdf) scoreSummary(r EvaluationReport) {
	spec := []column{col("序号", 5, "C"), col("投标人", 19, "L")}
	for _, c := range r.Criteria {
		spec = append(spec, col(c.Name+"\n（"+c.Max.short()+"）", 6, "R"))
	}
	spec = append(spec, col("总分", 7, "R"), col("排序", 4.5, "C"))
	rows := make([][]string, len(r.Scores))
	for i, s := range r.Scores {
		row := []string{itoa(i + 1), s.Bidder}
		for _, v := range s.Criterion {
			row = append(row, v.String())
		}
		rows[i] = append(row, s.Total.String(), rankText(s.Rank))
	}
	p.table(cols(spec...), rows, tableOpts{size: 7.5})
}

// scoreDetail: one bid, a row per criterion, a column per member, then the
// aggregated score.
func (p *pdf) scoreDetail(r EvaluationReport, i int, s BidScore) {
	spec := []column{col("评审因素", 22, "L"), col("分值", 7, "R")}
	for _, m := range r.Members {
		spec = append(spec, col(m.Name, 8, "R"))
	}
	spec = append(spec, col("有效得分", 9, "R"))
	rows := make([][]string, 0, len(r.Criteria)+1)
	for c, crit := range r.Criteria {
		row := []string{crit.Name, crit.Max.String()}
		for _, v := range s.Marks[c] {
			row = append(row, v.String())
		}
		rows = append(rows, append(row, s.Criterion[c].String()))
	}
	total := make([]string, len(r.Members)+3)
	total[0], total[len(total)-1] = "合计", s.Total.String()
	for m := range r.Members {
		var t Score
		for c := range r.Criteria {
			t += s.Marks[c][m]
		}
		total[2+m] = t.String()
	}
	rows = append(rows, total)
	caption := fmt.Sprintf("（%d）%s　综合得分 %s 分　排序 %s", i+1, s.Bidder, s.Total.String(), rankText(s.Rank))
	p.setSize(sizeTable)
	lines := p.wrap(caption, bodyW)
	// Keep the caption with the header and a few rows of its table.
	p.ensure(float64(len(lines))*p.lineH() + 30)
	p.space(2)
	for _, l := range lines {
		p.text(marginX, p.y(), bodyW, l, "L")
		p.f.SetY(p.y() + p.lineH())
	}
	p.setSize(sizeBody)
	p.table(cols(spec...), rows, tableOpts{size: 8})
}

func (p *pdf) dissents(ms []Member) {
	p.heading("评标委员会成员的不同意见")
	found := false
	for _, m := range ms {
		if m.Dissent != "" {
			p.para(m.Name + "：" + m.Dissent)
			found = true
		}
	}
	if !found {
		p.para("无。")
	}
}

// memberSignatures: every member signs, with the opinion recorded.
func (p *pdf) memberSignatures(ms []Member, on time.Time) {
	p.heading("评标委员会成员签字")
	rows := make([][]string, len(ms))
	for i, m := range ms {
		opinion := "同意"
		switch {
		case m.Dissent != "":
			opinion = "不同意（见不同意见）"
		case m.RefusedToSign:
			opinion = "拒绝签字且未书面说明理由，视为同意"
		}
		sign := ""
		if !m.SignedAt.IsZero() {
			sign = "已电子签名\n" + dateTime(m.SignedAt)
		}
		rows[i] = []string{itoa(i + 1), m.Name, m.Role.String(), opinion, sign}
	}
	p.table(cols(col("序号", 5, "C"), col("姓名", 12, "C"), col("职务", 10, "C"), col("意见", 30, "L"), col("签字", 30, "C")), rows, tableOpts{minRowH: 12})
	p.space(3)
	p.paraAt(marginX, bodyW, "日期："+date(on), "R")
}

// FailedEvaluationReport is the 评标失败报告: the committee could not
// recommend candidates (too few compliant bids, all bids rejected, …).
type FailedEvaluationReport struct {
	Project        Project
	ControlPrice   money.Fen
	Method         Method
	Place          string
	StartedAt      time.Time
	FinishedAt     time.Time
	ReportDate     time.Time
	Supervisor     string
	Members        []Member
	Opening        []OpeningBid
	Rejections     []Rejection
	Reasons        []string // why the evaluation failed, at least one
	Recommendation string   // e.g. 建议招标人依法重新招标
}

// Render writes the failed-evaluation report as PDF.
func (r FailedEvaluationReport) Render(w io.Writer) error {
	if err := r.Project.validate(); err != nil {
		return err
	}
	if err := validateMembers(r.Members); err != nil {
		return err
	}
	if len(r.Reasons) == 0 {
		return invalid("a failed evaluation needs its reasons")
	}
	if r.ReportDate.IsZero() {
		return invalid("the report date is required")
	}
	p := newPDF("评标失败报告", "评标失败报告 · 项目编号 "+r.Project.Code, r.ReportDate)
	p.title(r.Project.Name + "\n评标失败报告")
	p.heading("一、基本情况")
	p.fields(append(r.Project.headRows(r.ControlPrice), [][2]string{
		{"评标办法", r.Method.String()},
		{"评标地点", orDash(r.Place)},
		{"评标时间*", dateTime(r.StartedAt) + " 至 " + dateTime(r.FinishedAt)},
		{"监督人", orDash(r.Supervisor)},
	}...))
	p.heading("二、评标委员会成员名单")
	p.memberList(r.Members)
	p.heading("三、开标记录")
	rows := make([][]string, len(r.Opening))
	for i, b := range r.Opening {
		rows[i] = []string{itoa(i + 1), b.Bidder, b.Price.Yuan(), orDash(b.Duration), orDash(b.Quality)}
	}
	p.table(cols(col("序号", 5, "C"), col("投标人", 42, "L"), col("投标报价（元）", 18, "R"), col("工期", 14, "C"), col("质量", 10, "C")), rows, tableOpts{})
	p.heading("四、否决投标情况")
	rows = make([][]string, len(r.Rejections))
	for i, j := range r.Rejections {
		rows[i] = []string{itoa(i + 1), j.Bidder, orDash(j.Stage), orDash(j.Ground), j.Reason}
	}
	p.table(cols(col("序号", 5, "C"), col("投标人", 26, "L"), col("评审阶段", 10, "C"), col("否决依据", 24, "L"), col("理由", 35, "L")), rows, tableOpts{})
	p.heading("五、评标失败的原因")
	p.numbered(r.Reasons)
	if r.Recommendation != "" {
		p.heading("六、处理建议")
		p.para(r.Recommendation)
	}
	p.dissents(r.Members)
	p.memberSignatures(r.Members, r.ReportDate)
	return p.finish(w)
}
