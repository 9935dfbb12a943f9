package expertpool

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// Specialty is one node of the classification (工程建设 → 房屋建筑 …).
type Specialty struct {
	Code   string `db:"code" json:"code"`
	Parent string `db:"parent" json:"parent,omitempty"`
	Name   string `db:"name" json:"name"`
	Sort   int    `db:"sort" json:"-"`
}

// Specialties is the classification, parents before their children.
type Specialties []Specialty

const selectSpecialties = `SELECT code, COALESCE(parent_code, '') AS parent, name, sort FROM expert_specialties ORDER BY COALESCE(parent_code, code), parent_code IS NOT NULL, sort, code`

func loadSpecialties(ctx context.Context, q sqlx.QueryerContext) (Specialties, error) {
	var out Specialties
	if err := sqlx.SelectContext(ctx, q, &out, selectSpecialties); err != nil {
		return nil, fmt.Errorf("read specialties: %w", err)
	}
	return out, nil
}

// Specialties returns the classification.
func (s *Service) Specialties(ctx context.Context) (Specialties, error) {
	return loadSpecialties(ctx, s.DB)
}

// Find returns the specialty with code.
func (ss Specialties) Find(code string) (Specialty, bool) {
	for _, sp := range ss {
		if sp.Code == code {
			return sp, true
		}
	}
	return Specialty{}, false
}

// Names names specialties for a list: "房屋建筑、工程造价" (an unknown code
// stands as itself).
func (ss Specialties) Names(codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c
		if sp, ok := ss.Find(c); ok {
			out[i] = sp.Name
		}
	}
	return strings.Join(out, "、")
}

// IsLeaf reports whether code has no children (experts hold leaves).
func (ss Specialties) IsLeaf(code string) bool {
	for _, sp := range ss {
		if sp.Parent == code {
			return false
		}
	}
	return true
}

// Covered returns code and its descendants: a quota on 工程建设 draws from
// every engineering specialty.
func (ss Specialties) Covered(code string) []string {
	out := []string{code}
	for i := 0; i < len(out); i++ {
		for _, sp := range ss {
			if sp.Parent == out[i] {
				out = append(out, sp.Code)
			}
		}
	}
	return out
}

// Label is "工程建设/房屋建筑" for a child, the name for a root.
func (ss Specialties) Label(code string) string {
	sp, ok := ss.Find(code)
	if !ok {
		return code
	}
	if p, ok := ss.Find(sp.Parent); ok {
		return p.Name + "/" + sp.Name
	}
	return sp.Name
}

// ByName finds a leaf by its code, its name or "parent/name" (as typed in
// an import file).
func (ss Specialties) ByName(s string) (Specialty, bool) {
	for _, sp := range ss {
		if sp.Code == s || sp.Name == s || ss.Label(sp.Code) == s {
			return sp, true
		}
	}
	return Specialty{}, false
}
