package trading

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"ggzy/db"
	"ggzy/problem"
)

// Announcement is a public notice: a tender (招标/采购/出让/转让) notice, a
// clarification, or a result notice.
type Announcement struct {
	ID          int64     `db:"id" json:"id"`
	ProjectID   int64     `db:"project_id" json:"project_id"`
	Type        string    `db:"type" json:"type"`
	Code        string    `db:"code" json:"code"`
	Kind        string    `db:"kind" json:"kind"`
	Method      string    `db:"method" json:"method"`
	Title       string    `db:"title" json:"title"`
	Body        string    `db:"body" json:"body,omitempty"`
	Deadline    time.Time `db:"deadline" json:"deadline"`
	PublishedAt time.Time `db:"published_at" json:"published_at"`
}

// AnnouncementTypes are the Chinese names of announcement types.
var AnnouncementTypes = map[string]string{"tender": "交易公告", "clarification": "澄清（修改）公告", "result": "结果公告", "termination": "终止公告"}

// PortalFilter selects announcements for the public list.
type PortalFilter struct {
	Type   string // tender (default), clarification, result
	Kind   string
	Method string
	Status string // open (deadline ahead), closed (deadline passed)
	From   time.Time
	To     time.Time // exclusive
	Query  string    // text in the title or the code
	Page   int       // from 1
}

// PortalPage is one page of the list.
type PortalPage struct {
	Items   []Announcement `json:"items"`
	Page    int            `json:"page"`
	HasMore bool           `json:"has_more"`
}

// PageSize is the number of announcements per page.
const PageSize = 20

type portalEntry struct {
	page PortalPage
	at   time.Time
}

// Validate checks a filter.
func (f *PortalFilter) Validate() error {
	var fs problem.Fields
	if f.Type == "" {
		f.Type = "tender"
	}
	if _, ok := AnnouncementTypes[f.Type]; !ok {
		fs.Add("type", "type_unknown", "公告类型不正确")
	}
	if f.Kind != "" {
		if _, ok := KindNames[f.Kind]; !ok {
			fs.Add("kind", "kind_unknown", "交易类型不正确")
		}
	}
	if f.Method != "" {
		if _, ok := MethodNames[f.Method]; !ok {
			fs.Add("method", "method_unknown", "交易方式不正确")
		}
	}
	if f.Status != "" && f.Status != "open" && f.Status != "closed" {
		fs.Add("status", "status_unknown", "状态只能是进行中或已截止")
	}
	f.Query = strings.TrimSpace(f.Query)
	if utf8.RuneCountInString(f.Query) > 50 {
		fs.Add("q", "too_long", "搜索词不能超过50个字")
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	if f.Page > 500 {
		fs.Add("page", "page_invalid", "页码过大")
	}
	return fs.Err()
}

// Announcements lists public announcements, newest first. Results are
// cached for PortalTTL per filter (the busiest page of the centre); a
// publication on this instance clears the cache. now decides open/closed.
func (s *Service) Announcements(ctx context.Context, f PortalFilter) (*PortalPage, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	ttl := s.PortalTTL
	if ttl == 0 {
		ttl = 2 * time.Second
	}
	key := fmt.Sprintf("%s|%s|%s|%s|%d|%d|%s|%d", f.Type, f.Kind, f.Method, f.Status, f.From.Unix(), f.To.Unix(), f.Query, f.Page)
	if ttl > 0 {
		s.portalMu.Lock()
		e, ok := s.portalCache[key]
		s.portalMu.Unlock()
		// The open/closed split depends on now: a cached page is kept only
		// while no listed deadline has passed since it was built.
		if ok && now.Sub(e.at) < ttl && now.Sub(e.at) >= 0 && !crossed(e.page.Items, e.at, now) {
			p := e.page
			return &p, nil
		}
	}
	q := `SELECT id, project_id, type, code, kind, method, title, COALESCE(deadline, published_at) AS deadline, published_at
		FROM trading_announcements WHERE type = ?`
	args := []any{f.Type}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if f.Method != "" {
		q += ` AND method = ?`
		args = append(args, f.Method)
	}
	switch f.Status {
	case "open":
		q += ` AND deadline > ?`
		args = append(args, now)
	case "closed":
		q += ` AND deadline <= ?`
		args = append(args, now)
	}
	if !f.From.IsZero() {
		q += ` AND published_at >= ?`
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		q += ` AND published_at < ?`
		args = append(args, f.To.UTC())
	}
	// Words separated by spaces (half- or full-width) must each appear:
	// "滨江 大道" finds 示范市滨江大道改造工程 (it found nothing).
	for _, w := range strings.Fields(strings.ReplaceAll(f.Query, "　", " ")) {
		q += ` AND (title LIKE ? OR code LIKE ?)`
		args = append(args, db.LikeContains(w), db.LikeContains(w))
	}
	q += ` ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?`
	args = append(args, PageSize+1, (f.Page-1)*PageSize)
	var items []Announcement
	if err := s.DB.SelectContext(ctx, &items, q, args...); err != nil {
		return nil, fmt.Errorf("list announcements: %w", err)
	}
	page := PortalPage{Items: items, Page: f.Page}
	if len(items) > PageSize {
		page.Items, page.HasMore = items[:PageSize], true
	}
	if page.Items == nil {
		page.Items = []Announcement{}
	}
	if ttl > 0 {
		s.portalMu.Lock()
		if s.portalCache == nil || len(s.portalCache) > 1000 {
			s.portalCache = map[string]portalEntry{}
		}
		s.portalCache[key] = portalEntry{page: page, at: now}
		s.portalMu.Unlock()
	}
	return &page, nil
}

func crossed(items []Announcement, from, to time.Time) bool {
	for _, a := range items {
		if a.Deadline.After(from) && !a.Deadline.After(to) {
			return true
		}
	}
	return false
}

func (s *Service) portalInvalidate() {
	s.portalMu.Lock()
	s.portalCache = nil
	s.portalMu.Unlock()
}

// PublicProject is what the public sees of a published project: no reserve
// price and nothing about sign-ups or bids before the result (which states
// each lot's outcome, its qualified bidders for land and property, and
// reveals the land reserve).
type PublicProject struct {
	Announcement  Announcement   `json:"announcement"`
	Project       *Project       `json:"project"`
	Related       []Announcement `json:"related"`
	SignupOpen    bool           `json:"signup_open"`
	SubmitOpen    bool           `json:"submit_open"`
	Clarification []Announcement `json:"-"`

	// SignupClosedAt is when the sign-up end event marked the project
	// 报名已截止 (zero before).
	SignupClosedAt time.Time `json:"signup_closed_at,omitzero"`
}

// Announcement returns one announcement with its project's public data and
// the project's other announcements.
func (s *Service) Announcement(ctx context.Context, id int64) (*PublicProject, error) {
	var a Announcement
	err := s.DB.GetContext(ctx, &a, `SELECT id, project_id, type, code, kind, method, title, body, COALESCE(deadline, published_at) AS deadline, published_at
		FROM trading_announcements WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.New(problem.NotFound, "announcement_not_found", "公告不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("announcement %d: %w", id, err)
	}
	p, err := loadProject(ctx, s.DB, a.ProjectID)
	if err != nil {
		return nil, err
	}
	pub := &PublicProject{Announcement: a, Project: publicView(p)}
	if err := s.DB.SelectContext(ctx, &pub.Related, `SELECT id, project_id, type, code, kind, method, title, body, COALESCE(deadline, published_at) AS deadline, published_at
		FROM trading_announcements WHERE project_id = ? ORDER BY published_at, id`, a.ProjectID); err != nil {
		return nil, fmt.Errorf("related announcements: %w", err)
	}
	now := s.Clock.Now()
	pub.SignupOpen = p.Status == StatusPublished && now.Before(p.Timeline.SignupUntil) && now.Before(p.Timeline.Deadline)
	pub.SubmitOpen = p.Status == StatusPublished && now.Before(p.Timeline.Deadline)
	if pub.SignupClosedAt, err = s.SignupClosedAt(ctx, a.ProjectID); err != nil {
		return nil, err
	}
	return pub, nil
}

// publicView strips what the public must not see.
func publicView(p *Project) *Project {
	c := *p
	c.AgencyOrgID, c.RuleSetID, c.Reviews = 0, 0, nil
	c.Lots = append([]Lot(nil), p.Lots...)
	for i := range c.Lots {
		c.Lots[i].Reserve, c.Lots[i].HasReserve = 0, false
		if p.Status != StatusResult {
			c.Lots[i].Winner, c.Lots[i].AwardPrice = "", 0
			c.Lots[i].Outcome, c.Lots[i].OutcomeName, c.Lots[i].OutcomeReason, c.Lots[i].Bidders = "", "", "", nil
			c.Lots[i].RevealedReserve, c.Lots[i].ReserveRevealed = 0, false
		}
	}
	return &c
}

// LotAnnouncement returns the public view of the project a published lot
// belongs to.
func (s *Service) LotAnnouncement(ctx context.Context, lotID int64) (*PublicProject, error) {
	var annID int64
	err := s.DB.GetContext(ctx, &annID, `SELECT a.id FROM trading_lots l JOIN trading_announcements a ON a.project_id = l.project_id AND a.type = 'tender'
		WHERE l.id = ? ORDER BY a.id LIMIT 1`, lotID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lotNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("announcement of lot %d: %w", lotID, err)
	}
	return s.Announcement(ctx, annID)
}
