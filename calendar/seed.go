package calendar

import "time"

// Seed2025And2026 returns the State Council holiday schedules for 2025
// (国办发明电〔2024〕12号) and 2026 (国办发明电〔2025〕7号), to seed a new
// installation. Every day of each holiday block is listed as Holiday,
// including the weekend days inside it; the make-up working days are listed
// as Workday with the name of the holiday they make up for.
func Seed2025And2026() []Entry {
	var out []Entry
	off := func(name string, y int, m time.Month, d, days int) {
		start := Date{y, m, d}
		for i := range days {
			out = append(out, Entry{Date: start.AddDays(i), Kind: Holiday, Name: name})
		}
	}
	work := func(name string, y int, m time.Month, d int) {
		out = append(out, Entry{Date: Date{y, m, d}, Kind: Workday, Name: name})
	}

	// 2025.
	off("元旦", 2025, time.January, 1, 1)
	work("春节", 2025, time.January, 26)
	off("春节", 2025, time.January, 28, 8) // 1月28日–2月4日
	work("春节", 2025, time.February, 8)
	off("清明节", 2025, time.April, 4, 3)
	work("劳动节", 2025, time.April, 27)
	off("劳动节", 2025, time.May, 1, 5)
	off("端午节", 2025, time.May, 31, 3) // 5月31日–6月2日
	work("国庆节、中秋节", 2025, time.September, 28)
	off("国庆节、中秋节", 2025, time.October, 1, 8)
	work("国庆节、中秋节", 2025, time.October, 11)

	// 2026.
	off("元旦", 2026, time.January, 1, 3)
	work("元旦", 2026, time.January, 4)
	work("春节", 2026, time.February, 14)
	off("春节", 2026, time.February, 15, 9) // 2月15日–23日
	work("春节", 2026, time.February, 28)
	off("清明节", 2026, time.April, 4, 3)
	off("劳动节", 2026, time.May, 1, 5)
	work("劳动节", 2026, time.May, 9)
	off("端午节", 2026, time.June, 19, 3)
	work("国庆节", 2026, time.September, 20)
	off("中秋节", 2026, time.September, 25, 3)
	off("国庆节", 2026, time.October, 1, 7)
	work("国庆节", 2026, time.October, 10)
	return out
}
