package expertpool

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"ggzy/clock"
	"ggzy/minutes"
	"ggzy/problem"
)

// hiddenText stands where the viewer may not see a name, the witnesses'
// numbers, the secret or the key.
const hiddenText = "（未公开）"

// ProjectNames gives the project and lot names of a draw, which the trading
// area keeps; ok is false when it does not know them (or the viewer may not
// see them), and the record then names the project by its ids.
type ProjectNames func(ctx context.Context, projectID, lotID int64) (p minutes.Project, ok bool)

// DrawRecord is the printed 抽取记录 of a draw that has been run, as the
// actor in ctx may see it — DrawView's rules: the experts' names only for
// the staff who ran the draw, supervisors and, once published, the
// tenderer and agency; the witnesses' numbers, the revealed secret and the
// key only for them or once published. Everything else needed to re-check
// the draw (pool hash, commitment, pool positions) is printed for every
// viewer. names may be nil.
func (s *Service) DrawRecord(ctx context.Context, id int64, names ProjectNames) (*minutes.DrawRecord, error) {
	v, err := s.DrawView(ctx, id)
	if err != nil {
		return nil, err
	}
	if !v.DrawnAt.Valid || v.Status == DrawPrepared {
		return nil, problem.New(problem.Conflict, "draw_not_run", "尚未抽取，不能出具抽取记录")
	}
	specs, err := s.Specialties(ctx)
	if err != nil {
		return nil, err
	}
	specName := map[string]string{}
	for _, sp := range specs {
		specName[sp.Code] = sp.Name
	}
	project := minutes.Project{Name: fmt.Sprintf("项目 %d", v.ProjectID), Code: strconv.FormatInt(v.ProjectID, 10), LotCode: strconv.FormatInt(v.LotID, 10)}
	if names != nil {
		if p, ok := names(ctx, v.ProjectID, v.LotID); ok {
			project = p
		}
	}
	if project.Tenderer == "" {
		if project.Tenderer, err = s.orgName(ctx, v.TendererOrgID); err != nil {
			return nil, err
		}
	}
	if project.Agency == "" && v.AgencyOrgID.Valid && v.AgencyOrgID.Int64 != v.TendererOrgID {
		if project.Agency, err = s.orgName(ctx, v.AgencyOrgID.Int64); err != nil {
			return nil, err
		}
	}
	operator := ""
	if v.DrawnBy.Valid {
		if err := s.DB.GetContext(ctx, &operator, `SELECT display_name FROM users WHERE id = ?`, v.DrawnBy.Int64); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("operator of draw %d: %w", id, err)
		}
	}

	rec := &minutes.DrawRecord{ID: strconv.FormatInt(v.ID, 10), Purpose: minutes.ExpertDraw, Project: project, At: v.DrawnAt.Time,
		Operator: operator, PoolSize: v.PoolSize, PoolHash: v.PoolHash, Commitment: v.Commitment, Secret: v.Secret, Key: v.Key}
	if rec.Key == "" {
		rec.Secret, rec.Key = hiddenText, hiddenText
	}
	primaries, backups := 0, 0
	need := map[int]int{}
	for _, g := range v.Groups {
		primaries += g.Primaries
		backups += g.Backups
		need[g.No] = g.Primaries
		rec.Parameters = append(rec.Parameters, [2]string{"专业 " + g.Specialty, orCode(specName[g.Specialty], g.Specialty) +
			fmt.Sprintf("：选取 %d 名，候补 %d 名", g.Primaries, g.Backups)})
	}
	rec.Subject = fmt.Sprintf("评标专家 %d 名，候补 %d 名", primaries, backups)
	if v.ParentDrawID.Valid {
		rec.Subject = fmt.Sprintf("补充抽取评标专家 %d 名，候补 %d 名（原抽取编号 %d）", primaries, backups, v.ParentDrawID.Int64)
	}
	if v.Derived() {
		rec.Parameters = append(rec.Parameters, [2]string{"随机数来源", fmt.Sprintf(
			"自动补抽：沿用抽取 %d 的见证人随机数；服务器密钥为抽取 %d 在见证人输入随机数前已承诺的哈希链第 %d 项（%s）",
			v.ParentDrawID.Int64, v.SecretRoot.Int64, v.ChainIndex.Int64, chainScheme)})
	}
	rec.Parameters = append(rec.Parameters,
		[2]string{"评标时间", v.SessionStart.In(clock.Shanghai).Format("2006年1月2日 15:04") + " 至 " + v.SessionEnd.In(clock.Shanghai).Format("2006年1月2日 15:04")},
		[2]string{"评标地点", v.Place},
		[2]string{"评标委员会人数", strconv.Itoa(v.CommitteeSize) + " 人"})

	for i, w := range v.Witnesses {
		rec.Witnesses = append(rec.Witnesses, minutes.Witness{Name: fmt.Sprintf("见证人 %d", i+1), Role: "见证人", Number: w})
	}
	if len(v.Witnesses) == 0 && rec.Key == hiddenText {
		rec.Witnesses = []minutes.Witness{{Name: hiddenText, Role: "见证人", Number: hiddenText}}
	}

	codes := make([]string, 0, len(v.Excluded))
	for c := range v.Excluded {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		rec.Exclusions = append(rec.Exclusions, minutes.Exclusion{Reason: orCode(ExclusionNames[c], c), Count: v.Excluded[c]})
	}

	// The selection order and pool positions come from the stored result.
	var result []Pick
	if v.ResultJSON.Valid {
		if err := json.Unmarshal([]byte(v.ResultJSON.String), &result); err != nil {
			return nil, fmt.Errorf("draw %d result: %w", id, err)
		}
	}
	type gr struct{ group, rank int }
	order := map[gr]Pick{}
	seq := map[gr]int{}
	for i, p := range result {
		order[gr{p.Group, p.Rank}] = p
		seq[gr{p.Group, p.Rank}] = i + 1
	}
	for _, m := range v.Members {
		k := gr{m.Group, m.Rank}
		name := m.Name
		if name == "" {
			name = hiddenText
		}
		rec.Picks = append(rec.Picks, minutes.Pick{Order: seq[k], PoolIndex: order[k].Position, Name: name,
			Detail: orCode(specName[m.Specialty], m.Specialty), Backup: m.Rank > need[m.Group], Note: MemberStateNames[m.State]})
	}
	slices.SortStableFunc(rec.Picks, func(a, b minutes.Pick) int { return a.Order - b.Order })
	return rec, nil
}

func orCode(name, code string) string {
	if name == "" {
		return code
	}
	return name + "（" + code + "）"
}

func (s *Service) orgName(ctx context.Context, id int64) (string, error) {
	var name string
	err := s.DB.GetContext(ctx, &name, `SELECT name FROM organisations WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Sprintf("单位 %d", id), nil
	}
	if err != nil {
		return "", fmt.Errorf("organisation %d: %w", id, err)
	}
	return name, nil
}
