package minutes

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"ggzy/clock"
	"ggzy/lottery"
	"ggzy/money"
)

// SampleKinds are the kinds Sample knows, as the command line spells them.
var SampleKinds = []string{"evaluation-report", "failed-evaluation-report", "opening-record", "award-notice", "draw-record"}

// Sample returns a realistic, fixed document of the given kind — 30
// bidders, 9 committee members, 10 criteria — for inspection, tests and
// benchmarks. The same kind always gives the same document.
func Sample(kind string) (Document, error) {
	switch kind {
	case "evaluation-report":
		return SampleEvaluationReport(), nil
	case "failed-evaluation-report":
		return sampleFailed(), nil
	case "opening-record":
		return SampleOpeningRecord(), nil
	case "award-notice":
		return sampleAward(), nil
	case "draw-record":
		return sampleDraw(), nil
	}
	return nil, fmt.Errorf("minutes: unknown sample kind %q (want one of %s)", kind, strings.Join(SampleKinds, ", "))
}

// SampleLongBidder is the sample bidder whose name is too long for its
// table cell and must wrap (tests look for it across the break).
const SampleLongBidder = "中国建筑第八工程局有限公司与示范市城市建设设计研究总院有限公司联合体（牵头人：中国建筑第八工程局有限公司）"

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, clock.Shanghai)
}

var sampleProject = Project{
	Name:     "示范市第一中学新校区教学楼及附属工程施工",
	Code:     "SFGC-2026-0187",
	LotName:  "第一标段",
	LotCode:  "SFGC-2026-0187-01",
	Tenderer: "示范市第一中学",
	Agency:   "示范工程招标代理有限公司",
}

const sampleControl = money.Fen(38_650_000_00)

// rng is a small deterministic generator (xorshift64*), so the samples do
// not depend on math/rand's algorithms.
type rng uint64

func (r *rng) next() uint64 {
	x := uint64(*r)
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	*r = rng(x)
	return x * 2685821657736338717
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func sampleBidders() []string {
	cities := []string{"江苏", "浙江", "安徽", "山东", "湖北", "湖南", "河南", "福建", "江西", "四川"}
	cores := []string{"华建", "中兴", "宏图", "恒通", "天成", "安泰", "广厦", "建工", "润泽", "永盛", "鸿运", "联众", "嘉禾", "瑞丰", "卓越"}
	kinds := []string{"建设集团有限公司", "建筑工程有限公司", "建工集团股份有限公司", "工程建设有限公司", "市政建设有限公司"}
	var names []string
	r := rng(20260318)
	seen := map[string]bool{}
	for len(names) < 29 {
		n := cities[r.intn(len(cities))] + "省" + cores[r.intn(len(cores))] + kinds[r.intn(len(kinds))]
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	// The long joint venture goes fourth, so it lands on page 1 of the
	// opening record, wrapped.
	return slices.Insert(names, 3, SampleLongBidder)
}

func samplePrices(n int) []money.Fen {
	r := rng(7)
	ps := make([]money.Fen, n)
	for i := range ps {
		// 86 %–99 % of the control price, to the fen.
		ps[i] = sampleControl * money.Fen(8600+r.intn(1300)) / 10000
		ps[i] += money.Fen(r.intn(100))
	}
	return ps
}

// SampleOpeningRecord is the sample 开标记录表: 30 opened bids, 3 failures,
// 2 objections.
func SampleOpeningRecord() OpeningRecord {
	names := sampleBidders()
	prices := samplePrices(len(names))
	r := rng(99)
	bids := make([]OpeningBid, len(names))
	for i, n := range names {
		deposit := "已缴纳（基本账户转账）"
		if r.intn(3) == 0 {
			deposit = "已提交（银行保函）"
		}
		b := OpeningBid{Bidder: n, Price: prices[i], Duration: fmt.Sprintf("%d日历天", 480+30*r.intn(4)),
			Quality: "合格", Deposit: deposit, PriceConfirmed: i != 11}
		if i == 11 {
			b.Remarks = "确认时限内未确认，以解密的投标文件为准"
		}
		bids[i] = b
	}
	return OpeningRecord{
		Project:      sampleProject,
		ControlPrice: sampleControl,
		OpenedAt:     at(2026, 3, 18, 9, 30),
		Place:        "示范市公共资源交易中心 第二开标室",
		Host:         "王建国（示范工程招标代理有限公司）",
		Bids:         bids,
		Failures: []OpeningFailure{
			{Bidder: "湖北省长江路桥建设有限公司", Kind: NotSubmitted},
			{Bidder: "河南省中原建工集团有限公司", Kind: NotSignedIn, Note: "投标截止时间前未完成网上签到"},
			{Bidder: "安徽省皖信建筑工程有限公司", Kind: DecryptFailed, Note: "使用备用解密文件仍未解密成功，按招标文件约定视为撤回投标文件"},
		},
		Objections: []Objection{
			{At: at(2026, 3, 18, 10, 5), Raiser: names[5], Content: "对第 12 号投标人未在确认时限内确认报价提出异议，认为应否决其投标。",
				Answer: "报价确认时限届满未确认的，以解密后的投标文件报价为准，是否否决由评标委员会依据招标文件评审。", AnsweredBy: "王建国"},
			{At: at(2026, 3, 18, 10, 12), Raiser: names[17], Content: "询问控制价是否含暂列金额。",
				Answer: "招标控制价含暂列金额 800,000.00 元，详见招标文件第五章。", AnsweredBy: "王建国"},
		},
		Signatories: []Signatory{{Role: "招标人", Name: "示范市第一中学"}, {Role: "招标代理", Name: "示范工程招标代理有限公司"},
			{Role: "监标人", Name: "刘卫东"}, {Role: "记录人", Name: "陈晓燕"}},
	}
}

var sampleMembers = []Member{
	{Name: "张文涛", Employer: "示范市建筑设计研究院有限公司", Specialty: "房屋建筑工程", Role: RoleChair},
	{Name: "李秀英", Employer: "示范大学土木工程学院", Specialty: "结构工程"},
	{Name: "王志强", Employer: "示范市第二建筑工程有限公司", Specialty: "施工组织与管理"},
	{Name: "赵丽娟", Employer: "示范市工程造价咨询有限公司", Specialty: "工程造价"},
	{Name: "孙建华", Employer: "示范市城市建设投资集团有限公司", Specialty: "工程管理"},
	{Name: "周明", Employer: "示范市建设工程质量监督站（退休）", Specialty: "工程质量"},
	{Name: "吴海燕", Employer: "示范市安装工程有限公司", Specialty: "建筑电气与智能化"},
	{Name: "郑国栋", Employer: "示范职业技术学院", Specialty: "给排水与暖通"},
	{Name: "欧阳晓东", Employer: "示范市第一中学", Specialty: "基建管理", Representative: true},
}

var sampleCriteria = []Criterion{
	{Group: "价格", Name: "投标报价", Max: 4000, Standard: "以有效投标报价中的最低价为评标基准价，投标报价得分 = 评标基准价 / 投标报价 × 40，保留两位小数。"},
	{Group: "技术", Name: "施工方案与技术措施", Max: 1000, Standard: "方案科学合理、针对性强，重点难点分析透彻的得 8–10 分；基本合理的得 5–8 分；一般的得 0–5 分。"},
	{Group: "技术", Name: "质量管理体系与措施", Max: 600, Standard: "体系健全、措施具体可行的得 5–6 分；基本可行的得 3–5 分；其余得 0–3 分。"},
	{Group: "技术", Name: "安全管理体系与措施", Max: 600, Standard: "体系健全、措施具体可行，含危大工程专项方案要点的得 5–6 分；基本可行的得 3–5 分；其余得 0–3 分。"},
	{Group: "技术", Name: "环境保护与文明施工", Max: 400, Standard: "扬尘、噪声控制及校园周边交通组织措施完善的得 3–4 分；其余得 0–3 分。"},
	{Group: "技术", Name: "工程进度计划与措施", Max: 600, Standard: "进度计划合理、关键线路清晰、保证措施有力的得 5–6 分；其余得 0–5 分。"},
	{Group: "技术", Name: "资源配备计划", Max: 400, Standard: "劳动力、机械设备、材料投入计划与进度计划匹配的得 3–4 分；其余得 0–3 分。"},
	{Group: "商务", Name: "项目经理业绩", Max: 800, Standard: "近五年担任项目经理完成单项合同额 3000 万元以上的房屋建筑工程，每项得 2 分，最多 8 分。"},
	{Group: "商务", Name: "企业业绩", Max: 800, Standard: "近五年完成的同类工程，每项得 2 分，最多 8 分。"},
	{Group: "商务", Name: "企业信誉", Max: 800, Standard: "近三年获省级及以上优质工程奖每项 2 分，省级安全文明工地每项 1 分，最多 8 分。"},
}

// aggregate is the sample's rule: with 7 or more members drop one highest
// and one lowest score, then the mean, rounded half up to hundredths.
func aggregate(marks []Score) Score {
	s := slices.Clone(marks)
	slices.Sort(s)
	if len(s) >= 7 {
		s = s[1 : len(s)-1]
	}
	var sum Score
	for _, v := range s {
		sum += v
	}
	n := Score(len(s))
	return (2*sum + n) / (2 * n)
}

// SampleEvaluationReport is the sample 评标报告 under 综合评估法: 30 opened
// bids, 3 rejected, 27 scored by 9 members on 10 criteria.
func SampleEvaluationReport() EvaluationReport {
	open := SampleOpeningRecord()
	rejectAt := map[int]Rejection{
		6:  {Stage: "资格审查", Ground: "投标人不符合国家或者招标文件规定的资格条件", Reason: "拟派项目经理注册专业为市政公用工程，不符合招标文件要求的建筑工程专业一级注册建造师。"},
		14: {Stage: "初步评审", Ground: "投标报价低于成本或者高于招标文件设定的最高投标限价", Reason: "经评标委员会要求澄清，投标人未能在规定时间内说明其报价的合理性并提供证明材料，认定其报价低于成本。"},
		22: {Stage: "初步评审", Ground: "投标文件没有对招标文件的实质性要求和条件作出响应", Reason: "投标文件承诺工期 570 日历天，超过招标文件要求的 540 日历天。"},
	}
	var rejections []Rejection
	var compliant []OpeningBid
	for i, b := range open.Bids {
		if j, ok := rejectAt[i]; ok {
			j.Bidder = b.Bidder
			rejections = append(rejections, j)
			continue
		}
		compliant = append(compliant, b)
	}
	low := compliant[0].Price
	for _, b := range compliant {
		low = min(low, b.Price)
	}
	r := rng(314159)
	scores := make([]BidScore, len(compliant))
	for i, b := range compliant {
		s := BidScore{Bidder: b.Bidder, Price: b.Price}
		quality := 60 + r.intn(35) // the bid's merit, in percent
		for c, crit := range sampleCriteria {
			marks := make([]Score, len(sampleMembers))
			if c == 0 {
				price := Score((int64(low)*int64(crit.Max)*2/int64(b.Price) + 1) / 2)
				for m := range marks {
					marks[m] = price
				}
			} else {
				for m := range marks {
					pct := min(100, max(0, quality+r.intn(21)-10))
					// Members mark in half points.
					marks[m] = Score(int64(crit.Max)*int64(pct)/100/50) * 50
				}
			}
			s.Marks = append(s.Marks, marks)
			agg := aggregate(marks)
			s.Criterion = append(s.Criterion, agg)
			s.Total += agg
		}
		scores[i] = s
	}
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if scores[a].Total != scores[b].Total {
			return int(scores[b].Total - scores[a].Total)
		}
		return int(scores[a].Price - scores[b].Price)
	})
	var candidates []Candidate
	for rank, i := range order {
		scores[i].Rank = rank + 1
		if rank < 3 {
			candidates = append(candidates, Candidate{Rank: rank + 1, Bidder: scores[i].Bidder, Price: scores[i].Price,
				Result: scores[i].Total.String() + " 分"})
		}
	}
	members := slices.Clone(sampleMembers)
	for i := range members {
		members[i].SignedAt = at(2026, 3, 18, 17, 20+i*2)
	}
	members[5].Dissent = "对第" + itoa(scores[order[1]].Rank) + "名投标人的施工方案评分有不同意见：其深基坑支护方案未附计算书，本人认为该项不应得 8 分以上。其余评审结论同意。"
	first := scores[order[0]]
	dev := first.Marks[1]
	return EvaluationReport{
		Project:      sampleProject,
		ControlPrice: sampleControl,
		Method:       Comprehensive,
		Place:        "示范市公共资源交易中心 第三评标室",
		StartedAt:    at(2026, 3, 18, 10, 30),
		FinishedAt:   at(2026, 3, 18, 17, 40),
		ReportDate:   at(2026, 3, 18, 17, 40),
		Supervisor:   "刘卫东（示范市住房和城乡建设局）",
		Members:      members,
		Opening:      open.Bids,
		Rejections:   rejections,
		Criteria:     sampleCriteria,
		Aggregation:  "评标委员会成员 7 人及以上的，每一评审因素去掉一个最高分和一个最低分后取算术平均值；结果保留两位小数，第三位四舍五入。",
		TieBreak:     "按综合得分由高到低排序；得分相同的，按投标报价由低到高排序；报价也相同的，按技术得分由高到低排序。",
		PriceRule:    "评标基准价为有效投标报价的最低价；投标报价得分 = 评标基准价 / 投标报价 × 40。",
		Scores:       scores,
		Deviations: []Deviation{{Member: members[2].Name, Bidder: first.Bidder, Criterion: sampleCriteria[1].Name, Score: dev[2],
			Reason: "该投标人施工方案对校园不停课施工的交通组织与噪声控制有专项安排，针对性强，故评分较高。"}},
		Candidates: candidates,
		Matters: []string{
			"第一中标候选人拟派项目经理须在签订合同前提供未在其他在建工程任职的书面承诺。",
			"第一中标候选人投标文件中的主要材料暂估价，须在合同中按招标文件约定的方式确认。",
		},
		Clarify: []Clarification{
			{At: at(2026, 3, 18, 13, 15), Bidder: open.Bids[14].Bidder, Question: "请说明你单位投标报价中钢筋、混凝土主材单价明显低于市场信息价的原因，并提供证明材料。",
				Answer: "在规定时间内未提交书面澄清。"},
			{At: at(2026, 3, 18, 13, 20), Bidder: open.Bids[2].Bidder, Question: "投标文件第 3.2 节施工进度计划横道图与文字说明的竣工日期不一致，请澄清以何者为准。",
				Answer: "以文字说明为准，承诺工期 510 日历天，不改变投标文件实质性内容。"},
		},
		Conclusion: "评标委员会按照招标文件规定的评标标准和方法进行了评审，推荐排序前三名的投标人为中标候选人。",
	}
}

func sampleFailed() FailedEvaluationReport {
	r := SampleEvaluationReport()
	opening := r.Opening[:4]
	var rej []Rejection
	for i, b := range opening[:3] {
		rej = append(rej, Rejection{Bidder: b.Bidder, Stage: "初步评审", Ground: "投标文件没有对招标文件的实质性要求和条件作出响应",
			Reason: fmt.Sprintf("承诺工期 %d 日历天，超过招标文件要求的 540 日历天。", 570+30*i)})
	}
	members := slices.Clone(sampleMembers)
	for i := range members {
		members[i].SignedAt = at(2026, 3, 18, 12, i+1)
	}
	return FailedEvaluationReport{
		Project: r.Project, ControlPrice: r.ControlPrice, Method: r.Method, Place: r.Place,
		StartedAt: r.StartedAt, FinishedAt: at(2026, 3, 18, 12, 10), ReportDate: at(2026, 3, 18, 12, 10),
		Supervisor: r.Supervisor, Members: members, Opening: opening, Rejections: rej,
		Reasons: []string{"4 份投标文件中 3 份被否决，有效投标不足 3 份，明显缺乏竞争。",
			"评标委员会依据《中华人民共和国招标投标法实施条例》第五十一条及招标文件的规定，否决全部投标。"},
		Recommendation: "建议招标人分析原因、修改招标文件后依法重新招标。",
	}
}

func sampleAward() AwardNotice {
	r := SampleEvaluationReport()
	c := r.Candidates[0]
	var dur string
	for _, b := range r.Opening {
		if b.Bidder == c.Bidder {
			dur = b.Duration
		}
	}
	return AwardNotice{
		No: "SFGC-2026-0187-01-ZB", Winner: c.Bidder, Project: r.Project, Price: c.Price, Duration: dur, Quality: "合格",
		ProjectManager: "陈志远（一级注册建造师 苏132140812345）", ContractDeadline: at(2026, 4, 27, 0, 0),
		ContractPlace: "示范市第一中学基建办公室", Issuer: "示范市第一中学", IssuedOn: at(2026, 3, 27, 9, 0),
	}
}

func sampleDraw() DrawRecord {
	// A consistent record: the commitment is the secret's SHA-256 and the
	// order is what lottery.Select gives for the key.
	const secret = "f0a1b2c3d4e5f60718293a4b5c6d7e8f"
	witnesses := []Witness{
		{Name: "刘卫东", Role: "监督人（示范市住房和城乡建设局）", Number: "4817"},
		{Name: "欧阳晓东", Role: "招标人代表", Number: "93"},
		{Name: "王建国", Role: "招标代理机构", Number: "20260317"},
	}
	sources := []string{secret}
	for _, w := range witnesses {
		sources = append(sources, w.Number)
	}
	key, err := lottery.KeyFromStrings(sources)
	if err != nil {
		panic(err) // fixed input
	}
	const poolSize, primaries, backups = 214, 8, 2
	order, err := lottery.Select(key, poolSize, primaries+backups)
	if err != nil {
		panic(err)
	}
	commit := sha256.Sum256([]byte(secret))
	pool := sha256.Sum256([]byte("sample pool " + sampleProject.Code))
	names := []string{"张文涛", "李秀英", "王志强", "何建平", "赵丽娟", "孙建华", "吴海燕", "郑国栋", "钱文斌", "冯雪梅"}
	details := []string{"房屋建筑工程，示范市建筑设计研究院有限公司", "结构工程，示范大学土木工程学院", "施工组织与管理，示范市第二建筑工程有限公司",
		"房屋建筑工程，示范市华信建设监理有限公司", "工程造价，示范市工程造价咨询有限公司", "工程造价，示范市城市建设投资集团有限公司",
		"建筑电气与智能化，示范市安装工程有限公司", "房屋建筑工程，示范职业技术学院", "结构工程，示范市电力设计院有限公司", "工程造价，示范市审计事务所"}
	picks := make([]Pick, len(order))
	for i, idx := range order {
		picks[i] = Pick{Order: i + 1, PoolIndex: idx, Name: names[i], Detail: details[i], Backup: i >= primaries}
	}
	picks[3].Note = "开标后声明与投标人存在利害关系，回避；由第 9 位候补递补"
	picks[8].Note = "递补第 4 位"
	return DrawRecord{
		ID: "D-2026-000731", Purpose: ExpertDraw, Project: sampleProject,
		Subject: "评标专家 8 名（房屋建筑工程、结构工程、工程造价等专业），候补 2 名",
		At:      at(2026, 3, 17, 15, 0), Place: "示范市公共资源交易中心 专家抽取室", Operator: "陈晓燕",
		Witnesses:  witnesses,
		Parameters: [][2]string{{"抽取人数", "8 名，候补 2 名"}, {"专业*", "房屋建筑工程 3、结构工程 1、工程造价 2、施工组织与管理 1、建筑电气与智能化 1"}},
		PoolSize:   poolSize,
		PoolHash:   hex.EncodeToString(pool[:]),
		Commitment: hex.EncodeToString(commit[:]),
		Secret:     secret,
		Key:        key,
		Picks:      picks,
		Exclusions: []Exclusion{
			{Reason: "受聘于招标人、招标代理机构或近三年受聘于投标人（回避）", Count: 9},
			{Reason: "年龄超过限制或暂停、处罚期间", Count: 4},
			{Reason: "已请假（本次评标时间段内）", Count: 6},
			{Reason: "同一工作单位人数限制", Count: 2},
		},
	}
}
