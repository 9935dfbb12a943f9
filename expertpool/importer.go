package expertpool

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/idcode"
	"ggzy/problem"
)

// ImportColumns are the template's columns, in order.
var ImportColumns = []string{"姓名", "身份证号码", "手机号码", "工作单位", "工作单位统一社会信用代码", "类别", "职称", "职称级别",
	"从业年限", "所在地区代码", "评标专业", "出生日期", "状态"}

// field names of the columns, as the registry form calls them.
var importFields = []string{"name", "id_number", "phone", "employer_name", "employer_uscc", "category", "title", "title_level",
	"years_in_field", "region", "specialties", "birth_date", "status"}

var templateExample = []string{"张三", "11010519491231002X", "13800138000", "示范市建筑设计研究院", "", "技术类", "高级工程师", "副高级",
	"15", "330102", "房屋建筑、工程造价", "", "在库"}

// MaxImportRows bounds one file.
const MaxImportRows = 200_000

// RowError names one bad field of one row (rows counted as in the
// spreadsheet: the header is row 1).
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ImportReport is the outcome of an import.
type ImportReport struct {
	ID        int64      `json:"import_id,omitempty"`
	File      string     `json:"file"`
	Total     int        `json:"total_rows"`
	Valid     int        `json:"valid_rows"`
	Bad       int        `json:"bad_rows"`
	Imported  int        `json:"imported"`
	Rejected  bool       `json:"rejected"` // bad rows and staff did not choose to import only the valid ones
	Errors    []RowError `json:"errors"`
	Truncated bool       `json:"errors_truncated,omitempty"`
	Elapsed   string     `json:"elapsed"`
}

// ImportOptions steer an import.
type ImportOptions struct {
	OnlyValid   bool   // import the valid rows even when some are bad
	ProgressKey string // a client-chosen key under which ImportProgress reports
}

// ImportProgress is how far an import has got.
type ImportProgress struct {
	Phase    string `json:"phase"` // reading, validating, importing, done, failed
	Rows     int    `json:"rows"`
	Imported int    `json:"imported"`
	Total    int    `json:"total"`
}

func (s *Service) setProgress(key string, p ImportProgress) {
	if key == "" {
		return
	}
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	if s.progress == nil {
		s.progress = map[string]*ImportProgress{}
	}
	if len(s.progress) > 1000 {
		for k, v := range s.progress {
			if v.Phase == "done" || v.Phase == "failed" {
				delete(s.progress, k)
			}
		}
	}
	s.progress[key] = &p
}

// Progress returns the progress of the import started with key.
func (s *Service) Progress(key string) (ImportProgress, bool) {
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	p, ok := s.progress[key]
	if !ok {
		return ImportProgress{}, false
	}
	return *p, true
}

// TemplateCSV writes the import template as UTF-8 CSV with a BOM (so that
// Excel opens it as UTF-8).
func TemplateCSV(w io.Writer) error {
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(ImportColumns)
	_ = cw.Write(templateExample)
	cw.Flush()
	return cw.Error()
}

// TemplateXLSX writes the import template as an .xlsx workbook with a
// second sheet listing the specialties.
func TemplateXLSX(w io.Writer, specs Specialties) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "专家信息"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	for i, h := range ImportColumns {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		_ = f.SetCellStr(sheet, cell, h)
		cell, _ = excelize.CoordinatesToCellName(i+1, 2)
		_ = f.SetCellStr(sheet, cell, templateExample[i])
	}
	if _, err := f.NewSheet("评标专业"); err != nil {
		return err
	}
	_ = f.SetCellStr("评标专业", "A1", "代码")
	_ = f.SetCellStr("评标专业", "B1", "名称")
	row := 2
	for _, sp := range specs {
		if !specs.IsLeaf(sp.Code) {
			continue
		}
		_ = f.SetCellStr("评标专业", "A"+strconv.Itoa(row), sp.Code)
		_ = f.SetCellStr("评标专业", "B"+strconv.Itoa(row), specs.Label(sp.Code))
		row++
	}
	return f.Write(w)
}

// rowSource yields rows of cells.
type rowSource func(yield func(cells []string) error) error

func csvRows(r io.Reader) rowSource {
	return func(yield func([]string) error) error {
		br := bufio.NewReaderSize(r, 64<<10)
		head, _ := br.Peek(3)
		if bytes.Equal(head, []byte("\ufeff")) {
			_, _ = br.Discard(3)
		}
		// A file that is not UTF-8 is read as GB18030 (Excel's default CSV
		// encoding on Chinese Windows).
		probe, _ := br.Peek(4096)
		var in io.Reader = br
		if !utf8.Valid(trimPartialRune(probe)) {
			in = simplifiedchinese.GB18030.NewDecoder().Reader(br)
		}
		cr := csv.NewReader(in)
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return problem.InvalidField("file", "csv_malformed", "CSV 文件格式错误："+csvErr(err))
			}
			if err := yield(rec); err != nil {
				return err
			}
		}
	}
}

func csvErr(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("第%d行第%d列引号不匹配或格式不正确", pe.Line, pe.Column)
	}
	return "无法读取"
}

func trimPartialRune(b []byte) []byte {
	for i := 0; i < 3 && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}

func xlsxRows(r io.Reader) rowSource {
	return func(yield func([]string) error) error {
		f, err := excelize.OpenReader(r)
		if err != nil {
			return problem.InvalidField("file", "xlsx_malformed", "无法读取 Excel 文件（请使用 .xlsx 格式）")
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return problem.InvalidField("file", "xlsx_empty", "Excel 文件没有工作表")
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			return problem.InvalidField("file", "xlsx_malformed", "无法读取 Excel 工作表")
		}
		defer rows.Close()
		for rows.Next() {
			cells, err := rows.Columns(excelize.Options{RawCellValue: false})
			if err != nil {
				return problem.InvalidField("file", "xlsx_malformed", "Excel 工作表格式错误")
			}
			if err := yield(cells); err != nil {
				return err
			}
		}
		return rows.Error()
	}
}

// importRow is a validated row ready to insert.
type importRow struct {
	row    int
	c      clean
	sealed []byte
	blind  string
	masked string
}

var categoryByName = map[string]string{"技术类": CategoryTechnical, "经济类": CategoryEconomic, CategoryTechnical: CategoryTechnical, CategoryEconomic: CategoryEconomic}
var statusByName = map[string]string{"": StatusActive, "在库": StatusActive, "暂停": StatusSuspended, "退出": StatusRetired,
	StatusActive: StatusActive, StatusSuspended: StatusSuspended, StatusRetired: StatusRetired}

// maxReportErrors bounds the errors listed in a report (all are counted).
const maxReportErrors = 2000

// Import reads experts from a CSV or .xlsx file (kind "csv" or "xlsx"),
// validates every row, and imports them in one transaction — nothing while
// any row is bad, unless opts.OnlyValid. The report names each bad row,
// column and reason.
func (s *Service) Import(ctx context.Context, r io.Reader, fileName, kind string, opts ImportOptions) (*ImportReport, error) {
	started := time.Now()
	rep := &ImportReport{File: fileName, Errors: []RowError{}}
	var src rowSource
	switch kind {
	case "csv":
		src = csvRows(r)
	case "xlsx":
		src = xlsxRows(r)
	default:
		return nil, problem.InvalidField("file", "file_kind", "只能导入 .xlsx 或 .csv 文件")
	}
	specs, err := loadSpecialties(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	orgs := map[string]int64{}
	{
		rows, err := s.DB.QueryContext(ctx, `SELECT uscc, id FROM organisations`)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var u string
			var id int64
			if err := rows.Scan(&u, &id); err != nil {
				rows.Close()
				return nil, err
			}
			orgs[u] = id
		}
		rows.Close()
	}
	day := today(s.Clock)
	s.setProgress(opts.ProgressKey, ImportProgress{Phase: "reading"})
	var good []importRow
	blinds := map[string]int{}
	addErr := func(row int, field, code, msg string) {
		col := field
		for i, f := range importFields {
			if strings.HasPrefix(field, f) {
				col = ImportColumns[i]
			}
		}
		if len(rep.Errors) < maxReportErrors {
			rep.Errors = append(rep.Errors, RowError{Row: row, Column: col, Field: field, Code: code, Message: msg})
		} else {
			rep.Truncated = true
		}
	}
	line := 0
	var header []int
	err = src(func(cells []string) error {
		line++
		if line == 1 {
			header = mapHeader(cells)
			for i, h := range header {
				if h < 0 && i < 11 && i != 4 {
					return problem.InvalidField("file", "header_invalid", fmt.Sprintf("第1行应为模板表头，缺少“%s”列，请下载模板", ImportColumns[i]))
				}
			}
			return nil
		}
		get := func(i int) string {
			if header[i] < 0 || header[i] >= len(cells) {
				return ""
			}
			return strings.TrimSpace(cells[header[i]])
		}
		empty := true
		for i := range ImportColumns {
			if get(i) != "" {
				empty = false
				break
			}
		}
		if empty {
			return nil
		}
		rep.Total++
		if rep.Total > MaxImportRows {
			return problem.New(problem.TooLarge, "import_too_many_rows", fmt.Sprintf("一次最多导入%d行", MaxImportRows))
		}
		if rep.Total%5000 == 0 {
			s.setProgress(opts.ProgressKey, ImportProgress{Phase: "validating", Rows: rep.Total})
		}
		in := ExpertInput{Name: get(0), IDNumber: get(1), Phone: get(2), EmployerName: get(3), Title: get(6), TitleLevel: get(7),
			Region: get(9), BirthDate: get(11)}
		var f problem.Fields
		if u := get(4); u != "" {
			id, ok := orgs[idcode.NormalizeUSCC(u)]
			if !ok {
				f.Add("employer_uscc", "org_not_found", "统一社会信用代码对应的单位未在平台登记")
			}
			in.EmployerOrgID = id
		}
		cat, ok := categoryByName[get(5)]
		if !ok {
			cat = "?"
		}
		in.Category = cat
		st, ok := statusByName[get(12)]
		if !ok {
			f.Add("status", "status_invalid", "状态应为在库、暂停或退出")
			st = StatusActive
		}
		in.Status = st
		if y := get(8); y != "" {
			n, err := strconv.Atoi(y)
			if err != nil {
				f.Add("years_in_field", "years_invalid", "从业年限应为整数")
			} else {
				in.YearsInField = n
			}
		} else {
			f.Add("years_in_field", "years_invalid", "请填写从业年限")
		}
		in.Specialties = strings.FieldsFunc(get(10), func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' })
		c := in.validate(&f, specs, day, true)
		if p, ok := problem.As(f.Err()); ok {
			rep.Bad++
			for _, fe := range p.Fields {
				addErr(line, fe.Name, fe.Code, fe.Message)
			}
			return nil
		}
		blind := s.Vault.Blind(purposeIDNumber, c.IDNumber)
		if first, dup := blinds[blind]; dup {
			rep.Bad++
			addErr(line, "id_number", "expert_duplicate_in_file", fmt.Sprintf("与第%d行身份证号码重复", first))
			return nil
		}
		blinds[blind] = line
		sealed, err := s.Vault.Seal(purposeIDNumber, "", []byte(c.IDNumber))
		if err != nil {
			return err
		}
		good = append(good, importRow{row: line, c: c, sealed: sealed, blind: blind, masked: idcode.MaskResidentID(c.IDNumber)})
		return nil
	})
	if err != nil {
		s.setProgress(opts.ProgressKey, ImportProgress{Phase: "failed", Rows: rep.Total})
		return nil, err
	}
	if line == 0 {
		return nil, problem.InvalidField("file", "file_empty", "文件是空的")
	}
	// Already registered?
	for i := 0; i < len(good); i += 1000 {
		batch := good[i:min(i+1000, len(good))]
		keys := make([]any, len(batch))
		for j, g := range batch {
			keys[j] = g.blind
		}
		q, args, err := sqlx.In(`SELECT id_blind FROM experts WHERE id_blind IN (?)`, keys)
		if err != nil {
			return nil, err
		}
		var found []string
		if err := s.DB.SelectContext(ctx, &found, q, args...); err != nil {
			return nil, fmt.Errorf("check duplicates: %w", err)
		}
		for _, b := range found {
			rep.Bad++
			addErr(blinds[b], "id_number", "expert_duplicate", "该身份证号码已登记为专家")
			delete(blinds, b)
		}
	}
	if len(blinds) != len(good) {
		kept := good[:0]
		for _, g := range good {
			if _, ok := blinds[g.blind]; ok {
				kept = append(kept, g)
			}
		}
		good = kept
	}
	sortErrors(rep.Errors)
	rep.Valid = len(good)
	if rep.Bad > 0 && !opts.OnlyValid {
		rep.Rejected = true
	}
	now := s.Clock.Now()
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		rep.Imported = 0
		if !rep.Rejected {
			if err := s.insertBatch(ctx, tx, good, now, func(done int) {
				rep.Imported = done
				s.setProgress(opts.ProgressKey, ImportProgress{Phase: "importing", Rows: rep.Total, Imported: done, Total: len(good)})
			}); err != nil {
				return err
			}
		}
		status := "imported"
		if rep.Rejected {
			status = "rejected"
		}
		body, _ := json.Marshal(rep)
		actor := audit.ActorFrom(ctx)
		res, err := tx.ExecContext(ctx, `INSERT INTO expert_imports (file_name, total_rows, bad_rows, done_rows, status, report, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, db.Clip(fileName, 255), rep.Total, rep.Bad, rep.Imported, status, string(body), nullInt(actor.UserID), now, now)
		if err != nil {
			return fmt.Errorf("record import: %w", err)
		}
		rep.ID, _ = res.LastInsertId()
		return audit.Record(ctx, tx, now, audit.Event{Action: "expert.import", ObjectType: "expert_import", ObjectID: fmt.Sprint(rep.ID),
			Summary: map[string]any{"file": fileName, "total": rep.Total, "bad": rep.Bad, "imported": rep.Imported, "only_valid": opts.OnlyValid}})
	})
	if err != nil {
		s.setProgress(opts.ProgressKey, ImportProgress{Phase: "failed", Rows: rep.Total})
		return nil, err
	}
	rep.Elapsed = time.Since(started).Round(time.Millisecond).String()
	s.setProgress(opts.ProgressKey, ImportProgress{Phase: "done", Rows: rep.Total, Imported: rep.Imported, Total: len(good)})
	return rep, nil
}

func sortErrors(es []RowError) {
	// Rows are mostly in order already; insertion sort keeps it cheap.
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Row < es[j-1].Row; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// mapHeader maps template columns to file columns (-1 when missing).
func mapHeader(cells []string) []int {
	out := make([]int, len(ImportColumns))
	for i, h := range ImportColumns {
		out[i] = -1
		for j, c := range cells {
			if strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")) == h {
				out[i] = j
				break
			}
		}
	}
	return out
}

// importBatch rows go into one multi-row INSERT.
const importBatch = 1000

// insertBatch inserts the experts and their specialty links in batches.
func (s *Service) insertBatch(ctx context.Context, tx *sqlx.Tx, rows []importRow, now time.Time, progress func(int)) error {
	var b strings.Builder
	for i := 0; i < len(rows); i += importBatch {
		batch := rows[i:min(i+importBatch, len(rows))]
		b.Reset()
		b.WriteString(`INSERT INTO experts (name, id_sealed, id_blind, id_masked, phone, employer_org_id, employer_name, category, title,
			title_level, senior_title, years_in_field, birth_date, region, status, created_at, updated_at) VALUES `)
		args := make([]any, 0, len(batch)*17)
		for j, r := range batch {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
			c := r.c
			args = append(args, c.Name, r.sealed, r.blind, r.masked, c.Phone, nullInt(c.EmployerOrgID), c.EmployerName, c.Category, c.Title,
				c.TitleLevel, c.senior, c.YearsInField, c.birth, c.Region, c.Status, now, now)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			if db.IsDuplicate(err) {
				return problem.New(problem.Conflict, "expert_duplicate", "导入期间有专家被重复登记，请重新导入")
			}
			return fmt.Errorf("insert experts: %w", err)
		}
		// Ids by blind index: no assumption about AUTO_INCREMENT runs.
		keys := make([]any, len(batch))
		for j, r := range batch {
			keys[j] = r.blind
		}
		q, qargs, err := sqlx.In(`SELECT id_blind, id FROM experts WHERE id_blind IN (?)`, keys)
		if err != nil {
			return err
		}
		ids := make(map[string]int64, len(batch))
		rs, err := tx.QueryContext(ctx, q, qargs...)
		if err != nil {
			return err
		}
		for rs.Next() {
			var bl string
			var id int64
			if err := rs.Scan(&bl, &id); err != nil {
				rs.Close()
				return err
			}
			ids[bl] = id
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		b.Reset()
		b.WriteString(`INSERT INTO expert_specialty_links (specialty_code, expert_id, status, region, birth_date, senior_title, years_in_field, employer_org_id) VALUES `)
		args = args[:0]
		n := 0
		for _, r := range batch {
			for _, code := range r.c.Specialties {
				if n > 0 {
					b.WriteByte(',')
				}
				n++
				b.WriteString("(?,?,?,?,?,?,?,?)")
				args = append(args, code, ids[r.blind], r.c.Status, r.c.Region, r.c.birth, r.c.senior, r.c.YearsInField, nullInt(r.c.EmployerOrgID))
			}
		}
		if n > 0 {
			if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("insert specialties: %w", err)
			}
		}
		progress(i + len(batch))
	}
	// Last, so that the registry row is locked only until the commit.
	return bumpRegistry(ctx, tx)
}
