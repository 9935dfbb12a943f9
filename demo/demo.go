// Package demo seeds a demonstration centre on an empty database: the
// centre's own organisations, two agencies, five bidders, nine experts and one
// user of every other role (Seed); then rooms, projects of every kind at the
// stages a newcomer should see, a fixed-price selection and bookings
// (SeedCentre, centre.go).
package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/idcode"
)

// Login is one demo account.
type Login struct {
	Username string
	Name     string
	Role     string
	Org      string
}

type org struct {
	key, name, prefix, kind string
}

// Organisations of the demo centre. USCC check characters are computed.
var orgs = []org{
	{"centre", "示范市公共资源交易中心", "12330100MB0000001", accounts.OrgCentre},
	{"supervision", "示范市发展和改革委员会（招投标监督）", "11330100MB0000002", accounts.OrgDepartment},
	{"approval", "示范市住房和城乡建设局", "11330100MB0000003", accounts.OrgDepartment},
	{"approval2", "示范市自然资源和规划局", "11330100MB0000004", accounts.OrgDepartment},
	{"agency", "示范工程招标代理有限公司", "91330100MA0000101", accounts.OrgAgency},
	{"agency2", "诚信政府采购代理有限公司", "91330100MA0000102", accounts.OrgAgency},
	{"bidder1", "示范第一建设集团有限公司", "91330100MA0000201", accounts.OrgBidder},
	{"bidder2", "宏达路桥工程有限公司", "91330100MA0000202", accounts.OrgBidder},
	{"bidder3", "安居建筑安装有限公司", "91330100MA0000203", accounts.OrgBidder},
	{"bidder4", "绿城市政园林有限公司", "91330100MA0000204", accounts.OrgBidder},
	{"bidder5", "华信设备供应有限公司", "91330100MA0000205", accounts.OrgBidder},
}

type user struct {
	username, name, role, org string
}

func users() []user {
	us := []user{
		{"admin", "系统管理员", accounts.RoleAdmin, "centre"},
		{"staff", "王晓东", accounts.RoleStaff, "centre"},
		{"clerk", "李秀英", accounts.RoleClerk, "centre"},
		{"supervisor", "赵建国", accounts.RoleSupervisor, "supervision"},
		{"approver", "钱卫民", accounts.RoleApprover, "approval"},
		{"approver2", "孙建华", accounts.RoleApprover, "approval2"},
		{"agency", "孙丽华", accounts.RoleAgency, "agency"},
		{"agency2", "周志强", accounts.RoleAgency, "agency2"},
	}
	bidderNames := []string{"吴海涛", "郑春梅", "冯德明", "陈晓燕", "褚国栋"}
	for i, n := range bidderNames {
		k := fmt.Sprintf("bidder%d", i+1)
		us = append(us, user{k, n, accounts.RoleBidder, k})
	}
	expertNames := []string{"卫振华", "蒋文博", "沈玉兰", "韩立新", "杨光明", "朱建平", "秦淑芬", "尤国庆", "许明哲"}
	for i, n := range expertNames {
		us = append(us, user{fmt.Sprintf("expert%d", i+1), n, accounts.RoleExpert, ""})
	}
	return us
}

// orgUSCC is the USCC of a demo organisation by key ("bidder1", …).
func orgUSCC(key string) string {
	for _, o := range orgs {
		if o.key == key {
			return USCC(o.prefix)
		}
	}
	panic("demo: no organisation " + key)
}

// USCC completes a 17-character prefix with its check character.
func USCC(prefix string) string {
	c, err := idcode.USCCCheckChar(prefix)
	if err != nil {
		panic(fmt.Sprintf("demo USCC prefix %q: %v", prefix, err))
	}
	return prefix + string(c)
}

// Seed creates the demo centre through the accounts service (so every
// record is audited). It refuses to run when any user exists.
func Seed(ctx context.Context, acc *accounts.Service, password string) ([]Login, error) {
	existing, err := acc.ListUsers(ctx, accounts.UserFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, fmt.Errorf("seed refused: the database already holds users")
	}
	ctx = audit.WithActor(ctx, audit.System)
	ids := map[string]int64{}
	for _, o := range orgs {
		id, err := acc.CreateOrganisation(ctx, accounts.OrgInput{Name: o.name, USCC: USCC(o.prefix), Kind: o.kind, ContactName: "联系人", ContactPhone: "0571-88880000"})
		if err != nil {
			return nil, fmt.Errorf("seed organisation %s: %w", o.name, err)
		}
		ids[o.key] = id
	}
	names := map[string]string{}
	for _, o := range orgs {
		names[o.key] = o.name
	}
	var out []Login
	for _, u := range users() {
		_, err := acc.CreateUser(ctx, accounts.UserInput{Username: u.username, DisplayName: u.name, OrgID: ids[u.org], Roles: []string{u.role}, Password: password})
		if err != nil {
			return nil, fmt.Errorf("seed user %s: %w", u.username, err)
		}
		out = append(out, Login{Username: u.username, Name: u.name, Role: u.role, Org: names[u.org]})
	}
	return out, nil
}

// Logins lists the demo accounts without touching the database.
func Logins() []Login {
	names := map[string]string{}
	for _, o := range orgs {
		names[o.key] = o.name
	}
	var out []Login
	for _, u := range users() {
		out = append(out, Login{Username: u.username, Name: u.name, Role: u.role, Org: names[u.org]})
	}
	return out
}

// NewPassword returns a random password of 14 characters from an alphabet
// without look-alike characters.
func NewPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 14)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}
