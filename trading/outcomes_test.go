package trading

import (
	"fmt"
	"strings"
	"testing"

	"ggzy/money"
	"ggzy/problem"
)

// TestOutcomeRules: each kind's result follows its rules, and every refusal
// names the rule and its legal basis.
func TestOutcomeRules(t *testing.T) {
	yuan := money.FromYuan
	land := func(method string, qualified int, reserve money.Fen) lotFacts {
		return lotFacts{Kind: Land, Method: method, Lot: Lot{Name: "A-12地块", Price: yuan(50_000_000)}, Qualified: qualified,
			Reserve: reserve, HasReserve: reserve > 0}
	}
	property := func(qualified int) lotFacts {
		return lotFacts{Kind: Property, Method: "listing", Lot: Lot{Name: "设备一批", Price: yuan(1_000_000)}, Qualified: qualified}
	}
	failedOpening := func(x lotFacts) lotFacts {
		x.Retender = "递交投标文件的投标人少于3个（2个），不予开标，依法重新招标"
		return x
	}
	eng := lotFacts{Kind: Engineering, Method: "open", Lot: Lot{Name: "第一标段", Price: yuan(9_500_000)}, Qualified: 5}
	retendered := failedOpening(eng)
	proc := lotFacts{Kind: Procurement, Method: "open", Lot: Lot{Name: "包1", Price: yuan(2_000_000)}}

	for _, tc := range []struct {
		name    string
		facts   lotFacts
		in      LotResult
		outcome string
		winner  string
		reason  string // in the reason
		code    string // a refusal's code
		message string // in the refusal's message
	}{
		{name: "land auction awarded", facts: land("auction", 3, yuan(62_000_000)), in: LotResult{Winner: "甲公司", Price: yuan(65_000_000)}, outcome: OutcomeAwarded, winner: "甲公司"},
		{name: "land auction at the reserve", facts: land("auction", 3, yuan(62_000_000)), in: LotResult{Winner: "甲公司", Price: yuan(62_000_000)}, outcome: OutcomeAwarded, winner: "甲公司"},
		{name: "land below the reserve", facts: land("auction", 4, yuan(62_000_000)), in: LotResult{Winner: "甲公司", Price: yuan(61_999_999)}, outcome: OutcomeUnsold, reason: "低于底价"},
		{name: "land auction with two bidders", facts: land("auction", 2, yuan(62_000_000)), in: LotResult{Winner: "甲公司", Price: yuan(70_000_000)}, outcome: OutcomeTerminated, reason: "国土资源部令第39号"},
		{name: "land tender with two bidders", facts: land("tender", 2, 0), in: LotResult{}, outcome: OutcomeTerminated, reason: "终止招标"},
		{name: "land tender failed at the opening", facts: failedOpening(land("tender", 3, 0)), in: LotResult{Winner: "甲公司", Price: yuan(70_000_000)},
			outcome: OutcomeTerminated, reason: "开标时流标"},
		{name: "land listing with one bidder", facts: land("listing", 1, yuan(55_000_000)), in: LotResult{Winner: "乙公司", Price: yuan(55_000_000)}, outcome: OutcomeAwarded, winner: "乙公司"},
		{name: "land listing without quotes", facts: land("listing", 1, yuan(55_000_000)), in: LotResult{}, outcome: OutcomeUnsold, reason: "挂牌不成交"},
		{name: "land listing without a reserve", facts: land("listing", 2, 0), in: LotResult{Winner: "乙公司", Price: yuan(50_000_000)}, outcome: OutcomeAwarded, winner: "乙公司"},
		{name: "land listing ignores the opening", facts: failedOpening(land("listing", 2, 0)), in: LotResult{Winner: "乙公司", Price: yuan(51_000_000)},
			outcome: OutcomeAwarded, winner: "乙公司"},
		{name: "land below the starting price", facts: land("listing", 2, yuan(55_000_000)), in: LotResult{Winner: "乙公司", Price: yuan(49_000_000)},
			code: "rule_land.start_price", message: "起始价"},
		{name: "land winner without bidders", facts: land("listing", 0, 0), in: LotResult{Winner: "乙公司", Price: yuan(51_000_000)}, code: "rule_land.listing", message: "国土资源部令第39号"},
		{name: "land outcome is not chosen", facts: land("listing", 2, 0), in: LotResult{Outcome: OutcomeAwarded, Winner: "乙公司", Price: yuan(51_000_000)}, code: "outcome_not_applicable"},
		{name: "land price without winner", facts: land("auction", 3, 0), in: LotResult{Price: yuan(51_000_000)}, code: "required"},

		{name: "property no buyer", facts: property(0), in: LotResult{}, outcome: OutcomeNoDeal, reason: "32号"},
		{name: "property no buyer but a winner", facts: property(0), in: LotResult{Winner: "丙公司", Price: yuan(1_000_000)}, code: "rule_property.no_buyer", message: "32号"},
		{name: "property one buyer", facts: property(1), in: LotResult{Winner: "丙公司", Price: yuan(1_000_000)}, outcome: OutcomeAgreement, winner: "丙公司"},
		{name: "property one buyer below the listing price", facts: property(1), in: LotResult{Winner: "丙公司", Price: yuan(999_999)},
			code: "rule_property.agreement", message: "企业国有资产交易监督管理办法"},
		{name: "property two buyers", facts: property(2), in: LotResult{Winner: "丁公司", Price: yuan(1_200_000)}, outcome: OutcomeCompetition, winner: "丁公司"},
		{name: "property two buyers below the listing price", facts: property(2), in: LotResult{Winner: "丁公司", Price: yuan(900_000)}, code: "rule_property.competition"},
		{name: "property buyer missing", facts: property(1), in: LotResult{Price: yuan(1_000_000)}, code: "required"},

		{name: "engineering awarded", facts: eng, in: LotResult{Winner: "示范建设", Price: yuan(9_000_000)}, outcome: OutcomeAwarded, winner: "示范建设"},
		{name: "engineering failed", facts: eng, in: LotResult{Outcome: OutcomeFailed, Reason: "对招标文件作实质响应的投标人不足3个"}, outcome: OutcomeFailed, reason: "招标投标法"},
		{name: "engineering terminated", facts: eng, in: LotResult{Outcome: OutcomeTerminated, Reason: "项目取消"}, outcome: OutcomeTerminated, reason: "项目取消"},
		{name: "engineering failed without a reason", facts: eng, in: LotResult{Outcome: OutcomeFailed}, code: "required"},
		{name: "engineering failed with a winner", facts: eng, in: LotResult{Outcome: OutcomeFailed, Winner: "示范建设", Reason: "x"}, code: "winner_not_allowed"},
		{name: "engineering unknown outcome", facts: eng, in: LotResult{Outcome: "unsold"}, code: "outcome_unknown"},
		{name: "engineering retendered fails", facts: retendered, in: LotResult{}, outcome: OutcomeFailed, reason: "少于3个"},
		{name: "engineering retendered cannot be awarded", facts: retendered, in: LotResult{Winner: "示范建设", Price: yuan(9_000_000)},
			code: "rule_eng.retender", message: "《招标投标法实施条例》第四十四条"},
		{name: "engineering winner required", facts: eng, in: LotResult{Price: yuan(9_000_000)}, code: "required"},
		{name: "procurement failed", facts: proc, in: LotResult{Outcome: OutcomeFailed, Reason: "实质响应的供应商不足三家"}, outcome: OutcomeFailed, reason: "《政府采购法》第三十六条"},
		{name: "negative price", facts: eng, in: LotResult{Winner: "示范建设", Price: -1}, code: "amount_negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f problem.Fields
			o, ok := decideOutcome(0, tc.facts, tc.in, &f)
			err := f.Err()
			if tc.code != "" {
				pe, isProblem := problem.As(err)
				if ok || !isProblem {
					t.Fatalf("want refusal %s, got ok=%v outcome %+v", tc.code, ok, o)
				}
				if pe.Fields[0].Code != tc.code || !strings.HasPrefix(pe.Fields[0].Name, "lot1_") || !strings.Contains(pe.Fields[0].Message, tc.message) {
					t.Fatalf("refusal %+v, want code %s with %q", pe.Fields[0], tc.code, tc.message)
				}
				if strings.HasPrefix(tc.code, "rule_") && !strings.Contains(pe.Fields[0].Message, "依据") {
					t.Errorf("a rule refusal without its legal basis: %s", pe.Fields[0].Message)
				}
				return
			}
			if !ok || err != nil {
				t.Fatalf("refused: %v", err)
			}
			if o.Outcome != tc.outcome || o.Winner != tc.winner || !strings.Contains(o.Reason, tc.reason) {
				t.Fatalf("got %+v, want %s %q with reason %q", o, tc.outcome, tc.winner, tc.reason)
			}
			if Awarded(o.Outcome) != (o.Price > 0) || (o.Winner != "") != Awarded(o.Outcome) {
				t.Errorf("an award without a price or a price without an award: %+v", o)
			}
			if !Awarded(o.Outcome) && o.Reason == "" && tc.facts.Kind != Property {
				t.Errorf("a lot not awarded without a reason: %+v", o)
			}
		})
	}
}

// TestRefusalsNeverRevealTheReserve: whatever the agency records, a refusal
// is the same whatever the sealed reserve, so refusals cannot be used to
// probe it before the result.
func TestRefusalsNeverRevealTheReserve(t *testing.T) {
	inputs := []LotResult{{Price: money.FromYuan(60_000_000)}, {Winner: "乙", Price: money.FromYuan(40_000_000)}, {Outcome: "x", Winner: "乙"}, {Winner: "乙"}}
	var first []string
	for _, reserve := range []money.Fen{0, money.FromYuan(55_000_000), money.FromYuan(99_000_000)} {
		x := lotFacts{Kind: Land, Method: "listing", Lot: Lot{Name: "A-12地块", Price: money.FromYuan(50_000_000)}, Qualified: 2, Reserve: reserve, HasReserve: reserve > 0}
		var msgs []string
		for _, in := range inputs {
			var f problem.Fields
			if _, ok := decideOutcome(0, x, in, &f); ok {
				t.Fatalf("%+v was not refused", in)
			}
			pe, _ := problem.As(f.Err())
			msgs = append(msgs, fmt.Sprint(pe.Fields))
		}
		if first == nil {
			first = msgs
		} else if strings.Join(first, "|") != strings.Join(msgs, "|") {
			t.Fatalf("refusals differ with the reserve %s: %v / %v", reserve, first, msgs)
		}
	}
}

func TestOutcomeNames(t *testing.T) {
	for _, tc := range []struct{ kind, method, outcome, want string }{
		{Engineering, "open", OutcomeAwarded, "中标"},
		{Procurement, "open", OutcomeAwarded, "中标"},
		{Procurement, "inquiry", OutcomeAwarded, "成交"},
		{Land, "auction", OutcomeAwarded, "成交"},
		{Land, "tender", OutcomeAwarded, "中标"},
		{Land, "auction", OutcomeUnsold, "流拍"},
		{Land, "auction", OutcomeTerminated, "终止"},
		{Property, "listing", OutcomeAgreement, "协议转让"},
		{Property, "listing", OutcomeCompetition, "竞价成交"},
		{Property, "listing", OutcomeNoDeal, "未成交"},
		{Engineering, "open", OutcomeFailed, "废标"},
		{Engineering, "open", "", ""},
	} {
		if got := OutcomeName(tc.kind, tc.method, tc.outcome); got != tc.want {
			t.Errorf("%s %s %s: %q, want %q", tc.kind, tc.method, tc.outcome, got, tc.want)
		}
	}
}

// TestResultBody: the notice states per lot the outcome, the winner and the
// price in 人民币大写, the bidders for land and property, and the land
// reserve.
func TestResultBody(t *testing.T) {
	p := &Project{Code: "TD-2026-0001", Kind: Land, Method: "auction", Lots: []Lot{{Name: "A-12地块"}, {Name: "A-13地块"}, {Name: "A-14地块"}}}
	facts := []lotFacts{
		{Qualified: 3, Reserve: money.FromYuan(62_000_000), HasReserve: true},
		{Qualified: 4, Reserve: money.FromYuan(40_000_000), HasReserve: true},
		{Qualified: 2},
	}
	out := []lotOutcome{
		{Outcome: OutcomeUnsold, Reason: "最高报价 55,000,000.00 元低于底价，不成交（依据：…）"},
		{Outcome: OutcomeAwarded, Winner: "示范置业有限公司", Price: money.FromYuan(41_000_000)},
		{Outcome: OutcomeTerminated, Reason: "竞买人2个，不足3个，终止拍卖"},
	}
	body := resultBody(p, facts, out)
	for _, want := range []string{
		"A-12地块：流拍。竞买人3个；最高报价 55,000,000.00 元低于底价", "底价：62,000,000.00 元（人民币陆仟贰佰万元整）",
		"A-13地块：成交。竞买人4个；竞得人：示范置业有限公司；成交价：41,000,000.00 元（人民币肆仟壹佰万元整）",
		"A-14地块：终止。竞买人2个；竞买人2个，不足3个，终止拍卖；底价：未设底价",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("notice lacks %q:\n%s", want, body)
		}
	}
}
