package web

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"ggzy/clock"
	"ggzy/money"
	"ggzy/problem"
	"ggzy/trading"
)

// projectRequest is a registration as the API receives it: amounts in yuan
// as text ("1,000,000.00"), times in Beijing time ("2026-04-01 09:30").
type projectRequest struct {
	Kind        string            `json:"kind"`
	Method      string            `json:"method"`
	Title       string            `json:"title"`
	OwnerName   string            `json:"owner_name"`
	Locality    string            `json:"locality"`
	Place       string            `json:"place"`
	Details     map[string]string `json:"details"`
	Eligibility []string          `json:"eligibility"`
	Timeline    timelineRequest   `json:"timeline"`
	Lots        []lotRequest      `json:"lots"`
}

type timelineRequest struct {
	DocsFrom    string `json:"docs_from"`
	DocsUntil   string `json:"docs_until"`
	SignupUntil string `json:"signup_until"`
	BidStart    string `json:"bid_start"`
	Deadline    string `json:"deadline"`
}

type lotRequest struct {
	Name     string            `json:"name"`
	Price    string            `json:"price"`
	Estimate string            `json:"estimate"`
	Deposit  string            `json:"deposit"`
	Reserve  string            `json:"reserve"`
	Details  map[string]string `json:"details"`
}

func (t timelineRequest) parse(f *[]problem.Field) trading.Timeline {
	var out trading.Timeline
	for _, x := range []struct {
		name string
		in   string
		dst  *time.Time
	}{{"docs_from", t.DocsFrom, &out.DocsFrom}, {"docs_until", t.DocsUntil, &out.DocsUntil}, {"signup_until", t.SignupUntil, &out.SignupUntil},
		{"bid_start", t.BidStart, &out.BidStart}, {"deadline", t.Deadline, &out.Deadline}} {
		v, err := trading.ParseLocalTime(x.in)
		if err != nil {
			fe := problem.Field{Name: x.name, Code: "time_invalid", Message: trading.TimelineLabels[x.name] + "时间格式不正确，应为如 2026-04-01 09:30 的北京时间"}
			if p, ok := problem.As(err); ok && p.Code == "time_out_of_range" {
				fe.Code, fe.Message = p.Code, trading.TimelineLabels[x.name]+p.Message
			}
			*f = append(*f, fe)
			continue
		}
		*x.dst = v
	}
	return out
}

// fieldsErr is nil without field errors, otherwise one Invalid problem
// that carries the first field's message.
func fieldsErr(fs []problem.Field) error {
	if len(fs) == 0 {
		return nil
	}
	return &problem.Error{Kind: problem.Invalid, Code: "validation_failed", Message: fs[0].Message, Fields: fs}
}

// parseAmount parses an amount in yuan; a refusal names field and, when
// label is given ("第2标段（包）保证金"), says which amount it is: the
// registration form lists its problems above the lot table, where
// "金额格式不正确" three times told the agency nothing of where.
func parseAmount(field, label, s string, f *[]problem.Field) money.Fen {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	v, err := money.Parse(s)
	if err != nil {
		var fs problem.Fields
		fs.AddErr(field, err)
		p, _ := problem.As(fs.Err())
		for _, fe := range p.Fields {
			if trading.HasFullWidthDigits(s) {
				fe.Message = "请用半角数字填写金额（输入法切换到半角），如 1,999,999.99"
			}
			if label != "" {
				fe.Message = label + "：" + fe.Message
			}
			*f = append(*f, fe)
		}
		return 0
	}
	return v
}

func (r projectRequest) input() trading.ProjectInput {
	in := trading.ProjectInput{Kind: r.Kind, Method: r.Method, Title: r.Title, OwnerName: r.OwnerName, Locality: r.Locality, Place: r.Place,
		Details: r.Details, Eligibility: r.Eligibility}
	if in.Details == nil {
		in.Details = map[string]string{}
	}
	in.Timeline = r.Timeline.parse(&in.ParseErrors)
	kf := trading.Fields[r.Kind]
	priceLabel, estimateLabel := kf.PriceLabel, kf.EstimateLabel
	if priceLabel == "" {
		priceLabel = "价格"
	}
	if estimateLabel == "" {
		estimateLabel = "估算价"
	}
	for i, l := range r.Lots {
		n := i + 1
		label := func(what string) string { return fmt.Sprintf("第%d标段（包）%s", n, what) }
		lot := trading.Lot{Name: l.Name, Details: l.Details,
			Price:    parseAmount(fmt.Sprintf("lot%d_price", n), label(priceLabel), l.Price, &in.ParseErrors),
			Estimate: parseAmount(fmt.Sprintf("lot%d_estimate", n), label(estimateLabel), l.Estimate, &in.ParseErrors),
			Deposit:  parseAmount(fmt.Sprintf("lot%d_deposit", n), label("保证金"), l.Deposit, &in.ParseErrors)}
		if strings.TrimSpace(l.Reserve) != "" {
			lot.Reserve, lot.HasReserve = parseAmount(fmt.Sprintf("lot%d_reserve", n), label("底价"), l.Reserve, &in.ParseErrors), true
		}
		in.Lots = append(in.Lots, lot)
	}
	return in
}

// lotFormFields are the per-lot inputs of the registration form, sent as
// parallel lists (lot_name, lot_price, …); empty rows are skipped.
var lotFormFields = []string{"name", "price", "estimate", "deposit", "reserve", "parcel_no", "area", "land_use", "term", "increment"}

// projectDetailFields are every kind's project-level detail fields.
var projectDetailFields = []string{"site", "funding", "approval_no", "purchaser", "category", "transferor"}

// projectFromForm reads the registration form.
func projectFromForm(v url.Values) projectRequest {
	r := projectRequest{Kind: v.Get("kind"), Method: v.Get("method"), Title: v.Get("title"), OwnerName: v.Get("owner_name"),
		Locality: v.Get("locality"), Place: v.Get("place"), Details: map[string]string{},
		Timeline: timelineRequest{DocsFrom: v.Get("docs_from"), DocsUntil: v.Get("docs_until"), SignupUntil: v.Get("signup_until"),
			BidStart: v.Get("bid_start"), Deadline: v.Get("deadline")}}
	for _, name := range projectDetailFields {
		if x := strings.TrimSpace(v.Get(name)); x != "" {
			r.Details[name] = x
		}
	}
	for _, line := range strings.Split(v.Get("eligibility"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			r.Eligibility = append(r.Eligibility, line)
		}
	}
	rows := len(v["lot_name"])
	for i := 0; i < rows; i++ {
		get := func(name string) string {
			vals := v["lot_"+name]
			if i < len(vals) {
				return strings.TrimSpace(vals[i])
			}
			return ""
		}
		empty := true
		for _, name := range lotFormFields {
			if get(name) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		l := lotRequest{Name: get("name"), Price: get("price"), Estimate: get("estimate"), Deposit: get("deposit"), Reserve: get("reserve"), Details: map[string]string{}}
		for _, name := range []string{"parcel_no", "area", "land_use", "term", "increment"} {
			if x := get(name); x != "" {
				l.Details[name] = x
			}
		}
		r.Lots = append(r.Lots, l)
	}
	return r
}

func localInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(clock.Shanghai).Format("2006-01-02T15:04")
}

// lotRow is one row of the lot table in the form.
type lotRow struct {
	Values map[string]string
}

// formOf fills the registration form from a stored project.
func formOf(p *trading.Project) (map[string]string, []lotRow) {
	m := map[string]string{"kind": p.Kind, "method": p.Method, "title": p.Title, "owner_name": p.OwnerName, "locality": p.Locality,
		"place": p.Place, "eligibility": strings.Join(p.Eligibility, "\n"),
		"docs_from": localInput(p.Timeline.DocsFrom), "docs_until": localInput(p.Timeline.DocsUntil), "signup_until": localInput(p.Timeline.SignupUntil),
		"bid_start": localInput(p.Timeline.BidStart), "deadline": localInput(p.Timeline.Deadline)}
	for k, v := range p.Details {
		m[k] = v
	}
	var rows []lotRow
	for _, l := range p.Lots {
		r := lotRow{Values: map[string]string{"name": l.Name, "price": yuanInput(l.Price), "estimate": yuanInput(l.Estimate), "deposit": yuanInput(l.Deposit)}}
		for k, v := range l.Details {
			r.Values[k] = v
		}
		rows = append(rows, r)
	}
	return m, rows
}

func yuanInput(f money.Fen) string {
	if f == 0 {
		return ""
	}
	return f.Yuan()
}

// formOfRequest refills the form after a failed post.
func formOfRequest(v url.Values) (map[string]string, []lotRow) {
	m := map[string]string{}
	for k := range v {
		if !strings.HasPrefix(k, "lot_") && k != csrfField {
			m[k] = v.Get(k)
		}
	}
	var rows []lotRow
	for i := range v["lot_name"] {
		r := lotRow{Values: map[string]string{}}
		for _, name := range lotFormFields {
			if vals := v["lot_"+name]; i < len(vals) {
				r.Values[name] = vals[i]
			}
		}
		rows = append(rows, r)
	}
	return m, rows
}

func padLots(rows []lotRow, n int) []lotRow {
	for len(rows) < n {
		rows = append(rows, lotRow{Values: map[string]string{}})
	}
	return rows
}
