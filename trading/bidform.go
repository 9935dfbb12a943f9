package trading

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
	"ggzy/db"
	"ggzy/money"
	"ggzy/problem"
)

// The bid form (投标函) is what is read out at the opening (唱标): the
// declared price, the duration (工期 / 交货期) and the quality (质量标准).
// A bidder submits one per lot beside its bid files, replaces it or
// withdraws it before the deadline under the same rule as the files (the
// deadline instant itself refused, decided on the clock read under the
// lot's row lock), and gets a receipt. It is sealed like the rest: no
// organisation, price or count is visible before the opening.

// Bid form statuses (BidSubmitted is shared with the files).
const BidFormWithdrawn = "withdrawn"

// Limits of the form's texts (the opening record keeps 100 characters).
const (
	maxDurationRunes = 100
	maxQualityRunes  = 100
)

// BidFormInput is a bid form as the bidder writes it.
type BidFormInput struct {
	Price    string // yuan, "9,100,000.00"; parsed without floats
	Duration string // 工期 / 交货期, e.g. "365日历天"
	Quality  string // 质量标准, e.g. "合格"
}

// BidForm is the actor's own bid form with its receipt.
type BidForm struct {
	LotID      int64     `json:"lot_id"`
	Price      money.Fen `json:"price_fen"`
	PriceText  string    `json:"price"`
	Duration   string    `json:"duration"`
	Quality    string    `json:"quality"`
	Version    int       `json:"version"`
	SHA256     string    `json:"sha256"` // of the canonical text, see BidFormDigest
	ReceivedAt time.Time `json:"received_at"`
	Status     string    `json:"status"` // submitted or withdrawn
}

// ReceivedText is the receipt time in Beijing time to the microsecond.
func (f BidForm) ReceivedText() string {
	return f.ReceivedAt.In(clock.Shanghai).Format("2006-01-02 15:04:05.000000")
}

// PriceUpper is the price in 人民币大写.
func (f BidForm) PriceUpper() string { return f.Price.Upper() }

// bidFormSealed is what a bid form says, sealed under the project's key.
type bidFormSealed struct {
	Price      money.Fen `json:"price"`
	Duration   string    `json:"duration"`
	Quality    string    `json:"quality"`
	Version    int       `json:"version"`
	SHA256     string    `json:"sha256"`
	ReceivedAt time.Time `json:"received_at"`
	OrgID      int64     `json:"org_id"`
	UserID     int64     `json:"user_id"`
	IP         string    `json:"ip"`
	AuditRef   string    `json:"audit_ref"`
}

// BidFormDigest is the SHA-256 the receipt of a bid form states: of the
// canonical text "投标函\nlot:<id>\nprice_fen:<fen>\nduration:<…>\nquality:<…>\n",
// which the bidder can recompute.
func BidFormDigest(lotID int64, price money.Fen, duration, quality string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "投标函\nlot:%d\nprice_fen:%d\nduration:%s\nquality:%s\n", lotID, int64(price), duration, quality))
	return hex.EncodeToString(sum[:])
}

// HasFullWidthDigits reports whether s holds full-width digits or the
// full-width comma or point (typed with a Chinese input method in 全角
// mode), which amounts refuse: the message then says so rather than that
// the amount is malformed, which "９１０００００" does not look.
func HasFullWidthDigits(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return (r >= '０' && r <= '９') || r == '，' || r == '．' })
}

// checkBidPrice refuses a price the law voids against the lot's published
// price: above the ceiling (招标控制价, 《招标投标法实施条例》第五十一条第五项:
// the bid is rejected) or the budget (采购预算, 财政部令第87号 第六十三条: the
// bid is invalid) — a slip the bidder can still correct before the deadline,
// not learn of at the evaluation; below the starting or listing price of a
// land parcel or a property (起始价, 挂牌价), where a lower quote is no bid.
func checkBidPrice(kind string, price, lotPrice money.Fen) error {
	if lotPrice <= 0 {
		return nil
	}
	label := Fields[kind].PriceLabel
	switch {
	case kind == Engineering && price > lotPrice:
		return problem.InvalidField("price", "price_above_ceiling", fmt.Sprintf("投标报价 %s 元高于%s %s 元，依法应否决（《招标投标法实施条例》第五十一条），请核对", price, label, lotPrice))
	case kind == Procurement && price > lotPrice:
		return problem.InvalidField("price", "price_above_ceiling", fmt.Sprintf("投标报价 %s 元高于%s %s 元，投标无效（《政府采购货物和服务招标投标管理办法》第六十三条），请核对", price, label, lotPrice))
	case (kind == Land || kind == Property) && price < lotPrice:
		return problem.InvalidField("price", "price_below_start", fmt.Sprintf("报价 %s 元低于%s %s 元，请核对", price, label, lotPrice))
	}
	return nil
}

// parseBidForm checks a bid form: a positive price, and a duration and a
// quality (required for engineering and procurement, where the opening
// record reads them out).
func parseBidForm(in BidFormInput, kind string) (money.Fen, string, string, error) {
	var f problem.Fields
	price, err := money.Parse(in.Price)
	switch {
	case err != nil && HasFullWidthDigits(in.Price):
		f.Add("price", "price_invalid", "投标报价请用半角数字填写（输入法切换到半角），如 9,100,000.00")
	case err != nil:
		f.Add("price", "price_invalid", "投标报价应为金额（元），最多两位小数，如 9100000 或 9,100,000.00")
	case price <= 0:
		f.Add("price", "price_invalid", "投标报价应大于零")
	case price > MaxAmount:
		f.Add("price", "price_invalid", fmt.Sprintf("投标报价超过%s元，请核对位数", MaxAmount))
	}
	need := kind == Engineering || kind == Procurement
	duration := strings.TrimSpace(in.Duration)
	quality := strings.TrimSpace(in.Quality)
	switch {
	case need && duration == "":
		f.Add("duration", "required", "请填写工期（交货期）")
	case utf8.RuneCountInString(duration) > maxDurationRunes:
		f.Add("duration", "too_long", fmt.Sprintf("工期（交货期）不能超过%d字", maxDurationRunes))
	}
	switch {
	case need && quality == "":
		f.Add("quality", "required", "请填写质量标准")
	case utf8.RuneCountInString(quality) > maxQualityRunes:
		f.Add("quality", "too_long", fmt.Sprintf("质量标准不能超过%d字", maxQualityRunes))
	}
	return price, duration, quality, f.Err()
}

// bidFormRow is a trading_bid_forms row.
type bidFormRow struct {
	SignupID  int64     `db:"signup_id"`
	LotID     int64     `db:"lot_id"`
	ProjectID int64     `db:"project_id"`
	Sealed    []byte    `db:"sealed"`
	Status    string    `db:"status"`
	UpdatedAt time.Time `db:"updated_at"`
}

const bidFormColumns = `signup_id, lot_id, project_id, sealed, status, updated_at`

// SubmitBidForm submits or replaces the actor's bid form for a lot (递交投标函)
// before the deadline and returns it with its receipt.
func (s *Service) SubmitBidForm(ctx context.Context, lotID int64, in BidFormInput) (*BidForm, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return nil, err
	}
	var lot struct {
		Kind  string `db:"kind"`
		Price int64  `db:"price"`
	}
	err = s.DB.GetContext(ctx, &lot, `SELECT p.kind, l.price FROM trading_lots l JOIN trading_projects p ON p.id = l.project_id WHERE l.id = ?`, lotID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lotNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("kind of lot %d: %w", lotID, err)
	}
	kind := lot.Kind
	price, duration, quality, err := parseBidForm(in, kind)
	if err != nil {
		return nil, err
	}
	if err := checkBidPrice(kind, price, money.Fen(lot.Price)); err != nil {
		return nil, err
	}
	var out *BidForm
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		st, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		now := s.Clock.Now() // the one reading that decides
		if st.LotStatus != LotOpen || !now.Before(st.Deadline.Time) {
			return errDeadline()
		}
		signupID, err := s.signupOf(ctx, tx, lotID, a.OrgID)
		if err != nil {
			return err
		}
		var old bidFormRow
		version, exists := 1, false
		err = tx.GetContext(ctx, &old, `SELECT `+bidFormColumns+` FROM trading_bid_forms WHERE signup_id = ? FOR UPDATE`, signupID)
		switch {
		case err == nil:
			exists = true
			var prev bidFormSealed
			if err := s.unseal("bidform", st.ProjectID, old.Sealed, &prev); err != nil {
				return err
			}
			version = prev.Version + 1
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("bid form of sign-up %d: %w", signupID, err)
		}
		ref := newRef()
		bs := bidFormSealed{Price: price, Duration: duration, Quality: quality, Version: version,
			SHA256: BidFormDigest(lotID, price, duration, quality), ReceivedAt: now, OrgID: a.OrgID, UserID: a.UserID, IP: a.IP, AuditRef: ref}
		sealed, err := s.seal("bidform", st.ProjectID, bs)
		if err != nil {
			return err
		}
		if exists {
			_, err = tx.ExecContext(ctx, `UPDATE trading_bid_forms SET sealed = ?, status = ?, updated_at = ? WHERE signup_id = ?`, sealed, BidSubmitted, now, signupID)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO trading_bid_forms (signup_id, lot_id, project_id, owner_blind, sealed, status, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, signupID, lotID, st.ProjectID, s.ownerBlind(a.OrgID), sealed, BidSubmitted, now, now)
		}
		if err != nil {
			return fmt.Errorf("store bid form: %w", err)
		}
		out = bidFormOf(lotID, bs, BidSubmitted)
		return s.recordSealed(ctx, tx, now, "trading.sealed", ref, st.ProjectID, map[string]any{"what": "bid_form", "lot_id": lotID,
			"signup_id": signupID, "version": version, "sha256": bs.SHA256})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WithdrawBidForm withdraws the actor's bid form for a lot before the
// deadline.
func (s *Service) WithdrawBidForm(ctx context.Context, lotID int64) error {
	a, err := requireBidder(ctx)
	if err != nil {
		return err
	}
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		st, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		if st.LotStatus != LotOpen || !now.Before(st.Deadline.Time) {
			return errDeadline()
		}
		signupID, err := s.signupOf(ctx, tx, lotID, a.OrgID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE trading_bid_forms SET status = ?, updated_at = ? WHERE signup_id = ? AND status = ?`,
			BidFormWithdrawn, now, signupID, BidSubmitted)
		if err != nil {
			return fmt.Errorf("withdraw bid form: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return problem.New(problem.NotFound, "bid_form_not_found", "尚未递交投标函或已撤回")
		}
		return s.recordSealed(ctx, tx, now, "trading.sealed", newRef(), st.ProjectID, map[string]any{"what": "bid_form_withdraw", "lot_id": lotID, "signup_id": signupID})
	})
}

// MyBidForm returns the actor's bid form for a lot, or nil when it has
// none (a withdrawn form is returned with its status). A lot the actor's
// organisation did not sign up for is "not found".
func (s *Service) MyBidForm(ctx context.Context, lotID int64) (*BidForm, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return nil, err
	}
	signupID, err := s.signupOf(ctx, s.DB, lotID, a.OrgID)
	if err != nil {
		return nil, err
	}
	var r bidFormRow
	err = s.DB.GetContext(ctx, &r, `SELECT `+bidFormColumns+` FROM trading_bid_forms WHERE signup_id = ?`, signupID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bid form of sign-up %d: %w", signupID, err)
	}
	var bs bidFormSealed
	if err := s.unseal("bidform", r.ProjectID, r.Sealed, &bs); err != nil {
		return nil, err
	}
	return bidFormOf(lotID, bs, r.Status), nil
}

func bidFormOf(lotID int64, bs bidFormSealed, status string) *BidForm {
	return &BidForm{LotID: lotID, Price: bs.Price, PriceText: bs.Price.String(), Duration: bs.Duration, Quality: bs.Quality,
		Version: bs.Version, SHA256: bs.SHA256, ReceivedAt: bs.ReceivedAt, Status: status}
}

// signupOf returns the id of the organisation's sign-up for a lot.
func (s *Service) signupOf(ctx context.Context, q sqlx.QueryerContext, lotID, orgID int64) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM trading_signups WHERE lot_id = ? AND org_blind = ?`, lotID, s.orgBlind(lotID, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, problem.New(problem.NotFound, "not_signed_up", "本单位未报名该标段（包），不能递交投标函")
	}
	if err != nil {
		return 0, fmt.Errorf("sign-up for lot %d: %w", lotID, err)
	}
	return id, nil
}
