package trading

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/db"
	"ggzy/minutes"
	"ggzy/money"
	"ggzy/problem"
)

// The result of a lot follows the rules of its kind (DOMAIN.md §2):
//
//   - engineering and procurement: the agency names the winner and the price
//     (中标/成交), or declares the lot failed (废标) or terminated (终止) with a
//     reason; a lot the opening returned for re-tendering (流标, Retender)
//     cannot be awarded and fails with the opening's reason;
//   - land (招标, 拍卖, 挂牌): the agency records the highest bidder and price;
//     招标 and 拍卖 with fewer than 3 qualified bidders are terminated, a
//     highest price below the sealed reserve (底价) is not awarded (流拍), a
//     挂牌 without quotes is not awarded either; the reserve is revealed by
//     the result and never before;
//   - property: 0 qualified buyers → 未成交, 1 → 协议转让 and 2 or more → 竞价,
//     both at no less than the listing price (挂牌价).
//
// Qualified bidders are the lot's sign-ups whose deposit was not found
// missing at the opening (deposit_check ≠ failed). They are counted only
// once the lot has closed: before that nobody may learn how many signed up.

// Outcomes of a lot.
const (
	OutcomeAwarded     = "awarded"     // 中标 / 成交
	OutcomeAgreement   = "agreement"   // 协议转让 (property, one buyer)
	OutcomeCompetition = "competition" // 竞价成交 (property, two or more buyers)
	OutcomeFailed      = "failed"      // 废标 (engineering, procurement)
	OutcomeTerminated  = "terminated"  // 终止
	OutcomeUnsold      = "unsold"      // 流拍 (land)
	OutcomeNoDeal      = "no_deal"     // 未成交 (property, no buyer)
)

// Awarded reports whether an outcome has a winner and a price.
func Awarded(outcome string) bool {
	return outcome == OutcomeAwarded || outcome == OutcomeAgreement || outcome == OutcomeCompetition
}

// OutcomeName is the Chinese name of an outcome for a project's kind and
// method, as the result notice states it.
func OutcomeName(kind, method, outcome string) string {
	switch outcome {
	case OutcomeAwarded:
		switch {
		case kind == Engineering, kind == Procurement && (method == "open" || method == "invited"), kind == Land && method == "tender":
			return "中标"
		}
		return "成交"
	case OutcomeAgreement:
		return "协议转让"
	case OutcomeCompetition:
		return "竞价成交"
	case OutcomeFailed:
		return "废标"
	case OutcomeTerminated:
		return "终止"
	case OutcomeUnsold:
		return "流拍"
	case OutcomeNoDeal:
		return "未成交"
	}
	return ""
}

// WinnerLabel is what the winner of a lot of the project is called.
func (p *Project) WinnerLabel() string {
	switch {
	case p.Kind == Land && p.Method == "tender":
		return "中标人"
	case p.Kind == Land:
		return "竞得人"
	case p.Kind == Property:
		return "受让方"
	case OutcomeName(p.Kind, p.Method, OutcomeAwarded) == "成交":
		return "成交供应商"
	}
	return "中标人"
}

// AwardPriceLabel is what the price of a lot's winner is called.
func (p *Project) AwardPriceLabel() string {
	if OutcomeName(p.Kind, p.Method, OutcomeAwarded) == "中标" {
		return "中标价"
	}
	return "成交价"
}

// BidderLabel is what a qualified bidder of the project is called.
func (p *Project) BidderLabel() string {
	switch p.Kind {
	case Land:
		return "竞买人"
	case Property:
		return "意向受让方"
	case Procurement:
		return "供应商"
	}
	return "投标人"
}

// DecidedByRules reports whether the outcome of the project's lots follows
// from the rules and the recorded facts (land, property) rather than being
// chosen by the agency (engineering, procurement: 中标, 废标 or 终止).
func (p *Project) DecidedByRules() bool { return p.Kind == Land || p.Kind == Property }

// OutcomeRule is a rule of the result with its legal basis.
type OutcomeRule struct {
	ID    string
	Title string
	Basis string
}

// cite names the rule and its basis in a message.
func (r OutcomeRule) cite() string {
	return fmt.Sprintf("（规则 %s：%s。依据：%s）", r.ID, r.Title, r.Basis)
}

const (
	basisLand     = "《招标拍卖挂牌出让国有建设用地使用权规定》（国土资源部令第39号）"
	basisProperty = "《企业国有资产交易监督管理办法》（国务院国资委、财政部令第32号）"
)

// The rules of the result.
var (
	RuleLandReserve         = OutcomeRule{"land.reserve", "底价在出让活动结束前保密；最高报价（应价）低于底价的，不成交", basisLand + "；《拍卖法》第二十八条、第五十条"}
	RuleLandTenderBidders   = OutcomeRule{"land.tender_bidders", "招标出让的投标人少于3人的，出让人应当终止招标活动", basisLand}
	RuleLandAuctionBidders  = OutcomeRule{"land.auction_bidders", "拍卖出让的竞买人不足3人的，终止拍卖", basisLand}
	RuleLandListing         = OutcomeRule{"land.listing", "挂牌期限届满，报价最高且不低于底价者为竞得人；无人报价或报价均低于底价的，挂牌不成交", basisLand}
	RuleLandStartPrice      = OutcomeRule{"land.start_price", "拍卖、挂牌出让自起始价起报价，最高报价不得低于起始价", basisLand}
	RulePropertyNoBuyer     = OutcomeRule{"property.no_buyer", "信息披露期满未征集到符合条件的意向受让方的，不成交", basisProperty}
	RulePropertyAgreement   = OutcomeRule{"property.agreement", "信息披露期满只产生1个符合条件的意向受让方的，以不低于挂牌价的价格协议转让", basisProperty + "及产权交易机构交易规则"}
	RulePropertyCompetition = OutcomeRule{"property.competition", "产生2个及以上符合条件的意向受让方的，公开竞价，成交价不得低于挂牌价", basisProperty}
	RuleEngRetender         = OutcomeRule{"eng.retender", "投标人少于3个的，不得开标，招标人应当重新招标；所有投标被否决的，应当重新招标", "《招标投标法》第二十八条、第四十二条；《招标投标法实施条例》第四十四条"}
	RuleProcFailed          = OutcomeRule{"proc.failed", "符合专业条件的供应商或者对招标文件作实质响应的供应商不足三家等情形，应予废标", "《政府采购法》第三十六条"}
)

// minBidders is the fewest qualified bidders a land lot of method needs
// (0: no minimum) and the rule that says so.
func minBidders(method string) (int, OutcomeRule) {
	switch method {
	case "tender":
		return 3, RuleLandTenderBidders
	case "auction":
		return 3, RuleLandAuctionBidders
	}
	return 0, OutcomeRule{}
}

// retenderApplies reports whether the opening's 流标 (fewer than three
// sealed bids, Retender) bears on the result of a lot: it does for tenders
// (engineering, procurement, land 招标), not for land auctions and listings
// or property, which are decided by their bidders and prices.
func retenderApplies(kind, method string) bool {
	return kind == Engineering || kind == Procurement || (kind == Land && method == "tender")
}

// lotFacts is what decides a lot's outcome besides what the agency records.
type lotFacts struct {
	Kind, Method string
	Lot          Lot
	Qualified    int // qualified bidders, counted once the lot closed
	Reserve      money.Fen
	HasReserve   bool
	Retender     string // the opening's reason when it returned the lot for re-tendering
}

// lotOutcome is a lot's decided result.
type lotOutcome struct {
	Outcome string
	Winner  string    // empty unless awarded
	Price   money.Fen // the awarded price; 0 unless awarded
	Reason  string    // why not awarded, with the legal basis
}

// decideOutcome applies the rules of the lot's kind to what the agency
// recorded for the i-th lot. Refusals are added to f under the lot's fields
// (they never depend on the sealed reserve, which a refusal must not
// reveal); ok is false when there was one.
func decideOutcome(i int, x lotFacts, in LotResult, f *problem.Fields) (o lotOutcome, ok bool) {
	in.Outcome = strings.TrimSpace(in.Outcome)
	in.Winner = strings.TrimSpace(in.Winner)
	in.Reason = strings.TrimSpace(in.Reason)
	bad := false
	add := func(field, code, msg string) {
		f.Add(lotField(i, field), code, msg)
		bad = true
	}
	switch {
	case utf8.RuneCountInString(in.Winner) > 200:
		add("winner", "too_long", "名称不能超过200个字")
	case in.Winner != "" && minutes.Unprintable(in.Winner) != "":
		add("winner", "unprintable_chars", "名称含有交易文书字库无法打印的字符“"+minutes.Unprintable(in.Winner)+"”")
	}
	if in.Price < 0 {
		add("award_price", "amount_negative", "金额不能为负数")
	} else if in.Price > MaxAmount {
		add("award_price", "amount_too_large", fmt.Sprintf("金额超过%s元，请核对位数", MaxAmount))
	}
	if utf8.RuneCountInString(in.Reason) > 300 {
		add("reason", "too_long", "原因不能超过300字")
	}
	if (x.Kind == Land || x.Kind == Property) && in.Outcome != "" {
		add("outcome", "outcome_not_applicable", x.Lot.Name+"：土地出让和产权交易的结果由规则根据竞买人（意向受让方）数量、底价和挂牌价确定，不能选择")
	}
	if bad {
		return o, false
	}
	switch x.Kind {
	case Land:
		return decideLand(i, x, in, f)
	case Property:
		return decideProperty(i, x, in, f)
	}
	return decideTender(i, x, in, f)
}

// decideTender: engineering and procurement.
func decideTender(i int, x lotFacts, in LotResult, f *problem.Fields) (lotOutcome, bool) {
	rule := RuleEngRetender
	if x.Kind == Procurement {
		rule = RuleProcFailed
	}
	name := x.Lot.Name
	switch in.Outcome {
	case "", OutcomeAwarded:
		if x.Retender != "" {
			if in.Outcome == "" && in.Winner == "" && in.Price == 0 {
				return lotOutcome{Outcome: OutcomeFailed, Reason: x.Retender + "（依据：" + rule.Basis + "）"}, true
			}
			f.Add(lotField(i, "outcome"), "rule_"+rule.ID, fmt.Sprintf("%s已在开标时流标并退回重新招标（%s），不能公告中标（成交）%s", name, x.Retender, rule.cite()))
			return lotOutcome{}, false
		}
		ok := true
		if in.Winner == "" {
			f.Add(lotField(i, "winner"), "required", fmt.Sprintf("请填写第%d标段（包）中标（成交）人", i+1))
			ok = false
		}
		if in.Price <= 0 {
			f.Add(lotField(i, "award_price"), "required", fmt.Sprintf("请填写第%d标段（包）中标（成交）价", i+1))
			ok = false
		}
		return lotOutcome{Outcome: OutcomeAwarded, Winner: in.Winner, Price: in.Price}, ok
	case OutcomeFailed, OutcomeTerminated:
		ok := true
		if in.Winner != "" || in.Price != 0 {
			f.Add(lotField(i, "winner"), "winner_not_allowed", fmt.Sprintf("%s：废标或终止的标段（包）不能填写中标（成交）人和价格", name))
			ok = false
		}
		reason := in.Reason
		if reason == "" {
			reason = x.Retender
		}
		if reason == "" {
			f.Add(lotField(i, "reason"), "required", fmt.Sprintf("请填写第%d标段（包）%s的原因，如：对招标文件作实质响应的投标人不足3个", i+1, OutcomeName(x.Kind, x.Method, in.Outcome)))
			ok = false
		}
		if in.Outcome == OutcomeFailed {
			reason += "（依据：" + rule.Basis + "）"
		}
		return lotOutcome{Outcome: in.Outcome, Reason: reason}, ok
	}
	f.Add(lotField(i, "outcome"), "outcome_unknown", fmt.Sprintf("第%d标段（包）的结果只能是中标（成交）、废标或终止", i+1))
	return lotOutcome{}, false
}

// decideLand: 招标, 拍卖, 挂牌 with the sealed reserve.
func decideLand(i int, x lotFacts, in LotResult, f *problem.Fields) (lotOutcome, bool) {
	name := x.Lot.Name
	if min, rule := minBidders(x.Method); min > 0 && x.Qualified < min {
		who, what := "竞买人", "拍卖"
		if x.Method == "tender" {
			who, what = "投标人", "招标活动"
		}
		return lotOutcome{Outcome: OutcomeTerminated,
			Reason: fmt.Sprintf("%s%d个，不足%d个，终止%s（依据：%s）", who, x.Qualified, min, what, rule.Basis)}, true
	}
	if x.Method == "tender" && x.Retender != "" {
		return lotOutcome{Outcome: OutcomeTerminated,
			Reason: fmt.Sprintf("开标时流标（%s），终止招标活动（依据：%s）", x.Retender, RuleLandTenderBidders.Basis)}, true
	}
	if in.Winner == "" && in.Price == 0 {
		why := "无人应价，不成交"
		if x.Method == "listing" {
			why = "挂牌期限内无人报价，挂牌不成交"
		}
		return lotOutcome{Outcome: OutcomeUnsold, Reason: fmt.Sprintf("%s（依据：%s）", why, RuleLandListing.Basis)}, true
	}
	if x.Qualified == 0 {
		f.Add(lotField(i, "winner"), "rule_"+RuleLandListing.ID, fmt.Sprintf("%s没有符合条件的竞买人，不能确定竞得人%s", name, RuleLandListing.cite()))
		return lotOutcome{}, false
	}
	ok := true
	if in.Winner == "" {
		f.Add(lotField(i, "winner"), "required", fmt.Sprintf("请填写第%d宗地最高报价的竞买人", i+1))
		ok = false
	}
	if in.Price <= 0 {
		f.Add(lotField(i, "award_price"), "required", fmt.Sprintf("请填写第%d宗地的最高报价", i+1))
		ok = false
	} else if x.Method != "tender" && in.Price < x.Lot.Price {
		f.Add(lotField(i, "award_price"), "rule_"+RuleLandStartPrice.ID,
			fmt.Sprintf("%s：最高报价 %s 元低于起始价 %s 元%s", name, in.Price, x.Lot.Price, RuleLandStartPrice.cite()))
		ok = false
	}
	if !ok {
		return lotOutcome{}, false
	}
	if x.HasReserve && in.Price < x.Reserve {
		return lotOutcome{Outcome: OutcomeUnsold,
			Reason: fmt.Sprintf("最高报价 %s 元低于底价，不成交（依据：%s）", in.Price, RuleLandReserve.Basis)}, true
	}
	return lotOutcome{Outcome: OutcomeAwarded, Winner: in.Winner, Price: in.Price}, true
}

// decideProperty: 协议转让 with one qualified buyer, 竞价 with more.
func decideProperty(i int, x lotFacts, in LotResult, f *problem.Fields) (lotOutcome, bool) {
	name := x.Lot.Name
	if x.Qualified == 0 {
		if in.Winner != "" || in.Price != 0 {
			f.Add(lotField(i, "winner"), "rule_"+RulePropertyNoBuyer.ID, fmt.Sprintf("%s没有符合条件的意向受让方，不能成交%s", name, RulePropertyNoBuyer.cite()))
			return lotOutcome{}, false
		}
		return lotOutcome{Outcome: OutcomeNoDeal, Reason: "信息披露期满未征集到符合条件的意向受让方（依据：" + RulePropertyNoBuyer.Basis + "）"}, true
	}
	outcome, rule := OutcomeAgreement, RulePropertyAgreement
	if x.Qualified >= 2 {
		outcome, rule = OutcomeCompetition, RulePropertyCompetition
	}
	ok := true
	if in.Winner == "" {
		f.Add(lotField(i, "winner"), "required", fmt.Sprintf("请填写第%d项标的的受让方", i+1))
		ok = false
	}
	switch {
	case in.Price <= 0:
		f.Add(lotField(i, "award_price"), "required", fmt.Sprintf("请填写第%d项标的的成交价", i+1))
		ok = false
	case in.Price < x.Lot.Price:
		f.Add(lotField(i, "award_price"), "rule_"+rule.ID, fmt.Sprintf("%s：符合条件的意向受让方%d个，应%s；成交价 %s 元低于挂牌价 %s 元%s",
			name, x.Qualified, OutcomeName(Property, x.Method, outcome), in.Price, x.Lot.Price, rule.cite()))
		ok = false
	}
	return lotOutcome{Outcome: outcome, Winner: in.Winner, Price: in.Price}, ok
}

// countQualified counts a closed lot's qualified bidders. lock takes the
// sign-up rows for the rest of the transaction, so that a deposit check
// cannot change the count under a result being published.
func countQualified(ctx context.Context, q sqlx.QueryerContext, lotID int64, lock bool) (int, error) {
	query := `SELECT deposit_check FROM trading_signups WHERE lot_id = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	var checks []string
	if err := sqlx.SelectContext(ctx, q, &checks, query, lotID); err != nil {
		return 0, fmt.Errorf("bidders of lot %d: %w", lotID, err)
	}
	n := 0
	for _, c := range checks {
		if c != DepositFailed {
			n++
		}
	}
	return n, nil
}

// lotFactsOf locks the project's lots and gathers, for each closed lot,
// what its outcome depends on: the qualified bidders, the opening's
// re-tender reason, and (land) the unsealed reserve. Open lots get
// nothing: their sign-ups are not counted.
func (s *Service) lotFactsOf(ctx context.Context, tx *sqlx.Tx, p *Project) ([]lotFacts, error) {
	var rows []struct {
		ID       int64  `db:"id"`
		Status   string `db:"status"`
		Reserve  []byte `db:"reserve_sealed"`
		Retender string `db:"retender_reason"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT id, status, reserve_sealed, retender_reason FROM trading_lots WHERE project_id = ? ORDER BY lot_no FOR UPDATE`, p.ID); err != nil {
		return nil, fmt.Errorf("lock lots of project %d: %w", p.ID, err)
	}
	byID := map[int64]int{}
	for i, r := range rows {
		byID[r.ID] = i
	}
	out := make([]lotFacts, len(p.Lots))
	for i, l := range p.Lots {
		x := lotFacts{Kind: p.Kind, Method: p.Method, Lot: l}
		j, ok := byID[l.ID]
		if !ok || rows[j].Status != LotClosed {
			out[i] = x
			continue
		}
		r := rows[j]
		x.Lot.Status = r.Status
		if retenderApplies(p.Kind, p.Method) {
			x.Retender = r.Retender
		}
		var err error
		if x.Qualified, err = countQualified(ctx, tx, l.ID, true); err != nil {
			return nil, err
		}
		if p.Kind == Land && len(r.Reserve) > 0 {
			b, err := s.Vault.Open("reserve", projectObject(p.ID), r.Reserve)
			if err != nil {
				return nil, fmt.Errorf("unseal reserve of lot %d: %w", l.ID, err)
			}
			v, err := strconv.ParseInt(string(b), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("reserve of lot %d: %w", l.ID, err)
			}
			x.Reserve, x.HasReserve = money.Fen(v), true
		}
		out[i] = x
	}
	return out, nil
}

// decideOutcomes decides every lot's outcome for PublishResult, inside its
// transaction (the project row locked). Every refusal is reported at once.
func (s *Service) decideOutcomes(ctx context.Context, tx *sqlx.Tx, p *Project, results []LotResult) ([]lotFacts, []lotOutcome, error) {
	facts, err := s.lotFactsOf(ctx, tx, p)
	if err != nil {
		return nil, nil, err
	}
	byID := map[int64]LotResult{}
	for _, r := range results {
		byID[r.LotID] = r
	}
	var f problem.Fields
	out := make([]lotOutcome, len(p.Lots))
	for i, l := range p.Lots {
		if facts[i].Lot.Status != LotClosed {
			f.Add(lotField(i, "winner"), "lot_not_closed", fmt.Sprintf("第%d标段（包）尚未截止开标，不能公告结果", i+1))
			continue
		}
		r, listed := byID[l.ID]
		if !listed { // never decided by default: every lot is stated
			f.Add(lotField(i, "winner"), "required", fmt.Sprintf("结果中缺少第%d标段（包、宗地、标的）「%s」", i+1, l.Name))
			continue
		}
		o, ok := decideOutcome(i, facts[i], r, &f)
		out[i] = o
		if ok && (p.Kind == Engineering || p.Kind == Procurement) && s.EvaluationAward != nil {
			ea, err := s.EvaluationAward(ctx, l.ID)
			if err != nil {
				return nil, nil, err
			}
			checkAgainstAward(i, o, ea, &f)
		}
		if ok && o.Winner != "" {
			names, err := s.lotBidderNames(ctx, tx, l.ID)
			if err != nil {
				return nil, nil, err
			}
			if len(names) > 0 && !slices.Contains(names, o.Winner) {
				f.Add(lotField(i, "winner"), "winner_not_bidder", fmt.Sprintf("第%d标段（包、宗地、标的）的中标（成交）人须为其投标人（竞买人）之一", i+1))
			}
		}
	}
	return facts, out, f.Err()
}

// EvaluatedAward is what the evaluation decided for a lot (its port,
// Service.EvaluationAward).
type EvaluatedAward struct {
	Evaluated bool      // the lot was (or is being) evaluated in this system
	Awarded   bool      // the award notice was issued
	Winner    string    // the awarded organisation
	Price     money.Fen // at this price
	StateName string    // where the evaluation stands, in Chinese
}

// checkAgainstAward: the result notice of a lot evaluated in this system
// states the evaluation's award — the winner the committee ranked first and
// the publicity let stand (招标投标法实施条例 55、政府采购法实施条例 43), at
// its price — and only once it was issued; a lot awarded there is not
// announced as 废标 or 终止. A lot without an evaluation record (evaluated
// elsewhere) is stated as the agency records it.
func checkAgainstAward(i int, o lotOutcome, ea EvaluatedAward, f *problem.Fields) {
	if !ea.Evaluated {
		return
	}
	switch {
	case Awarded(o.Outcome) && !ea.Awarded:
		f.Add(lotField(i, "winner"), "award_not_issued", fmt.Sprintf("第%d标段（包）的评标尚未确定中标人（当前：%s），公示期满并发出中标通知书后方可公告中标结果", i+1, ea.StateName))
	case Awarded(o.Outcome) && (o.Winner != ea.Winner || o.Price != ea.Price):
		f.Add(lotField(i, "winner"), "winner_not_awarded", fmt.Sprintf("第%d标段（包）的中标人和中标价须与中标通知书一致：%s，%s 元", i+1, ea.Winner, ea.Price.String()))
	case !Awarded(o.Outcome) && ea.Awarded:
		f.Add(lotField(i, "outcome"), "lot_awarded", fmt.Sprintf("第%d标段（包）已向%s发出中标通知书，不能公告为废标或终止", i+1, ea.Winner))
	}
}

// lotBidderNames returns the names of the organisations signed up for a
// closed lot (its bidders, or for land and property its 竞买人), unsealed.
func (s *Service) lotBidderNames(ctx context.Context, tx *sqlx.Tx, lotID int64) ([]string, error) {
	var rows []signupRow
	if err := tx.SelectContext(ctx, &rows, `SELECT `+signupColumns+` FROM trading_signups WHERE lot_id = ?`, lotID); err != nil {
		return nil, fmt.Errorf("bidders of lot %d: %w", lotID, err)
	}
	names := make([]string, 0, len(rows))
	for i := range rows {
		e, err := s.entry(ctx, &rows[i], 0)
		if err != nil {
			return nil, err
		}
		names = append(names, e.OrgName)
	}
	return names, nil
}

// writeOutcomes stores each lot's outcome and, for land, reveals the
// reserve.
func writeOutcomes(ctx context.Context, tx *sqlx.Tx, p *Project, facts []lotFacts, out []lotOutcome) error {
	for i, l := range p.Lots {
		o, x := out[i], facts[i]
		var price, bidders, reserve any
		if Awarded(o.Outcome) {
			price = int64(o.Price)
		}
		if p.DecidedByRules() {
			bidders = x.Qualified
		}
		if x.HasReserve {
			reserve = int64(x.Reserve)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_lots SET outcome = ?, outcome_reason = ?, bidders = ?, winner = ?, award_price = ?, reserve_revealed = ? WHERE id = ?`,
			o.Outcome, db.Clip(o.Reason, 500), bidders, o.Winner, price, reserve, l.ID); err != nil {
			return fmt.Errorf("result of lot %d: %w", l.ID, err)
		}
	}
	return nil
}

// yuanUpper is an amount as a result notice writes it.
func yuanUpper(v money.Fen) string {
	return fmt.Sprintf("%s 元（人民币%s）", v, v.Upper())
}

// resultBody is the text of the result notice: per lot the outcome, the
// winner and price where there is one, the qualified bidders for land and
// property, the reason of a lot not awarded, and the land reserve.
func resultBody(p *Project, facts []lotFacts, out []lotOutcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "项目编号：%s\n交易类型：%s　交易方式：%s\n", p.Code, KindNames[p.Kind], MethodNames[p.Method])
	for i, l := range p.Lots {
		o, x := out[i], facts[i]
		fmt.Fprintf(&b, "%s：%s。", l.Name, OutcomeName(p.Kind, p.Method, o.Outcome))
		var parts []string
		if p.DecidedByRules() {
			parts = append(parts, fmt.Sprintf("%s%d个", p.BidderLabel(), x.Qualified))
		}
		if Awarded(o.Outcome) {
			parts = append(parts, p.WinnerLabel()+"："+o.Winner, p.AwardPriceLabel()+"："+yuanUpper(o.Price))
		}
		if p.Kind == Property {
			parts = append(parts, "挂牌价："+yuanUpper(l.Price))
		}
		if o.Reason != "" {
			parts = append(parts, o.Reason)
		}
		if p.Kind == Land {
			if x.HasReserve {
				parts = append(parts, "底价："+yuanUpper(x.Reserve))
			} else {
				parts = append(parts, "底价：未设底价")
			}
		}
		b.WriteString(strings.Join(parts, "；"))
		if len(parts) > 0 {
			b.WriteString("。")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// outcomeSummary is the audit summary of the lots' outcomes (nothing
// secret: the result is public).
func outcomeSummary(p *Project, facts []lotFacts, out []lotOutcome) []map[string]any {
	var s []map[string]any
	for i, l := range p.Lots {
		m := map[string]any{"lot": l.ID, "outcome": out[i].Outcome}
		if p.DecidedByRules() {
			m["bidders"] = facts[i].Qualified
		}
		if facts[i].HasReserve {
			m["reserve_revealed"] = true
		}
		s = append(s, m)
	}
	return s
}

// LotTally is what the agency may know of a lot when it prepares the
// result: once the lot has closed, its qualified bidders and whether the
// opening returned it for re-tendering; nothing while it is open.
type LotTally struct {
	LotID     int64  `json:"lot_id"`
	Closed    bool   `json:"closed"`
	Qualified int    `json:"qualified_bidders"`
	Retender  string `json:"retender_reason,omitempty"`
}

// ResultTallies returns the tallies of a project's lots to its agency and
// to staff, supervisors and admins.
func (s *Service) ResultTallies(ctx context.Context, projectID int64) (map[int64]LotTally, error) {
	a := audit.ActorFrom(ctx)
	var pr struct {
		Org    int64  `db:"agency_org_id"`
		Kind   string `db:"kind"`
		Method string `db:"method"`
	}
	err := s.DB.GetContext(ctx, &pr, `SELECT agency_org_id, kind, method FROM trading_projects WHERE id = ?`, projectID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !canSeeAll(a) && !(a.Has(accounts.RoleAgency) && a.OrgID == pr.Org)) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("project %d: %w", projectID, err)
	}
	var lots []struct {
		ID       int64  `db:"id"`
		Status   string `db:"status"`
		Retender string `db:"retender_reason"`
	}
	if err := s.DB.SelectContext(ctx, &lots, `SELECT id, status, retender_reason FROM trading_lots WHERE project_id = ? ORDER BY lot_no`, projectID); err != nil {
		return nil, fmt.Errorf("lots of project %d: %w", projectID, err)
	}
	out := map[int64]LotTally{}
	for _, l := range lots {
		t := LotTally{LotID: l.ID}
		if l.Status == LotClosed {
			t.Closed = true
			if retenderApplies(pr.Kind, pr.Method) {
				t.Retender = l.Retender
			}
			if t.Qualified, err = countQualified(ctx, s.DB, l.ID, false); err != nil {
				return nil, err
			}
		}
		out[l.ID] = t
	}
	return out, nil
}
