package approval

// The hall's written documents (书面凭证 and 决定书) as PDF, rendered on
// request from the case as it stands (nothing is stored): the receipt of
// acceptance or refusal (行政许可法 32: dated, with the authority's seal),
// the 一次性告知 of the materials to complete (32 (四)) and the written
// decisions (38). The layout is minutes.ApprovalNotice; this file maps a
// case onto it and says which document a case's state calls for. The
// query code is never printed: it is shown once, on the intake page.

import (
	"context"
	"fmt"
	"time"

	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/minutes"
	"ggzy/problem"
)

// HallName is the name printed on the hall's documents.
const HallName = "政务服务大厅"

// Document kinds, as the URLs spell them.
const (
	DocAcceptance = "acceptance_notice" // 受理通知书
	DocSupplement = "supplement_notice" // 补正材料通知书（一次性告知书）
	DocRefusal    = "refusal_decision"  // 不予受理决定书
	DocPermit     = "permit_decision"   // 准予行政许可决定书
	DocDenial     = "denial_decision"   // 不予行政许可决定书
	DocExtension  = "extension_notice"  // 延长审批期限告知书 (行政许可法 42)
	DocSuspension = "suspension_notice" // 特别程序告知书 (行政许可法 45)
)

// DocumentKinds lists the kinds in the order a case meets them.
var DocumentKinds = []string{DocAcceptance, DocSupplement, DocRefusal, DocSuspension, DocExtension, DocPermit, DocDenial}

var docKinds = map[string]minutes.ApprovalKind{
	DocAcceptance: minutes.AcceptanceNotice, DocSupplement: minutes.SupplementNotice, DocRefusal: minutes.RefusalDecision,
	DocPermit: minutes.PermitDecision, DocDenial: minutes.DenialDecision, DocExtension: minutes.ExtensionNotice,
	DocSuspension: minutes.SuspensionNotice,
}

// DocumentName is the Chinese title of a kind ("" when unknown).
func DocumentName(kind string) string {
	k, ok := docKinds[kind]
	if !ok {
		return ""
	}
	return k.String()
}

// CaseDocument is one document a case can be printed with.
type CaseDocument struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// fits reports whether the case's state calls for the document: the
// acceptance notice once accepted and not withdrawn; the 一次性告知 while
// materials are missing (its list is the case's current one); the refusal
// once refused; the extension notice once the limits were extended (行政许可法
// 42: the applicant is told the reason), until the case ends; a decision
// once decided (or delivered) that way.
func (c *Case) fits(kind string) bool {
	decided := c.Status == CaseDecided || c.Status == CaseDelivered
	switch kind {
	case DocAcceptance:
		switch c.Status {
		case CaseInReview, CaseSuspended, CaseDecided, CaseDelivered:
			return c.AcceptedAt != nil && c.DueOn != nil && c.LegalDueOn != nil
		}
	case DocSupplement:
		return c.Status == CaseIncomplete && c.MaterialsDue != nil && len(c.Missing()) > 0
	case DocRefusal:
		return c.Status == CaseRefused
	case DocSuspension:
		switch c.Status {
		case CaseInReview, CaseSuspended, CaseDecided, CaseDelivered:
			return len(c.Suspensions) > 0 && c.AcceptedAt != nil
		}
	case DocExtension:
		switch c.Status {
		case CaseInReview, CaseSuspended, CaseDecided, CaseDelivered:
			return c.Extension != nil && c.AcceptedAt != nil
		}
	case DocPermit:
		return decided && c.Decision == DecisionApproved && c.DecidedAt != nil
	case DocDenial:
		return decided && c.Decision == DecisionDenied && c.DecidedAt != nil
	}
	return false
}

// Documents lists the documents the case can be printed with now.
func (c *Case) Documents() []CaseDocument {
	var out []CaseDocument
	for _, k := range DocumentKinds {
		if c.fits(k) {
			out = append(out, CaseDocument{Kind: k, Name: DocumentName(k)})
		}
	}
	return out
}

// ReceiptKind is the document the window hands over for the case as it
// stands: the 一次性告知, the refusal, the acceptance notice, or — once
// decided, an instant item on the spot — the decision. "" for a case with
// none (withdrawn).
func (c *Case) ReceiptKind() string {
	for _, k := range []string{DocPermit, DocDenial, DocRefusal, DocSupplement, DocAcceptance} {
		if c.fits(k) {
			return k
		}
	}
	return ""
}

func errDocumentNotFound() error {
	return problem.New(problem.NotFound, "document_not_found", "文书不存在")
}

// errDocumentNotApplicable: the case exists but its state does not call
// for the document (a 受理通知书 of a refused case).
func errDocumentNotApplicable(c *Case, kind string) error {
	name := DocumentName(kind)
	if name == "" {
		name = "书面凭证"
	}
	return problem.New(problem.Conflict, "document_not_applicable",
		fmt.Sprintf("办件%s当前为“%s”，不出具%s", c.CaseNo, CaseStatusNames[c.Status], name))
}

// Document returns the document of the given kind for a case, to those
// who may see the case (others: not found). kind "" is the receipt
// (ReceiptKind). A kind the case's state does not call for is a conflict
// (document_not_applicable), an unknown one not found.
func (s *Service) Document(ctx context.Context, id int64, kind string) (*minutes.ApprovalNotice, string, error) {
	if kind != "" && DocumentName(kind) == "" {
		return nil, "", errDocumentNotFound()
	}
	c, err := s.Case(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if kind == "" {
		kind = c.ReceiptKind()
	}
	if kind == "" || !c.fits(kind) {
		return nil, "", errDocumentNotApplicable(c, kind)
	}
	var refusedAt time.Time
	if kind == DocRefusal {
		if refusedAt, err = s.refusedAt(ctx, id); err != nil {
			return nil, "", err
		}
	}
	n := NoticeOf(c, kind, refusedAt)
	if err := audit.Record(ctx, s.DB, s.Clock.Now(), audit.Event{Action: "approval.case.document", ObjectType: "approval_case",
		ObjectID: fmt.Sprint(id), Summary: map[string]any{"case_no": c.CaseNo, "kind": kind}}); err != nil {
		return nil, "", err
	}
	return &n, kind, nil
}

// refusedAt is when the case was refused: refused is a final state, so
// the row's last change is the refusal.
func (s *Service) refusedAt(ctx context.Context, id int64) (time.Time, error) {
	var t time.Time
	if err := s.DB.GetContext(ctx, &t, `SELECT updated_at FROM approval_cases WHERE id = ? AND status = ?`, id, CaseRefused); err != nil {
		return time.Time{}, fmt.Errorf("refusal time of case %d: %w", id, err)
	}
	return t, nil
}

func shanghaiDay(d *calendar.Date) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.In(clock.Shanghai)
}

func orZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// NoticeOf maps a case onto its document of the given kind. The
// applicant's ID number is the case's masked copy; the sealed one is never
// read. refusedAt is the refusal's time (for DocRefusal).
func NoticeOf(c *Case, kind string, refusedAt time.Time) minutes.ApprovalNotice {
	n := minutes.ApprovalNotice{
		Kind: docKinds[kind], Hall: HallName, Authority: c.DeptName, No: c.CaseNo,
		Applicant: c.ApplicantName, Organisation: c.ApplicantKind == ApplicantOrganisation, ApplicantMasked: c.ApplicantMasked,
		Item: c.ItemName, ItemCode: c.ItemCode, CaseType: c.TypeName(), Instant: c.CaseType == TypeInstant,
		ReceivedAt: c.ReceivedAt, Clerk: c.ClerkName,
		AcceptedAt: orZero(c.AcceptedAt), DueOn: shanghaiDay(c.DueOn), LegalDueOn: shanghaiDay(c.LegalDueOn), SuspendedDays: c.SuspendedDays,
		MaterialsDue: shanghaiDay(c.MaterialsDue),
		RefusedAt:    refusedAt, RefuseReason: c.RefusedReason,
		DecidedAt: orZero(c.DecidedAt), DecisionNote: c.DecisionNote, DeliveredAt: orZero(c.DeliveredAt),
	}
	if x := c.Extension; x != nil {
		n.ExtendedDays, n.ExtendedOn, n.ExtensionApprover, n.ExtensionReason = x.Days, x.ExtendedAt, x.ApprovedBy, x.Reason
		n.DueBeforeExtension, n.LegalDueBeforeExtension = shanghaiDay(&x.DueBefore), shanghaiDay(&x.LegalDueBefore)
		n.DueAfterExtension, n.LegalDueAfterExtension = shanghaiDay(&x.DueAfter), shanghaiDay(&x.LegalDueAfter)
	}
	if len(c.Suspensions) > 0 {
		// The latest stop of the clock (suspensions are in the order they
		// started).
		sp := c.Suspensions[len(c.Suspensions)-1]
		ns := &minutes.ApprovalSuspension{Procedure: sp.ReasonName, Note: sp.Note, StartedOn: shanghaiDay(&sp.StartedOn), Days: sp.Days}
		if sp.ExpectedDays != nil {
			ns.ExpectedDays = *sp.ExpectedDays
		}
		if sp.EndedOn != nil {
			ns.EndedOn = shanghaiDay(sp.EndedOn)
		}
		n.Suspension = ns
	}
	for _, m := range c.Materials {
		n.Materials = append(n.Materials, minutes.ApprovalMaterial{Name: m.Name, Required: m.Required, Provided: m.Provided, Note: m.Note})
	}
	if c.CaseType == TypeJoint {
		for _, st := range c.Steps {
			n.Depts = append(n.Depts, minutes.ApprovalDept{Name: st.DeptName, Task: st.Task, DueOn: st.DueOn.In(clock.Shanghai),
				Status: StepStatusNames[st.Status], Opinion: st.Opinion})
		}
	}
	return n
}

// IssuedOn is the day a receipt's act was done, which a re-printed
// receipt carries (not the day it is printed): the acceptance, the
// refusal, or — for the 一次性告知 and a withdrawal — the day the
// materials were received; zero when the case's state has no receipt.
func (s *Service) IssuedOn(ctx context.Context, c *Case) (time.Time, error) {
	switch {
	case c.Status == CaseRefused:
		return s.refusedAt(ctx, c.ID)
	case c.AcceptedAt != nil:
		return *c.AcceptedAt, nil
	case c.Status == CaseIncomplete:
		return c.ReceivedAt, nil
	}
	return time.Time{}, nil
}
