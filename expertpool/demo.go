package expertpool

import (
	"context"
	"fmt"

	"ggzy/audit"
	"ggzy/idcode"
)

// DemoIDNumber returns a valid 居民身份证号码 for region, birth date
// (YYYYMMDD) and sequence number (0..999), for demo data and tests.
func DemoIDNumber(region, birth string, seq int) string {
	first := fmt.Sprintf("%s%s%03d", region, birth, seq%1000)
	c, err := idcode.ResidentIDCheckChar(first)
	if err != nil {
		panic(fmt.Sprintf("demo ID %q: %v", first, err))
	}
	return first + string(c)
}

var demoSpecialties = [][]string{
	{"GC01"}, {"GC01", "GC08"}, {"GC02"}, {"GC03"}, {"GC04"}, {"GC05"}, {"GC05", "CG05"}, {"CG01", "CG03"}, {"CG02", "CG06"},
}

// SeedDemo gives the demo users expert1…expert9 their expert records (the
// demo seed calls it after creating the users). Users that already have a
// record are skipped, so it may run again.
func SeedDemo(ctx context.Context, s *Service) error {
	ctx = audit.WithActor(ctx, audit.System)
	for i := 1; i <= 9; i++ {
		username := fmt.Sprintf("expert%d", i)
		var u struct {
			ID   int64  `db:"id"`
			Name string `db:"display_name"`
		}
		if err := s.DB.GetContext(ctx, &u, `SELECT id, display_name FROM users WHERE username = ?`, username); err != nil {
			return fmt.Errorf("demo expert %s: %w", username, err)
		}
		var n int
		if err := s.DB.GetContext(ctx, &n, `SELECT COUNT(*) FROM experts WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		level, title := "副高级", "高级工程师"
		if i == 9 {
			level, title = "正高级", "教授级高级工程师"
		}
		cat := CategoryTechnical
		if demoSpecialties[i-1][0] == "GC05" {
			cat, title = CategoryEconomic, "高级经济师"
		}
		_, err := s.CreateExpert(ctx, ExpertInput{
			Name: u.Name, IDNumber: DemoIDNumber("330102", fmt.Sprintf("19%02d0%d15", 60+i, 1+i%9), i),
			Phone: fmt.Sprintf("139%08d", 57100000+i), EmployerName: fmt.Sprintf("示范市第%d设计研究院", i),
			Category: cat, Title: title, TitleLevel: level, YearsInField: 10 + i, Region: "330102",
			Specialties: demoSpecialties[i-1], UserID: u.ID,
		})
		if err != nil {
			return fmt.Errorf("demo expert %s: %w", username, err)
		}
	}
	return nil
}
