// Command gen writes the documentation index of package docindex: for each
// listed package found by the go command, the signature and doc comment of
// every exported name, as gzip-compressed JSON.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// packages are indexed when the go command finds them.
var packages = []string{
	"builtin",
	"bufio", "bytes", "cmp", "container/heap", "container/list", "context",
	"encoding/csv", "encoding/json", "errors", "fmt", "image", "image/color",
	"image/png", "io", "log", "maps", "math", "math/bits", "math/cmplx", "math/rand",
	"os", "path", "path/filepath", "reflect", "regexp", "runtime", "slices", "sort",
	"strconv", "strings", "sync", "sync/atomic", "text/tabwriter", "time",
	"unicode", "unicode/utf8",
	"github.com/descentlab/descent/interp/display",
	"github.com/descentlab/descent/optimlib/tensor",
	"github.com/descentlab/descent/optimlib/nn",
	"github.com/descentlab/descent/optimlib/data",
	"github.com/descentlab/descent/optimlib/optim",
	"github.com/descentlab/descent/optimlib/problems",
	"github.com/descentlab/descent/optimlib/curvature",
	"github.com/descentlab/descent/plotting",
	"gonum.org/v1/gonum/mat",
	"gonum.org/v1/gonum/floats",
	"gonum.org/v1/gonum/stat",
	"gonum.org/v1/gonum/optimize",
	"gonum.org/v1/plot",
	"gonum.org/v1/plot/plotter",
	"gonum.org/v1/plot/vg",
	"gonum.org/v1/plot/vg/draw",
}

type entry struct {
	Kind string `json:"k"`
	Sig  string `json:"s"`
	Doc  string `json:"d"`
}

func main() {
	out := flag.String("o", "index.json.gz", "output file")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("docindex: ")

	args := append([]string{"list", "-e", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{join .GoFiles \",\"}}\t{{if .Error}}error{{end}}"}, packages...)
	listing, err := exec.Command("go", args...).Output()
	if err != nil {
		log.Fatalf("go list: %v", err)
	}
	index := map[string]entry{}
	for _, line := range strings.Split(strings.TrimRight(string(listing), "\n"), "\n") {
		parts := strings.Split(line, "\t")
		if len(parts) != 4 || parts[3] != "" || parts[1] == "" {
			log.Printf("skipped %s", parts[0])
			continue
		}
		if err := addPackage(index, parts[0], parts[1], strings.Split(parts[2], ",")); err != nil {
			log.Printf("skipped %s: %v", parts[0], err)
		}
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	keys := make([]string, 0, len(index))
	for k := range index {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// write the map in key order so that the output is reproducible
	zw.Write([]byte("{"))
	for i, k := range keys {
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(index[k])
		if i > 0 {
			zw.Write([]byte(","))
		}
		zw.Write(kb)
		zw.Write([]byte(":"))
		zw.Write(vb)
	}
	zw.Write([]byte("}"))
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d entries", len(index))
}

func addPackage(index map[string]entry, importPath, dir string, files []string) error {
	fset := token.NewFileSet()
	var parsed []*ast.File
	for _, f := range files {
		if f == "" {
			continue
		}
		pf, err := parser.ParseFile(fset, filepath.Join(dir, f), nil, parser.ParseComments)
		if err != nil {
			return err
		}
		parsed = append(parsed, pf)
	}
	mode := doc.Mode(0)
	if importPath == "builtin" {
		mode = doc.AllDecls
	}
	p, err := doc.NewFromFiles(fset, parsed, importPath, mode)
	if err != nil {
		return err
	}
	index[importPath] = entry{Kind: "package", Sig: "package " + p.Name, Doc: p.Doc}
	for _, f := range p.Funcs {
		index[importPath+"."+f.Name] = entry{Kind: "func", Sig: funcSig(fset, f.Decl), Doc: f.Doc}
	}
	for _, t := range p.Types {
		index[importPath+"."+t.Name] = entry{Kind: "type", Sig: typeSig(fset, t.Decl), Doc: t.Doc}
		for _, f := range t.Funcs {
			index[importPath+"."+f.Name] = entry{Kind: "func", Sig: funcSig(fset, f.Decl), Doc: f.Doc}
		}
		for _, m := range t.Methods {
			index[importPath+"."+t.Name+"."+m.Name] = entry{Kind: "method", Sig: funcSig(fset, m.Decl), Doc: m.Doc}
		}
		addValues(index, fset, importPath, t.Consts, "const")
		addValues(index, fset, importPath, t.Vars, "var")
	}
	addValues(index, fset, importPath, p.Consts, "const")
	addValues(index, fset, importPath, p.Vars, "var")
	return nil
}

func addValues(index map[string]entry, fset *token.FileSet, importPath string, values []*doc.Value, kind string) {
	for _, v := range values {
		for _, spec := range v.Decl.Specs {
			vs := spec.(*ast.ValueSpec)
			for _, n := range vs.Names {
				if !n.IsExported() && importPath != "builtin" {
					continue
				}
				d := v.Doc
				if vs.Doc != nil {
					d = vs.Doc.Text()
				}
				if vs.Comment != nil && d == "" {
					d = vs.Comment.Text()
				}
				one := &ast.ValueSpec{Names: []*ast.Ident{n}, Type: vs.Type}
				if len(vs.Values) == len(vs.Names) {
					for i, nn := range vs.Names {
						if nn == n {
							one.Values = []ast.Expr{vs.Values[i]}
						}
					}
				}
				index[importPath+"."+n.Name] = entry{Kind: kind, Sig: kind + " " + node(fset, one), Doc: d}
			}
		}
	}
}

func funcSig(fset *token.FileSet, d *ast.FuncDecl) string {
	return node(fset, &ast.FuncDecl{Recv: d.Recv, Name: d.Name, Type: d.Type})
}

func typeSig(fset *token.FileSet, d *ast.GenDecl) string {
	if len(d.Specs) > 0 {
		ts := d.Specs[0].(*ast.TypeSpec)
		if st, ok := ts.Type.(*ast.StructType); ok {
			// keep exported fields only, as go doc does
			var fields []*ast.Field
			for _, f := range st.Fields.List {
				exported := len(f.Names) == 0
				for _, n := range f.Names {
					exported = exported || n.IsExported()
				}
				if exported {
					fields = append(fields, f)
				}
			}
			ts = &ast.TypeSpec{Name: ts.Name, TypeParams: ts.TypeParams, Type: &ast.StructType{Fields: &ast.FieldList{List: fields}}}
		}
		return "type " + node(fset, ts)
	}
	return ""
}

func node(fset *token.FileSet, n any) string {
	var buf bytes.Buffer
	cfg := printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}
	if err := cfg.Fprint(&buf, fset, n); err != nil {
		return ""
	}
	return buf.String()
}
