package audit_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ggzy/audit"
)

// runtimeActions are the actions the code builds at run time from a
// literal prefix and a variable, with every value the variable takes.
// A new prefix found in the sources fails the test until it is listed
// here (and its actions named in audit.ActionNames).
var runtimeActions = map[string][]string{
	"trading.project.": {"accept", "return"},      // trading/projects.go: the staff's review decision
	"expertdraw.":      {"confirmed", "declined"}, // expertpool/run.go: the expert's reply by link
}

// TestAuditActionNamesCoverRecordedActions: every action the Go sources
// record has a Chinese name (supervisors read the names next to the codes
// on the audit log and the archive page), and every name belongs to an
// action still recorded. The actions are found by reading the sources, so
// a new action without a name fails here.
func TestAuditActionNamesCoverRecordedActions(t *testing.T) {
	recorded := recordedActions(t)
	if len(recorded) < 100 {
		t.Fatalf("found only %d recorded actions: the scan of the sources is broken", len(recorded))
	}
	var missing []string
	for code, where := range recorded {
		if audit.ActionName(code) == "" {
			missing = append(missing, code+" ("+where+")")
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("action %s has no name in audit.ActionNames", m)
	}
	for code, name := range audit.ActionNames {
		if _, ok := recorded[code]; !ok {
			t.Errorf("audit.ActionNames names %q (%s), which no source records", code, name)
		}
		if strings.TrimSpace(name) == "" || name == code {
			t.Errorf("action %q: name %q is no name", code, name)
		}
	}
	if audit.ActionName("no.such_action") != "" {
		t.Error("an unknown action has a name")
	}
}

// moduleRoot is the directory of go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = up
	}
}

// goPackage is one directory's non-test Go files.
type goPackage struct {
	name   string
	files  []*ast.File
	consts map[string]string // package-level string constants
	// actionParam: functions and methods with a string parameter named
	// action, by name, with the parameter's position.
	actionParam map[string]int
}

// recordedActions reads every non-test Go file of the module and returns
// the actions recorded, each with the place it was found. An action is:
//   - the Action of an audit.Event literal: a string, a package constant,
//     or a literal prefix plus a variable (runtimeActions);
//   - a string given to a parameter named action of a function of the same
//     package (record, addRecord, recordSealed, sealedEvent…), or assigned
//     to a variable named action, where the Action is that variable;
//   - "<prefix>.settings" for each prefix given to settings.Save.
//
// Any other form of Action (a field, a call) fails the test: the scan
// would miss its values.
func recordedActions(t *testing.T) map[string]string {
	t.Helper()
	root := moduleRoot(t)
	fset := token.NewFileSet()
	pkgs := map[string]*goPackage{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "var" || n == "vendor" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		p := pkgs[dir]
		if p == nil {
			p = &goPackage{name: f.Name.Name, consts: map[string]string{}, actionParam: map[string]int{}}
			pkgs[dir] = p
		}
		p.files = append(p.files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	str := func(e ast.Expr) (string, bool) {
		if l, ok := e.(*ast.BasicLit); ok && l.Kind == token.STRING {
			s, err := strconv.Unquote(l.Value)
			return s, err == nil
		}
		return "", false
	}
	for _, p := range pkgs {
		for _, f := range p.files {
			for _, decl := range f.Decls {
				switch d := decl.(type) {
				case *ast.GenDecl:
					if d.Tok != token.CONST {
						continue
					}
					for _, spec := range d.Specs {
						vs := spec.(*ast.ValueSpec)
						for i, n := range vs.Names {
							if i < len(vs.Values) {
								if s, ok := str(vs.Values[i]); ok {
									p.consts[n.Name] = s
								}
							}
						}
					}
				case *ast.FuncDecl:
					i := 0
					for _, field := range d.Type.Params.List {
						names := field.Names
						if len(names) == 0 {
							i++
							continue
						}
						for _, n := range names {
							if id, ok := field.Type.(*ast.Ident); ok && id.Name == "string" && n.Name == "action" {
								p.actionParam[d.Name.Name] = i
							}
							i++
						}
					}
				}
			}
		}
	}

	out := map[string]string{}
	for dir, p := range pkgs {
		rel, _ := filepath.Rel(root, dir)
		for _, f := range p.files {
			add := func(code string, at token.Pos) {
				if code == "" {
					return
				}
				if _, ok := out[code]; !ok {
					pos := fset.Position(at)
					out[code] = filepath.Join(rel, filepath.Base(pos.Filename)) + ":" + strconv.Itoa(pos.Line)
				}
			}
			isEvent := func(typ ast.Expr) bool {
				switch x := typ.(type) {
				case *ast.SelectorExpr:
					id, ok := x.X.(*ast.Ident)
					return ok && id.Name == "audit" && x.Sel.Name == "Event"
				case *ast.Ident:
					return p.name == "audit" && x.Name == "Event"
				}
				return false
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.CompositeLit:
					if !isEvent(x.Type) {
						return true
					}
					for _, el := range x.Elts {
						kv, ok := el.(*ast.KeyValueExpr)
						if !ok {
							continue
						}
						if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "Action" {
							continue
						}
						switch v := kv.Value.(type) {
						case *ast.BasicLit:
							s, _ := str(v)
							add(s, v.Pos())
						case *ast.Ident:
							if s, ok := p.consts[v.Name]; ok {
								add(s, v.Pos())
							} else if v.Name != "action" {
								t.Errorf("%s: Action from the variable %s: name it action or use a literal, so that this scan finds its values", fset.Position(v.Pos()), v.Name)
							}
						case *ast.BinaryExpr:
							prefix, okX := str(v.X)
							_, okY := str(v.Y)
							switch {
							case okX && v.Op == token.ADD:
								vals, listed := runtimeActions[prefix]
								if !listed {
									t.Errorf("%s: action %q + a variable: list its values in runtimeActions", fset.Position(v.Pos()), prefix)
								}
								for _, s := range vals {
									add(prefix+s, v.Pos())
								}
							case okY && v.Op == token.ADD && p.name == "settings":
								// prefix + ".settings": the prefixes are those given to settings.Save.
							default:
								t.Errorf("%s: an Action this scan cannot read", fset.Position(v.Pos()))
							}
						default:
							t.Errorf("%s: an Action this scan cannot read", fset.Position(kv.Value.Pos()))
						}
					}
				case *ast.AssignStmt:
					for i, l := range x.Lhs {
						if id, ok := l.(*ast.Ident); ok && id.Name == "action" && len(x.Rhs) == len(x.Lhs) {
							if s, ok := str(x.Rhs[i]); ok {
								add(s, x.Rhs[i].Pos())
							}
						}
					}
				case *ast.ValueSpec:
					for i, id := range x.Names {
						if id.Name == "action" && i < len(x.Values) {
							if s, ok := str(x.Values[i]); ok {
								add(s, x.Values[i].Pos())
							}
						}
					}
				case *ast.CallExpr:
					var name string
					switch fn := x.Fun.(type) {
					case *ast.Ident:
						name = fn.Name
					case *ast.SelectorExpr:
						name = fn.Sel.Name
						if id, ok := fn.X.(*ast.Ident); ok && id.Name == "settings" && name == "Save" && len(x.Args) > 3 {
							prefix, ok := str(x.Args[3])
							if id, isID := x.Args[3].(*ast.Ident); !ok && isID {
								prefix, ok = p.consts[id.Name]
							}
							if !ok {
								t.Errorf("%s: settings.Save with a prefix this scan cannot read", fset.Position(x.Pos()))
							}
							add(prefix+".settings", x.Args[3].Pos())
							return true
						}
					}
					if i, ok := p.actionParam[name]; ok && i < len(x.Args) {
						if s, ok := str(x.Args[i]); ok {
							add(s, x.Args[i].Pos())
						}
					}
				}
				return true
			})
		}
	}
	return out
}
