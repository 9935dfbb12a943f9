package trading

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/money"
	"ggzy/problem"
)

// What the supervisors' red flags (package flags) read from trading: the
// lots whose opening has happened and, for each, who signed up and
// submitted, from which address, with which files and which deposit
// reference. The rule is LotOpening's: a lot is opened once it has closed at
// its deadline (LotClosed), and only then are its sealed rows unsealed. The
// lots are chosen by the query itself (status = closed), so nothing sealed
// of an open lot is ever read here.

// FlagLotFilter selects opened lots by the time of their opening.
type FlagLotFilter struct {
	From, To  time.Time // opened (closed_at) in [From, To)
	ProjectID int64     // 0: every project
	Limit     int       // at most this many lots, the newest (default and cap FlagLotCap)
	// AwardedOnly keeps the lots whose result has a winner (Awarded).
	AwardedOnly bool
	// SkipParties answers the lots without their participants (nothing is
	// unsealed).
	SkipParties bool
}

// FlagLot is an opened lot with its participants, unsealed.
type FlagLot struct {
	LotID       int64
	ProjectID   int64
	Code        string
	Title       string
	LotName     string
	Kind        string
	Method      string
	AgencyOrgID int64
	AgencyName  string
	Ceiling     money.Fen // the lot's price: 招标控制价 / 采购预算 (a ceiling for engineering and procurement)
	OpenedAt    time.Time // closed at the deadline: the opening
	Outcome     string    // as PublishResult recorded it; "" before the result
	Winner      string    // the winner's name when Awarded(Outcome)
	Parties     []FlagParty
}

// FlagParty is one organisation signed up for an opened lot.
type FlagParty struct {
	OrgID         int64
	OrgName       string
	SignupIP      string
	SignedUpAt    time.Time
	DepositMethod string
	DepositRef    string
	FormIP        string    // the address the bid form (投标函) was last submitted from; "" without one
	FormAt        time.Time // when it was
	Files         []FlagFile
	// Bid reports whether the sign-up had a bid at the deadline: a bid form
	// or a bid file submitted (OpenBids' rule).
	Bid bool
}

// FlagFile is one bid file's receipt: SHA256 is that of the plain content
// as uploaded (the receipt's), not of the stored ciphertext.
type FlagFile struct {
	FileID     int64
	Name       string
	SHA256     string
	Size       int64
	IP         string
	Status     string // BidSubmitted, BidReplaced or BidWithdrawn
	ReceivedAt time.Time
}

// FlagLotCap bounds the lots one call unseals.
const FlagLotCap = 5000

const flagLotCap = FlagLotCap

// flagInChunk bounds the ids of one IN list.
const flagInChunk = 500

// FlagLots returns the lots opened in the filter's window, newest first,
// with their participants unsealed, for staff and supervisors (the same
// readers as LotOpening). Sign-ups withdrawn before the deadline are not
// participants. At most f.Limit lots are returned: the newest ones, and more
// reports that older lots of the window were left out (a window holding
// more lots than the cap must say so, not silently drop the latest lots).
func (s *Service) FlagLots(ctx context.Context, f FlagLotFilter) (lots []FlagLot, more bool, err error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleStaff) && !a.Has(accounts.RoleSupervisor) {
		return nil, false, problem.New(problem.Forbidden, "forbidden", "无权查看开标信息")
	}
	if f.Limit <= 0 || f.Limit > flagLotCap {
		f.Limit = flagLotCap
	}
	q := `SELECT l.id, l.project_id, p.code, p.title, l.name, p.kind, p.method, p.agency_org_id, o.name AS agency, l.price, l.closed_at, l.outcome, l.winner
		FROM trading_lots l JOIN trading_projects p ON p.id = l.project_id LEFT JOIN organisations o ON o.id = p.agency_org_id
		WHERE l.status = ? AND l.closed_at >= ? AND l.closed_at < ?`
	args := []any{LotClosed, f.From, f.To}
	if f.ProjectID != 0 {
		q += ` AND l.project_id = ?`
		args = append(args, f.ProjectID)
	}
	if f.AwardedOnly {
		q += ` AND l.outcome IN (?, ?, ?)`
		args = append(args, OutcomeAwarded, OutcomeAgreement, OutcomeCompetition)
	}
	q += ` ORDER BY l.closed_at DESC, l.id DESC LIMIT ?`
	args = append(args, f.Limit+1)
	var rows []struct {
		ID          int64          `db:"id"`
		ProjectID   int64          `db:"project_id"`
		Code        sql.NullString `db:"code"`
		Title       string         `db:"title"`
		Name        string         `db:"name"`
		Kind        string         `db:"kind"`
		Method      string         `db:"method"`
		AgencyOrgID int64          `db:"agency_org_id"`
		Agency      sql.NullString `db:"agency"`
		Price       int64          `db:"price"`
		ClosedAt    sql.NullTime   `db:"closed_at"`
		Outcome     string         `db:"outcome"`
		Winner      string         `db:"winner"`
	}
	if err := s.DB.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, false, fmt.Errorf("opened lots: %w", err)
	}
	if len(rows) > f.Limit {
		rows, more = rows[:f.Limit], true
	}
	out := make([]FlagLot, len(rows))
	index := make(map[int64]int, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = FlagLot{LotID: r.ID, ProjectID: r.ProjectID, Code: r.Code.String, Title: r.Title, LotName: r.Name, Kind: r.Kind, Method: r.Method,
			AgencyOrgID: r.AgencyOrgID, AgencyName: r.Agency.String, Ceiling: money.Fen(r.Price), OpenedAt: r.ClosedAt.Time, Outcome: r.Outcome}
		if Awarded(r.Outcome) {
			out[i].Winner = r.Winner
		}
		index[r.ID] = i
		ids[i] = r.ID
	}
	for start := 0; start < len(ids) && !f.SkipParties; start += flagInChunk {
		end := min(start+flagInChunk, len(ids))
		if err := s.flagParties(ctx, ids[start:end], out, index); err != nil {
			return nil, false, err
		}
	}
	return out, more, nil
}

// flagParties unseals the sign-ups, bid forms and bid files of the given
// closed lots into out.
func (s *Service) flagParties(ctx context.Context, lotIDs []int64, out []FlagLot, index map[int64]int) error {
	sel := func(dst any, query string) error {
		q, args, err := sqlx.In(query, lotIDs)
		if err != nil {
			return err
		}
		return s.DB.SelectContext(ctx, dst, s.DB.Rebind(q), args...)
	}
	var signups []signupRow
	if err := sel(&signups, `SELECT `+signupColumns+` FROM trading_signups WHERE lot_id IN (?) ORDER BY created_at, id`); err != nil {
		return fmt.Errorf("sign-ups of opened lots: %w", err)
	}
	var forms []bidFormRow
	if err := sel(&forms, `SELECT `+bidFormColumns+` FROM trading_bid_forms WHERE lot_id IN (?)`); err != nil {
		return fmt.Errorf("bid forms of opened lots: %w", err)
	}
	var files []struct {
		ID        int64  `db:"id"`
		SignupID  int64  `db:"signup_id"`
		ProjectID int64  `db:"project_id"`
		Sealed    []byte `db:"sealed"`
		Status    string `db:"status"`
	}
	if err := sel(&files, `SELECT id, signup_id, project_id, sealed, status FROM trading_bid_files WHERE lot_id IN (?) ORDER BY created_at, id`); err != nil {
		return fmt.Errorf("bid files of opened lots: %w", err)
	}

	type party struct {
		lot int
		p   FlagParty
	}
	parties := make(map[int64]*party, len(signups)) // by sign-up id
	order := make([]int64, 0, len(signups))
	orgIDs := map[int64]bool{}
	for _, r := range signups {
		i, ok := index[r.LotID]
		if !ok {
			continue
		}
		var ss signupSealed
		if err := s.unseal("signup", r.ProjectID, r.Sealed, &ss); err != nil {
			return err
		}
		p := &party{lot: i, p: FlagParty{OrgID: ss.OrgID, SignupIP: ss.IP, SignedUpAt: r.CreatedAt}}
		if len(r.Deposit) > 0 {
			var d depositSealed
			if err := s.unseal("deposit", r.ProjectID, r.Deposit, &d); err != nil {
				return err
			}
			p.p.DepositMethod, p.p.DepositRef = d.Method, d.Reference
		}
		parties[r.ID] = p
		order = append(order, r.ID)
		orgIDs[ss.OrgID] = true
	}
	for _, f := range forms {
		p, ok := parties[f.SignupID]
		if !ok {
			continue
		}
		var bs bidFormSealed
		if err := s.unseal("bidform", f.ProjectID, f.Sealed, &bs); err != nil {
			return err
		}
		p.p.FormIP, p.p.FormAt = bs.IP, bs.ReceivedAt
		if f.Status == BidSubmitted {
			p.p.Bid = true
		}
	}
	for _, f := range files {
		p, ok := parties[f.SignupID]
		if !ok {
			continue
		}
		var rs receiptSealed
		if err := s.unseal("receipt", f.ProjectID, f.Sealed, &rs); err != nil {
			return err
		}
		p.p.Files = append(p.p.Files, FlagFile{FileID: f.ID, Name: rs.Name, SHA256: rs.SHA256, Size: rs.Size, IP: rs.IP, Status: f.Status, ReceivedAt: rs.ReceivedAt})
		if f.Status == BidSubmitted {
			p.p.Bid = true
		}
	}
	names, err := s.flagOrgNames(ctx, orgIDs)
	if err != nil {
		return err
	}
	for _, id := range order {
		p := parties[id]
		p.p.OrgName = names[p.p.OrgID]
		out[p.lot].Parties = append(out[p.lot].Parties, p.p)
	}
	return nil
}

func (s *Service) flagOrgNames(ctx context.Context, set map[int64]bool) (map[int64]string, error) {
	out := map[int64]string{}
	if len(set) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	q, args, err := sqlx.In(`SELECT id, name FROM organisations WHERE id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	if err := s.DB.SelectContext(ctx, &rows, s.DB.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("organisation names: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}
