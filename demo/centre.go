package demo

import (
	"context"
	"fmt"
	"time"

	"ggzy/accounts"
	"ggzy/approval"
	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/money"
	"ggzy/schedule"
	"ggzy/trading"
)

// Services are what SeedCentre works through.
type Services struct {
	Accounts   *accounts.Service
	Calendar   *calendar.Store
	Schedule   *schedule.Service
	Trading    *trading.Service
	FixedPrice *trading.FixedPrice
	// Approval, when set, gets the demo hall: catalogue items and cases.
	Approval *approval.Service
	// Clock is the reference for every date; nil: the trading service's.
	Clock clock.Clock
}

// Centre is what SeedCentre created.
type Centre struct {
	Rooms       map[string]int64 // by room code
	Engineering int64            // published, open for sign-up
	Procurement int64            // submitted, in staff's queue
	Land        int64            // draft of agency2
	Property    int64            // published
	Selection   int64            // fixed-price selection, published
	Invited     int64            // invited procurement (邀请招标), invitees drawn, published
	Bookings    []int64
	Hall        *Hall // the approval hall's items and cases (nil without Services.Approval)
}

// SeedCentre fills the demo centre after Seed: rooms with a terminal in each
// evaluation room, projects of every kind at the stages a newcomer should
// see, a fixed-price selection open for applications and room bookings for
// their events. Everything goes through the services, as the demo users
// (audited under their names), with dates counted from the clock's now on
// the centre's working days. No bidder signs up, no bid is handed in and no
// draw runs: the sealed data starts empty.
func SeedCentre(ctx context.Context, s Services) (*Centre, error) {
	clk := s.Clock
	if clk == nil {
		clk = s.Trading.Clock
	}
	us, err := s.Accounts.ListUsers(ctx, accounts.UserFilter{Limit: 1000})
	if err != nil {
		return nil, err
	}
	byName := map[string]*accounts.User{}
	for i := range us {
		byName[us[i].Username] = &us[i]
	}
	as := func(username string) (context.Context, error) {
		u, ok := byName[username]
		if !ok {
			return nil, fmt.Errorf("demo centre: user %s missing (run Seed first)", username)
		}
		return audit.WithActor(ctx, u.Actor("")), nil
	}
	staff, err := as("staff")
	if err != nil {
		return nil, err
	}
	agency, err := as("agency")
	if err != nil {
		return nil, err
	}
	agency2, err := as("agency2")
	if err != nil {
		return nil, err
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	d := dates{cal: cal, today: calendar.DateOf(clk.Now(), clock.Shanghai)}
	c := &Centre{Rooms: map[string]int64{}}

	if err := seedRooms(staff, s.Schedule, c); err != nil {
		return nil, err
	}
	if err := seedProjects(staff, agency, agency2, s, d, c); err != nil {
		return nil, err
	}
	if err := seedSelection(agency, s.FixedPrice, d, c); err != nil {
		return nil, err
	}
	if err := seedBookings(staff, s, c); err != nil {
		return nil, err
	}
	if s.Approval != nil {
		var ctxs [3]context.Context
		for i, u := range []string{"admin", "clerk", "approver2"} {
			if ctxs[i], err = as(u); err != nil {
				return nil, err
			}
		}
		zj, gh := byName["approver"], byName["approver2"]
		if zj == nil || gh == nil {
			return nil, fmt.Errorf("demo centre: approvers missing (run Seed first)")
		}
		if c.Hall, err = seedHall(ctxs[0], ctxs[1], ctxs[2], s.Approval, zj.OrgID.Int64, gh.OrgID.Int64); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// dates counts from today on the centre's calendar.
type dates struct {
	cal   *calendar.Calendar
	today calendar.Date
}

// working is the n-th working day after d (n = 0: d or the next working day).
func (d dates) working(from calendar.Date, n int) calendar.Date { return d.cal.AddWorkingDays(from, n) }

// at is the time hh:mm Beijing time on day.
func at(day calendar.Date, hh, mm int) time.Time {
	return day.In(clock.Shanghai).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute).UTC()
}

func local(t time.Time) string { return t.In(clock.Shanghai).Format("2006-01-02 15:04") }

func yuan(s string) money.Fen {
	f, err := money.Parse(s)
	if err != nil {
		panic(fmt.Sprintf("demo amount %q: %v", s, err))
	}
	return f
}

type room struct {
	code, name, kind string
	capacity         int
	equipment        string
	opens, closes    string
}

var rooms = []room{
	{"KB-01", "第一开标室", schedule.KindOpening, 60, "电子开标系统、投影仪、音视频录制、身份证读卡器", "08:30", "17:30"},
	{"KB-02", "第二开标室", schedule.KindOpening, 40, "电子开标系统、投影仪、音视频录制", "08:30", "17:30"},
	{"PB-01", "第一评标室", schedule.KindEvaluation, 9, "评标终端、隔离门禁、音视频录制、屏蔽通讯设备", "08:00", "21:00"},
	{"PB-02", "第二评标室", schedule.KindEvaluation, 7, "评标终端、隔离门禁、音视频录制、屏蔽通讯设备", "08:00", "21:00"},
	{"PB-03", "第三评标室", schedule.KindEvaluation, 5, "评标终端、隔离门禁、音视频录制", "08:00", "21:00"},
	{"CQ-01", "专家抽取室", schedule.KindDraw, 12, "随机抽取系统、语音通知、大屏、音视频录制", "08:30", "17:30"},
	{"PM-01", "拍卖厅", schedule.KindAuction, 120, "电子竞价系统、大屏、扩音、音视频录制", "08:30", "17:30"},
	{"TP-01", "谈判室", schedule.KindNegotiation, 12, "会议桌、投影仪、音视频录制", "08:30", "17:30"},
}

// seedRooms creates the rooms as staff and registers one terminal in each
// evaluation room. The device tokens are dropped: staff enable devices
// later (/schedule/device), and nothing secret is printed.
func seedRooms(ctx context.Context, sch *schedule.Service, c *Centre) error {
	for _, r := range rooms {
		id, err := sch.CreateRoom(ctx, schedule.RoomInput{Code: r.code, Name: r.name, Kind: r.kind, Capacity: r.capacity,
			Equipment: r.equipment, Opens: r.opens, Closes: r.closes, Active: true})
		if err != nil {
			return fmt.Errorf("demo room %s: %w", r.code, err)
		}
		c.Rooms[r.code] = id
		if r.kind == schedule.KindEvaluation {
			if _, _, err := sch.RegisterTerminal(ctx, id, r.name+"评标终端1"); err != nil {
				return fmt.Errorf("demo terminal in %s: %w", r.code, err)
			}
		}
	}
	return nil
}

// seedProjects registers one project of each kind and takes it as far as
// the demo needs, each step by its own user: the agency registers, submits
// and publishes; staff accept.
func seedProjects(staff, agency, agency2 context.Context, s Services, d dates, c *Centre) error {
	ts := s.Trading
	publish := func(id int64) error {
		if _, err := ts.Submit(agency, id); err != nil {
			return fmt.Errorf("submit: %w", err)
		}
		if err := ts.Review(staff, id, true, nil); err != nil {
			return fmt.Errorf("accept: %w", err)
		}
		if _, err := ts.Publish(agency, id, nil); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		return nil
	}

	// Engineering, open tender, two lots: documents from today (or the next
	// working day) for 7 working days, the deadline on the first working day
	// at least 21 days on (the law asks 20), sign-up until 3 working days
	// before it.
	start := d.working(d.today, 0)
	deadline := d.working(start.AddDays(21), 0)
	var err error
	c.Engineering, err = ts.CreateProject(agency, trading.ProjectInput{
		Kind: trading.Engineering, Method: "open", Title: "示范市滨江大道改造及配套管网工程施工", OwnerName: "示范市城市建设投资集团有限公司",
		Place: "示范市公共资源交易中心第一开标室",
		Details: map[string]string{"site": "示范市滨江区滨江大道（江滨路至新安路段）", "funding": "财政资金及企业自筹",
			"approval_no": "示发改审批〔" + fmt.Sprint(d.today.Year) + "〕118号"},
		Eligibility: []string{"具有市政公用工程施工总承包二级及以上资质", "拟派项目经理具有市政公用工程专业二级及以上注册建造师执业资格", "近三年无行贿犯罪记录"},
		Timeline: trading.Timeline{DocsFrom: at(start, 9, 0), DocsUntil: at(d.working(start, 7), 17, 0),
			SignupUntil: at(d.working(deadline, -3), 17, 0), Deadline: at(deadline, 9, 30)},
		Lots: []trading.Lot{
			{Name: "第一标段：道路及排水工程", Price: yuan("9,800,000"), Estimate: yuan("10,200,000"), Deposit: yuan("150,000")},
			{Name: "第二标段：给水及燃气管网工程", Price: yuan("4,200,000"), Estimate: yuan("4,500,000"), Deposit: yuan("80,000")},
		},
	})
	if err != nil {
		return fmt.Errorf("demo engineering project: %w", err)
	}
	if err := publish(c.Engineering); err != nil {
		return fmt.Errorf("demo engineering project: %w", err)
	}

	// Procurement, open tender, by agency2: submitted and waiting for staff.
	docs := d.working(d.today, 2)
	pDeadline := d.working(docs.AddDays(25), 0)
	c.Procurement, err = ts.CreateProject(agency2, trading.ProjectInput{
		Kind: trading.Procurement, Method: "open", Title: "示范市第一人民医院医学影像设备采购", OwnerName: "示范市第一人民医院",
		Place:       "示范市公共资源交易中心第二开标室",
		Details:     map[string]string{"purchaser": "示范市第一人民医院", "category": "货物"},
		Eligibility: []string{"具有独立承担民事责任的能力", "具有医疗器械经营许可证（第三类）", "参加政府采购活动前三年内在经营活动中没有重大违法记录"},
		Timeline: trading.Timeline{DocsFrom: at(docs, 9, 0), DocsUntil: at(d.working(docs, 7), 17, 0),
			SignupUntil: at(d.working(pDeadline, -3), 17, 0), Deadline: at(pDeadline, 9, 30)},
		Lots: []trading.Lot{
			{Name: "包1：64排CT一台", Price: yuan("6,500,000"), Deposit: yuan("100,000")},
			{Name: "包2：数字化X射线摄影系统两台", Price: yuan("2,400,000"), Deposit: yuan("40,000")},
		},
	})
	if err != nil {
		return fmt.Errorf("demo procurement project: %w", err)
	}
	if _, err := ts.Submit(agency2, c.Procurement); err != nil {
		return fmt.Errorf("demo procurement project: submit: %w", err)
	}

	// Procurement, invited tender (邀请招标) by agency2: five candidate
	// suppliers, three drawn at random (witness numbers entered at the
	// draw), published; only the three invitees may sign up.
	iDocs := d.working(d.today, 0)
	iDeadline := d.working(iDocs.AddDays(21), 0)
	c.Invited, err = ts.CreateProject(agency2, trading.ProjectInput{
		Kind: trading.Procurement, Method: trading.MethodInvited, Title: "示范市政务服务中心办公家具采购", OwnerName: "示范市机关事务管理局",
		Place:       "示范市公共资源交易中心第二开标室",
		Details:     map[string]string{"purchaser": "示范市机关事务管理局", "category": "货物"},
		Eligibility: []string{"具有独立承担民事责任的能力", "参加政府采购活动前三年内在经营活动中没有重大违法记录"},
		Timeline: trading.Timeline{DocsFrom: at(iDocs, 9, 0), DocsUntil: at(d.working(iDocs, 7), 17, 0),
			SignupUntil: at(d.working(iDeadline, -3), 17, 0), Deadline: at(iDeadline, 9, 30)},
		Lots: []trading.Lot{{Name: "办公桌椅及文件柜", Price: yuan("860,000"), Deposit: yuan("15,000")}},
	})
	if err != nil {
		return fmt.Errorf("demo invited project: %w", err)
	}
	if _, err := ts.Submit(agency2, c.Invited); err != nil {
		return fmt.Errorf("demo invited project: submit: %w", err)
	}
	if err := ts.Review(staff, c.Invited, true, nil); err != nil {
		return fmt.Errorf("demo invited project: accept: %w", err)
	}
	var candidates []string
	for _, k := range []string{"bidder1", "bidder2", "bidder3", "bidder4", "bidder5"} {
		candidates = append(candidates, orgUSCC(k))
	}
	if _, err := ts.SetInvitations(agency2, c.Invited, trading.InvitationInput{Candidates: candidates, Count: 3, Source: trading.SourcePrequal}); err != nil {
		return fmt.Errorf("demo invited project: candidates: %w", err)
	}
	if _, err := ts.DrawInvitees(agency2, c.Invited, []string{"7 19 23", "4 11 30 35"}, []string{"王芳（采购人监督）", "李强（采购人监督）"}); err != nil {
		return fmt.Errorf("demo invited project: draw: %w", err)
	}
	if _, err := ts.Publish(agency2, c.Invited, nil); err != nil {
		return fmt.Errorf("demo invited project: publish: %w", err)
	}

	// Land, listing, a complete draft of agency2 (the reserve price is
	// sealed by the service): bidding from the first working day at least
	// 24 days on, for 12 days.
	bidStart := d.working(d.today.AddDays(24), 0)
	lDeadline := d.working(bidStart.AddDays(12), 0)
	c.Land, err = ts.CreateProject(agency2, trading.ProjectInput{
		Kind: trading.Land, Method: "listing", Title: "示范市新城区XC-07地块国有建设用地使用权挂牌出让", OwnerName: "示范市自然资源和规划局",
		Place: "示范市公共资源交易中心拍卖厅", Details: map[string]string{"transferor": "示范市自然资源和规划局"},
		Eligibility: []string{"中华人民共和国境内外的法人和其他组织（法律另有规定者除外）", "竞买人不得有拖欠土地出让金等不良记录"},
		Timeline:    trading.Timeline{SignupUntil: at(d.working(lDeadline, -2), 17, 0), BidStart: at(bidStart, 9, 0), Deadline: at(lDeadline, 10, 0)},
		Lots: []trading.Lot{{Name: "XC-07地块", Price: yuan("36,000,000"), Deposit: yuan("7,200,000"), Reserve: yuan("41,500,000"), HasReserve: true,
			Details: map[string]string{"parcel_no": "XC" + fmt.Sprint(d.today.Year) + "-07", "area": "15600.00", "land_use": "商服用地", "term": "40", "increment": "200,000"}}},
	})
	if err != nil {
		return fmt.Errorf("demo land project: %w", err)
	}

	// Property, listing, published: disclosed for 22 working days.
	prDeadline := d.working(d.today, 22)
	c.Property, err = ts.CreateProject(agency, trading.ProjectInput{
		Kind: trading.Property, Method: "listing", Title: "示范市交通运输集团有限公司二手营运车辆转让", OwnerName: "示范市交通运输集团有限公司",
		Place: "示范市公共资源交易中心拍卖厅", Details: map[string]string{"transferor": "示范市交通运输集团有限公司"},
		Eligibility: []string{"依法设立并有效存续的企业法人或具有完全民事行为能力的自然人", "具有良好的商业信用"},
		Timeline:    trading.Timeline{SignupUntil: at(d.working(prDeadline, -2), 17, 0), Deadline: at(prDeadline, 15, 0)},
		Lots:        []trading.Lot{{Name: "大中型客车12辆", Price: yuan("1,280,000"), Estimate: yuan("1,250,000"), Deposit: yuan("120,000")}},
	})
	if err != nil {
		return fmt.Errorf("demo property project: %w", err)
	}
	if err := publish(c.Property); err != nil {
		return fmt.Errorf("demo property project: %w", err)
	}
	return nil
}

// seedSelection registers and publishes a fixed-price selection; its
// application window ends on the first working day at least 7 days on.
func seedSelection(agency context.Context, fp *trading.FixedPrice, d dates, c *Centre) error {
	until := d.working(d.today.AddDays(7), 0)
	id, err := fp.RegisterSelection(agency, trading.SelectionInput{
		Title: "示范市实验小学教学楼维修改造工程", OwnerName: "示范市实验小学", GovernmentInvested: true, Funding: "财政资金",
		Site: "示范市城南区学府路8号", ApprovalNo: "示教发〔" + fmt.Sprint(d.today.Year) + "〕36号",
		ControlPrice: "1,860,000.00", Rate: "5.5", ApplyUntil: local(at(until, 17, 0)), Place: "示范市公共资源交易中心专家抽取室",
		Eligibility: []string{"具有建筑工程施工总承包三级及以上资质", "拟派项目经理具有建筑工程专业二级及以上注册建造师执业资格，且无在建工程"},
	})
	if err != nil {
		return fmt.Errorf("demo fixed-price selection: %w", err)
	}
	if err := fp.PublishSelection(agency, id); err != nil {
		return fmt.Errorf("demo fixed-price selection: publish: %w", err)
	}
	c.Selection = id
	return nil
}

// seedBookings books, as staff, the rooms for the coming events of the
// published projects: the fixed-price draw the working day after its
// window closes, and the engineering project's expert draw, opening and
// evaluation around its deadline.
func seedBookings(staff context.Context, s Services, c *Centre) error {
	sel, err := s.FixedPrice.Selection(staff, c.Selection)
	if err != nil {
		return err
	}
	eng, err := s.Trading.Project(staff, c.Engineering)
	if err != nil {
		return err
	}
	cal, err := s.Calendar.Calendar(staff)
	if err != nil {
		return err
	}
	drawDay := cal.AddWorkingDays(calendar.DateOf(sel.ApplyUntil, clock.Shanghai), 1)
	deadline := eng.Timeline.Deadline
	openDay := calendar.DateOf(deadline, clock.Shanghai)
	for _, b := range []struct {
		room, kind string
		project    int64
		title      string
		from, to   time.Time
	}{
		{"CQ-01", schedule.KindDraw, sel.ProjectID, sel.Title + " 固定价比选公开抽取", at(drawDay, 9, 30), at(drawDay, 10, 30)},
		{"CQ-01", schedule.KindDraw, eng.ID, eng.Title + " 评标专家抽取", at(cal.AddWorkingDays(openDay, -1), 14, 0), at(cal.AddWorkingDays(openDay, -1), 15, 0)},
		{"KB-01", schedule.KindOpening, eng.ID, eng.Title + " 开标", deadline, deadline.Add(2 * time.Hour)},
		{"PB-01", schedule.KindEvaluation, eng.ID, eng.Title + " 评标", at(openDay, 13, 30), at(openDay, 18, 0)},
	} {
		id, err := s.Schedule.Book(staff, schedule.BookingInput{RoomID: c.Rooms[b.room], ProjectID: b.project, EventKind: b.kind, Title: b.title,
			StartsAt: local(b.from), EndsAt: local(b.to)})
		if err != nil {
			return fmt.Errorf("demo booking %s in %s: %w", b.title, b.room, err)
		}
		c.Bookings = append(c.Bookings, id)
	}
	return nil
}
