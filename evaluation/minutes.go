package evaluation

// The printed minutes of a lot. The evaluation's data is copied into the
// documents of the minutes package and issued — rendered, kept in Files, its
// SHA-256 recorded with the project in issued_documents — by the step that
// fixes what the document records, inside that step's transaction:
//
//	opening record (开标记录表)   CloseOpening; OpenNow when the opening fails (流标)
//	evaluation report (评标报告)   CloseReport of a concluded evaluation
//	failed report (评标失败报告)   CloseReport of a failed evaluation
//	award notice (中标通知书)      AwardLot
//
// A document renders from the state its transaction reads, so the record
// and the state it describes commit together; the same state gives the
// same bytes, and issued_documents is unique per project, kind and SHA-256,
// so issuing again adds no row.
//
// Who may download an issued document (Document, LotDocuments) follows the
// view rules of Opening and Result:
//
//	opening record     staff, supervisors, the project's agency, the lot's bidders
//	evaluation report  staff and supervisors from its issue; the project's agency
//	                   once the lot is awarded (Result shows it the committee's
//	                   names only then); bidders never (they see the published
//	                   ranking through Result)
//	failed report      staff and supervisors only (Result never shows a failed
//	                   evaluation to the agency or bidders)
//	award notice       staff, supervisors, the project's agency and the winner
//
// Anyone else gets NotFound, as for the result itself.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/minutes"
	"ggzy/money"
	"ggzy/problem"
)

// contractDays is the time to sign the contract after the award notice
// (招标投标法 第四十六条: 自中标通知书发出之日起三十日内).
const contractDays = 30

// lotDocKinds are the documents issued per lot by this package.
var lotDocKinds = map[string]bool{DocOpeningRecord: true, DocEvaluationReport: true, DocFailedReport: true, DocAwardNotice: true}

// DocNames are the Chinese names of the document kinds.
var DocNames = map[string]string{DocOpeningRecord: "开标记录表", DocEvaluationReport: "评标报告", DocFailedReport: "评标失败报告",
	DocAwardNotice: "中标通知书", DocDrawRecord: "抽取记录"}

// Name is the Chinese name of the document's kind.
func (d IssuedDocument) Name() string { return DocNames[d.Kind] }

// issueTx renders the lot's document of kind from what tx reads, keeps it
// and records it with the project (see the comment at the top of the file).
func (s *Service) issueTx(ctx context.Context, tx *sqlx.Tx, now time.Time, li LotInfo, lotID int64, kind string) error {
	l, err := loadLot(ctx, tx, lotID, false)
	if err != nil {
		return err
	}
	var doc minutes.Document
	switch kind {
	case DocOpeningRecord:
		doc, err = openingRecordDoc(ctx, tx, li, l)
	case DocEvaluationReport, DocFailedReport:
		doc, err = reportDoc(ctx, tx, li, l)
	case DocAwardNotice:
		doc, err = awardDoc(ctx, tx, li, l)
	default:
		err = fmt.Errorf("evaluation: no minutes of kind %q", kind)
	}
	if err != nil {
		return fmt.Errorf("%s of lot %d: %w", kind, lotID, err)
	}
	pdf, hash, err := minutes.Issue(doc)
	if err != nil {
		return fmt.Errorf("render %s of lot %d: %w", kind, lotID, err)
	}
	stored, err := s.store(ctx, kind, lotID, pdf, hash)
	if err != nil {
		return err
	}
	return recordIssued(ctx, tx, now, l.ProjectID, lotID, kind, hash, len(pdf), stored)
}

// minutesProject is the project block of every lot document.
func minutesProject(li LotInfo) minutes.Project {
	p := minutes.Project{Name: li.Title, Code: li.ProjectCode, LotName: li.LotName, Tenderer: li.Tenderer, Agency: li.Agency}
	if p.Name == "" {
		p.Name = "（未登记）"
	}
	if p.Code == "" {
		p.Code = fmt.Sprintf("项目%d", li.ProjectID)
	}
	if p.Tenderer == "" {
		p.Tenderer = "（未登记）"
	}
	return p
}

// openingBid is a read-out bid as the minutes print it.
func openingBid(b bidRow) minutes.OpeningBid {
	ob := minutes.OpeningBid{Bidder: b.OrgName, Price: money.Fen(b.Price), Duration: b.Duration, Quality: b.Quality, Deposit: b.view(0).DepositName(),
		PriceConfirmed: b.Confirm == ConfirmConfirmed || b.Confirm == ConfirmDeemed}
	switch b.Confirm {
	case ConfirmDeemed:
		ob.Remarks = "逾期视为认可"
	case ConfirmDisputed:
		ob.Remarks = "有异议，见异议记录"
	}
	return ob
}

// openingRecordDoc is the 开标记录表 of the lot.
func openingRecordDoc(ctx context.Context, q sqlx.QueryerContext, li LotInfo, l *lotRow) (minutes.OpeningRecord, error) {
	rec := minutes.OpeningRecord{Project: minutesProject(li), ControlPrice: li.Ceiling, OpenedAt: l.OpenedAt.Time}
	bids, err := loadBids(ctx, q, l.LotID)
	if err != nil {
		return rec, err
	}
	objs, err := loadObjections(ctx, q, l.LotID, 0)
	if err != nil {
		return rec, err
	}
	bidder := map[int64]string{}
	var notOpened []string
	for _, b := range bids {
		bidder[b.OrgID] = b.OrgName
		switch b.Unseal {
		case UnsealOK:
			rec.Bids = append(rec.Bids, openingBid(b))
		case UnsealWithdrawn, UnsealFailed:
			rec.Failures = append(rec.Failures, minutes.OpeningFailure{Bidder: b.OrgName, Kind: minutes.DecryptFailed, Note: b.UnsealNote})
		case UnsealNotOpened:
			notOpened = append(notOpened, b.OrgName)
		}
	}
	for _, o := range objs {
		if o.Stage != "opening" {
			continue
		}
		rec.Objections = append(rec.Objections, minutes.Objection{At: o.CreatedAt, Raiser: bidder[o.OrgID], Content: o.Body, Answer: o.Answer})
	}
	var notes []string
	if len(notOpened) > 0 {
		notes = append(notes, "递交投标文件的投标人："+strings.Join(notOpened, "、")+"，投标文件未开启。")
	}
	if l.State == StateFailedOpening && l.OutcomeReason != "" {
		notes = append(notes, "流标："+l.OutcomeReason+"。")
	}
	rec.Notes = strings.Join(notes, "\n")
	return rec, nil
}

// committee is the lot's committee as the report prints it: the active
// members in seat order, and what happened to those replaced.
func committee(l *lotRow, ms []memberRow) (members []minutes.Member, changes []string) {
	name := map[int64]string{}
	for _, m := range ms {
		name[m.ID] = m.Name
	}
	for _, m := range ms {
		if m.ReplacesID.Valid {
			old := ms[slices.IndexFunc(ms, func(x memberRow) bool { return x.ID == m.ReplacesID.Int64 })]
			changes = append(changes, fmt.Sprintf("%s因“%s”不再担任评标委员会成员，由%s递补", name[m.ReplacesID.Int64], old.ReplacedReason, m.Name))
		}
		if m.State != MemberActive {
			continue
		}
		mm := minutes.Member{Name: m.Name, Dissent: m.Dissent}
		if m.ID == l.ChairMemberID.Int64 {
			mm.Role = minutes.RoleChair
		}
		switch m.Signature {
		case SignAgree, SignDissent:
			mm.SignedAt = m.SignedAt.Time
		case SignRefused:
			mm.RefusedToSign = true
		}
		members = append(members, mm)
	}
	return members, changes
}

// rejections are the rejected bids: for every qualification criterion a
// majority of the active members failed, its ground and the first
// member's reason (in seat order), as ConfirmReviews decided them.
func rejections(ctx context.Context, q sqlx.QueryerContext, l *lotRow, active int, crit []Criterion, results []ResultLine) ([]minutes.Rejection, error) {
	var fails []struct {
		BidID       int64  `db:"bid_id"`
		CriterionID int64  `db:"criterion_id"`
		Ground      string `db:"ground"`
		Reason      string `db:"reason"`
	}
	if err := sqlx.SelectContext(ctx, q, &fails, `SELECT r.bid_id, r.criterion_id, r.ground, r.reason FROM evaluation_reviews r
		JOIN evaluation_members m ON m.id = r.member_id WHERE r.lot_id = ? AND m.state = 'active' AND r.pass = 0
		ORDER BY r.bid_id, m.seq`, l.LotID); err != nil {
		return nil, fmt.Errorf("failed reviews: %w", err)
	}
	type key struct{ bid, crit int64 }
	count := map[key]int{}
	first := map[key]int{}
	for i, f := range fails {
		k := key{f.BidID, f.CriterionID}
		if count[k] == 0 {
			first[k] = i
		}
		count[k]++
	}
	var out []minutes.Rejection
	for _, r := range results {
		if r.Qualified {
			continue
		}
		var grounds, reasons []string
		for _, c := range crit {
			k := key{r.BidID, c.ID}
			if c.Kind != KindQualification || 2*count[k] <= active {
				continue
			}
			f := fails[first[k]]
			if !slices.Contains(grounds, f.Ground) {
				grounds = append(grounds, f.Ground)
			}
			reasons = append(reasons, c.Name+"："+f.Reason)
		}
		j := minutes.Rejection{Bidder: r.Bidder, Stage: "初步评审", Ground: strings.Join(grounds, "；"), Reason: strings.Join(reasons, "；")}
		if j.Reason == "" { // as recorded when the reviews were confirmed
			j.Reason = r.Rejection
		}
		if j.Reason == "" {
			j.Reason = "未通过初步评审"
		}
		out = append(out, j)
	}
	return out, nil
}

// reportDoc is the 评标报告 of a concluded evaluation, or the 评标失败报告 of
// a failed one.
func reportDoc(ctx context.Context, q sqlx.QueryerContext, li LotInfo, l *lotRow) (minutes.Document, error) {
	ms, err := loadMembers(ctx, q, l.LotID, false)
	if err != nil {
		return nil, err
	}
	bids, err := loadBids(ctx, q, l.LotID)
	if err != nil {
		return nil, err
	}
	results, err := loadResults(ctx, q, l.LotID)
	if err != nil {
		return nil, err
	}
	crit, err := criteria(ctx, q, l.LotID)
	if err != nil {
		return nil, err
	}
	members, changes := committee(l, ms)
	var opening []minutes.OpeningBid
	for _, b := range bids {
		if b.Unseal == UnsealOK {
			opening = append(opening, openingBid(b))
		}
	}
	rejected, err := rejections(ctx, q, l, len(members), crit, results)
	if err != nil {
		return nil, err
	}
	method := minutes.Comprehensive
	if l.Method == LowestPrice {
		method = minutes.LowestEvaluatedPrice
	}
	if l.OutcomeReason != "" {
		return minutes.FailedEvaluationReport{Project: minutesProject(li), ControlPrice: li.Ceiling, Method: method, StartedAt: l.EvaluationAt.Time,
			FinishedAt: l.ConcludedAt.Time, ReportDate: l.ConcludedAt.Time, Members: members, Opening: opening, Rejections: rejected,
			Reasons: []string{l.OutcomeReason}, Recommendation: "建议招标人分析评标失败的原因，必要时修改招标文件后依法重新招标。"}, nil
	}

	r := minutes.EvaluationReport{Project: minutesProject(li), ControlPrice: li.Ceiling, Method: method, StartedAt: l.EvaluationAt.Time,
		FinishedAt: l.ConcludedAt.Time, ReportDate: l.ConcludedAt.Time, Members: members, Opening: opening, Rejections: rejected}
	var quals []string
	for _, c := range crit {
		switch c.Kind {
		case KindQualification:
			quals = append(quals, c.Name)
		case KindScore:
			r.Criteria = append(r.Criteria, minutes.Criterion{Group: "评分", Name: c.Name, Max: minutes.Score(c.Max), Standard: "按招标文件评标办法评分"})
		case KindPrice:
			r.Criteria = append(r.Criteria, minutes.Criterion{Group: "价格", Name: c.Name, Max: minutes.Score(c.Max),
				Standard: "以通过初步评审的最低投标报价为评标基准价，价格分 = 评标基准价 / 投标报价 × " + c.Max.String() + "，四舍五入保留两位小数"})
		}
	}
	review := "资格和符合性审查因素（" + strings.Join(quals, "、") + "）由每位成员逐项判定通过或不通过，过半数成员判定不通过的否决其投标。"
	if method == minutes.Comprehensive {
		agg := "各成员评分的算术平均值"
		if l.Aggregation == AggTrimmedMean {
			agg = "去掉一个最高分和一个最低分后的算术平均值（成员不少于7人时；不足7人时取算术平均值）"
		}
		r.Aggregation = review + "详细评审各项的得分为" + agg + "，四舍五入保留两位小数；偏离其他成员平均分超过" + Points(l.Deviation).String() + "分的评分须书面说明理由。"
		r.PriceRule = "以通过初步评审的最低投标报价为评标基准价，价格分 = 评标基准价 / 投标报价 × 价格分值，四舍五入保留两位小数。"
		r.TieBreak = "按综合得分由高到低排序；得分相同的，投标报价低者优先；再相同的，技术得分高者优先；再相同的，递交投标文件在先者优先。"
	} else {
		r.Aggregation = review
		r.PriceRule = "通过初步评审的投标报价即经评审的投标价（本项目未设价格调整因素）。"
		r.TieBreak = "按经评审的投标价由低到高排序；相同的，技术得分高者优先；再相同的，递交投标文件在先者优先。"
	}

	scores, err := activeScores(ctx, q, l.LotID)
	if err != nil {
		return nil, err
	}
	var act []memberRow
	for _, m := range ms {
		if m.State == MemberActive {
			act = append(act, m)
		}
	}
	type mk struct{ member, bid, crit int64 }
	mark := map[mk]scoreRow{}
	for _, sc := range scores {
		mark[mk{sc.MemberID, sc.BidID, sc.CriterionID}] = sc
	}
	line := map[int64]ResultLine{}
	for _, res := range results {
		line[res.BidID] = res
	}
	bidder := map[int64]string{}
	for _, b := range bids {
		bidder[b.ID] = b.OrgName
		res, ok := line[b.ID]
		if b.Unseal != UnsealOK || !ok || !res.Qualified {
			continue
		}
		bs := minutes.BidScore{Bidder: b.OrgName, Price: money.Fen(b.Price), Total: minutes.Score(res.Total), Rank: res.Rank, EvaluatedPrice: money.Fen(b.Price)}
		if method == minutes.Comprehensive {
			for _, c := range crit {
				if c.Kind == KindQualification {
					continue
				}
				row := make([]minutes.Score, len(act))
				var agg Points
				if c.Kind == KindPrice {
					for i := range act {
						row[i] = minutes.Score(res.PricePoints)
					}
					agg = res.PricePoints
				} else {
					given := make([]Points, 0, len(act))
					for i, m := range act {
						sc, ok := mark[mk{m.ID, b.ID, c.ID}]
						if ok {
							given = append(given, Points(sc.Points))
						}
						row[i] = minutes.Score(sc.Points)
					}
					agg = Aggregate(given, l.Aggregation)
				}
				bs.Marks = append(bs.Marks, row)
				bs.Criterion = append(bs.Criterion, minutes.Score(agg))
			}
		}
		r.Scores = append(r.Scores, bs)
	}
	if method == minutes.Comprehensive {
		name, critName := map[int64]string{}, map[int64]string{}
		for _, m := range act {
			name[m.ID] = m.Name
		}
		for _, c := range crit {
			critName[c.ID] = c.Name
		}
		for _, f := range flags(scores, Points(l.Deviation)) {
			if res, ok := line[f.BidID]; !ok || !res.Qualified {
				continue
			}
			r.Deviations = append(r.Deviations, minutes.Deviation{Member: name[f.MemberID], Bidder: bidder[f.BidID], Criterion: critName[f.CriterionID],
				Score: minutes.Score(f.Points), Reason: mark[mk{f.MemberID, f.BidID, f.CriterionID}].Reason})
		}
	}
	var ties []string
	for _, res := range results {
		if res.Candidate {
			result := res.Total.String() + " 分"
			if method == minutes.LowestEvaluatedPrice {
				result = res.Price.String() + " 元"
			}
			r.Candidates = append(r.Candidates, minutes.Candidate{Rank: res.Rank, Bidder: res.Bidder, Price: res.Price, Result: result})
		}
		if res.TieBroken != "" {
			ties = append(ties, fmt.Sprintf("第%d名%s与前一名排序相同，%s", res.Rank, res.Bidder, res.TieBroken))
		}
	}
	r.Matters = []string{
		"中标候选人应在评标报告提交之日起3日内公示，公示期不少于3日；投标人或者其他利害关系人对评标结果有异议的，应当在公示期间提出，招标人作出答复前暂停招标投标活动。",
		"国有资金占控股或者主导地位的依法必须进行招标的项目，招标人应当确定排名第一的中标候选人为中标人。",
		"招标人和中标人应当自中标通知书发出之日起30日内，按照招标文件和中标人的投标文件订立书面合同。",
	}
	clar, err := clarificationsOf(ctx, q, l.LotID)
	if err != nil {
		return nil, err
	}
	for _, c := range clar {
		var answer string
		switch c.State {
		case ClarifyAnswered:
			answer = c.Answer
		case ClarifyRefused:
			answer = "监督人员未转交：" + c.SupervisorNote
		case ClarifyForwarded:
			answer = "投标人未答复"
		default:
			continue
		}
		r.Clarify = append(r.Clarify, minutes.Clarification{At: c.CreatedAt, Bidder: c.Bidder, Question: c.Question, Answer: answer})
	}
	r.Conclusion = strings.Join(append(changes, ties...), "；")
	if r.Conclusion != "" {
		r.Conclusion += "。"
	}
	return r, nil
}

func clarificationsOf(ctx context.Context, q sqlx.QueryerContext, lotID int64) ([]Clarification, error) {
	var out []Clarification
	if err := sqlx.SelectContext(ctx, q, &out, clarifySelect+` WHERE c.lot_id = ? ORDER BY c.id`, lotID); err != nil {
		return nil, fmt.Errorf("clarifications of lot %d: %w", lotID, err)
	}
	return out, nil
}

// awardDoc is the 中标通知书 to the winner of an awarded lot.
func awardDoc(ctx context.Context, q sqlx.QueryerContext, li LotInfo, l *lotRow) (minutes.AwardNotice, error) {
	if !l.AwardBidID.Valid {
		return minutes.AwardNotice{}, errors.New("the lot has no award")
	}
	var b bidRow
	if err := sqlx.GetContext(ctx, q, &b, `SELECT id, bid_ref, org_id, org_name, price, duration, quality, deposit, unseal, unseal_note,
		signed_in_at, confirm, confirmed_at FROM evaluation_bids WHERE id = ?`, l.AwardBidID.Int64); err != nil {
		return minutes.AwardNotice{}, fmt.Errorf("awarded bid: %w", err)
	}
	p := minutesProject(li)
	at := l.AwardedAt.Time
	return minutes.AwardNotice{No: fmt.Sprintf("%s-%d", p.Code, l.LotID), Winner: b.OrgName, Project: p, Price: money.Fen(b.Price),
		Duration: b.Duration, Quality: b.Quality, ContractDeadline: at.AddDate(0, 0, contractDays), Issuer: p.Tenderer, IssuedOn: at}, nil
}

func errDocumentNotFound() error {
	return problem.New(problem.NotFound, "document_not_found", "该文书不存在或您无权查看")
}

// mayRead applies the download rules at the top of the file.
func (s *Service) mayRead(ctx context.Context, a audit.Actor, l *lotRow, kind string) (bool, error) {
	if isStaff(a) || isSupervisor(a) {
		return true, nil
	}
	switch {
	case a.Has(accounts.RoleAgency):
		li, err := s.lotInfo(ctx, l.LotID)
		if err != nil {
			return false, err
		}
		if !ownsLot(a, li) {
			return false, nil
		}
		switch kind {
		case DocOpeningRecord, DocAwardNotice:
			return true, nil
		case DocEvaluationReport:
			return l.State == StateAwarded, nil
		}
	case a.Has(accounts.RoleBidder) && a.OrgID != 0:
		switch kind {
		case DocOpeningRecord:
			var n int
			if err := s.DB.GetContext(ctx, &n, `SELECT COUNT(*) FROM evaluation_bids WHERE lot_id = ? AND org_id = ?`, l.LotID, a.OrgID); err != nil {
				return false, err
			}
			return n > 0, nil
		case DocAwardNotice:
			if !l.AwardBidID.Valid {
				return false, nil
			}
			var org int64
			if err := s.DB.GetContext(ctx, &org, `SELECT org_id FROM evaluation_bids WHERE id = ?`, l.AwardBidID.Int64); err != nil {
				return false, err
			}
			return org == a.OrgID, nil
		}
	}
	return false, nil
}

const issuedColumns = `id, project_id, COALESCE(lot_id, 0) AS lot_id, kind, sha256, size, stored, issued_at`

// LotDocuments lists the latest issued document of each kind of the lot
// that the actor in ctx may download.
func (s *Service) LotDocuments(ctx context.Context, lotID int64) ([]IssuedDocument, error) {
	l, err := loadLot(ctx, s.DB, lotID, false)
	if err != nil {
		return nil, err
	}
	var all []IssuedDocument
	if err := s.DB.SelectContext(ctx, &all, `SELECT `+issuedColumns+` FROM issued_documents WHERE lot_id = ? ORDER BY id DESC`, lotID); err != nil {
		return nil, fmt.Errorf("documents of lot %d: %w", lotID, err)
	}
	a := audit.ActorFrom(ctx)
	out := []IssuedDocument{}
	seen := map[string]bool{}
	for _, d := range all {
		if seen[d.Kind] || !lotDocKinds[d.Kind] {
			continue
		}
		seen[d.Kind] = true
		ok, err := s.mayRead(ctx, a, l, d.Kind)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(x, y IssuedDocument) int { return int(x.ID - y.ID) })
	return out, nil
}

// Document returns the latest issued document of kind of the lot and its
// bytes, read back from Files and checked against the recorded SHA-256,
// when the actor in ctx may download it (NotFound otherwise, as for the
// result). Every download is recorded in the project's archive.
func (s *Service) Document(ctx context.Context, lotID int64, kind string) (*IssuedDocument, []byte, error) {
	if !lotDocKinds[kind] {
		return nil, nil, errDocumentNotFound()
	}
	l, err := loadLot(ctx, s.DB, lotID, false)
	if problem.Is(err, "evaluation_not_found") {
		return nil, nil, errDocumentNotFound()
	}
	if err != nil {
		return nil, nil, err
	}
	a := audit.ActorFrom(ctx)
	if ok, err := s.mayRead(ctx, a, l, kind); err != nil {
		return nil, nil, err
	} else if !ok {
		return nil, nil, errDocumentNotFound()
	}
	var d IssuedDocument
	err = s.DB.GetContext(ctx, &d, `SELECT `+issuedColumns+` FROM issued_documents WHERE lot_id = ? AND kind = ? ORDER BY id DESC LIMIT 1`, lotID, kind)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, problem.New(problem.NotFound, "document_not_issued", "尚未出具"+DocNames[kind])
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s of lot %d: %w", kind, lotID, err)
	}
	if !d.Stored || s.Files == nil {
		return nil, nil, problem.New(problem.NotFound, "document_not_stored", DocNames[kind]+"只保存了摘要（SHA-256），原件未存档")
	}
	rc, err := s.Files.Open(ctx, d.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s of lot %d: %w", kind, lotID, err)
	}
	defer rc.Close()
	body, err := io.ReadAll(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s of lot %d: %w", kind, lotID, err)
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != d.SHA256 {
		return nil, nil, fmt.Errorf("%s of lot %d: stored bytes do not match the recorded SHA-256 %s", kind, lotID, d.SHA256)
	}
	if err := audit.Record(ctx, s.DB, s.Clock.Now(), audit.Event{Action: "document.download", ObjectType: "document", ObjectID: d.SHA256,
		ProjectID: d.ProjectID, Summary: map[string]any{"kind": kind, "lot": lotID}}); err != nil {
		return nil, nil, err
	}
	return &d, body, nil
}
