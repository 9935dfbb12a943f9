package audit

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"ggzy/clock"
)

// ExportMax is the most events one spreadsheet holds.
const ExportMax = 100_000

// ExportXLSX writes the events of f, newest first (at most ExportMax), as
// an Excel workbook to w: one row per event, times in Beijing time, the
// action's Chinese name beside its code, the chain's seq and hash. role
// names a role for people. The export is recorded (Export).
func (r *Reader) ExportXLSX(ctx context.Context, f Filter, role func(string) string, w io.Writer) (n int, more bool, err error) {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "审计日志"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, false, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, false, err
	}
	widths := []float64{10, 20, 14, 12, 16, 22, 26, 14, 12, 10, 60, 66}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return 0, false, err
		}
	}
	header := []any{"序号", "时间（北京时间）", "操作人", "角色", "IP", "操作", "操作代码", "对象类型", "对象", "项目ID", "内容", "哈希"}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, false, err
	}
	row := 1
	n, more, err = r.Export(ctx, f, ExportMax, func(e *Row) error {
		row++
		cell, _ := excelize.CoordinatesToCellName(1, row)
		var seq, project any = "待封存", ""
		if e.Seq.Valid {
			seq = e.Seq.Int64
		}
		if e.ProjectID.Valid {
			project = e.ProjectID.Int64
		}
		return sw.SetRow(cell, []any{seq, e.OccurredAt.In(clock.Shanghai).Format("2006-01-02 15:04:05"), e.Actor, role(e.Role), e.IP,
			ActionNames[e.Action], e.Action, e.ObjectType, e.ObjectID, project, e.Summary, e.Hash.String})
	})
	if err != nil {
		return n, more, err
	}
	if more {
		cell, _ := excelize.CoordinatesToCellName(1, row+2)
		if err := sw.SetRow(cell, []any{"仅导出了符合条件的最新" + strconv.Itoa(ExportMax) + "条事件，请缩小日期范围或增加筛选条件后分次导出。"}); err != nil {
			return n, more, err
		}
	}
	if err := sw.Flush(); err != nil {
		return n, more, fmt.Errorf("audit export: %w", err)
	}
	return n, more, x.Write(w)
}
