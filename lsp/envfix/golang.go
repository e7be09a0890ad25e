package envfix

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
)

// rewriteGo uses Go's own parser: it finds the literal, refuses or adapts a
// constant declaration, and puts "os" where gofmt wants it.
//
// With autoload, it also imports godotenv's autoload package, whose init
// loads .env before this package's variables are initialised (imported
// packages initialise first), so even a package-level lookup sees it.
//
// helper says how the lookup fails loudly: "" reads os.Getenv (the
// package's other files are unknown, so a helper could clash); "use" calls
// the package's mustGetenv; "add" also appends it to this file.
//
// siblings are the package's other files: a constant they use in a
// constant expression must stay a constant.
func rewriteGo(src []byte, start, end int, name string, autoload bool, helper string, siblings [][]byte) ([]Edit, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "x.go", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, unsafef("the Go file does not parse: %v", firstLine(err.Error()))
	}
	tf := fset.File(file.Pos())
	off := func(p token.Pos) int { return tf.Offset(p) }

	var lit *ast.BasicLit
	var path []ast.Node
	var stack []ast.Node
	ast.Inspect(file, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		stack = append(stack, n)
		if b, ok := n.(*ast.BasicLit); ok && b.Kind == token.STRING && off(b.Pos()) < start && end < off(b.End()) {
			lit = b
			path = append([]ast.Node(nil), stack...)
		}
		return true
	})
	if lit == nil {
		return nil, unsafef("the key is not inside a Go string literal")
	}
	ls, le := off(lit.Pos()), off(lit.End())
	for _, n := range path {
		if _, ok := n.(*ast.ImportSpec); ok {
			return nil, unsafef("the key is an import path")
		}
		if f, ok := n.(*ast.Field); ok && f.Tag == lit {
			return nil, unsafef("the key is a struct tag")
		}
	}

	osName := goOSName(file)
	expr := osName + `.Getenv("` + name + `")`
	if helper != "" {
		expr = `mustGetenv("` + name + `")`
	}
	var edits []Edit
	if ls+1 == start && end+1 == le {
		edits = append(edits, Edit{ls, le, expr})
	} else {
		quote := string(src[ls])
		before := string(src[ls+1 : start])
		after := string(src[end : le-1])
		if quote == `"` && oddTrailingBackslashes(before) {
			return nil, unsafef("the key follows an escape sequence")
		}
		var parts []string
		if before != "" {
			parts = append(parts, quote+before+quote)
		}
		parts = append(parts, expr)
		if after != "" {
			parts = append(parts, quote+after+quote)
		}
		repl := strings.Join(parts, " + ")
		if !goStandalone(path) {
			repl = "(" + repl + ")"
		}
		edits = append(edits, Edit{ls, le, repl})
	}

	// A constant cannot hold a run-time value: a lone `const X = "…"`
	// becomes `var X = "…"`; inside a const block (iota, other constants
	// depending on it) that is not a local change, so refuse.
	for i := len(path) - 1; i >= 0; i-- {
		gd, ok := path[i].(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		if gd.Lparen.IsValid() {
			return nil, unsafef("the key is in a const block; move it to a var first")
		}
		if n := goConstUsedByConst(file, gd); n != "" {
			return nil, unsafef("the constant %s is used by another constant, which cannot take a run-time value", n)
		}
		for _, sib := range siblings {
			sf, err := parser.ParseFile(token.NewFileSet(), "sibling.go", sib, parser.SkipObjectResolution)
			if err != nil || sf.Name.Name != file.Name.Name {
				continue
			}
			if n := goConstUsedByConst(sf, gd); n != "" {
				return nil, unsafef("the constant %s is used by a constant in another file of the package", n)
			}
		}
		p := off(gd.TokPos)
		edits = append(edits, Edit{p, p + len("const"), "var"})
	}
	if autoload {
		e := off(file.Name.End())
		if i := bytes.IndexByte(src[e:], '\n'); i >= 0 {
			e += i
		} else {
			e = len(src)
		}
		edits = append(edits, Edit{e, e, "\n\nimport _ \"github.com/joho/godotenv/autoload\""})
	}
	if osName == "os" && !goImportsOS(file) && helper != "use" {
		edits = append(edits, goImportEdit(src, fset, file))
	}
	if helper == "add" {
		text := "\n// mustGetenv reads a variable the program cannot run without: it stops\n" +
			"// with a clear message instead of sending an empty key.\n" +
			"func mustGetenv(name string) string {\n" +
			"\tv, ok := " + osName + ".LookupEnv(name)\n" +
			"\tif !ok || v == \"\" {\n" +
			"\t\tpanic(name + \" is not set (see .env)\")\n" +
			"\t}\n" +
			"\treturn v\n" +
			"}\n"
		if !bytes.HasSuffix(src, []byte("\n")) {
			text = "\n" + text
		}
		edits = append(edits, Edit{len(src), len(src), text})
	}
	return edits, nil
}

// goConstUsedByConst returns the name of a constant declared by gd that
// another const declaration of the file refers to ("" if none).
func goConstUsedByConst(file *ast.File, gd *ast.GenDecl) string {
	names := map[string]bool{}
	for _, sp := range gd.Specs {
		if vs, ok := sp.(*ast.ValueSpec); ok {
			for _, n := range vs.Names {
				names[n.Name] = true
			}
		}
	}
	used := ""
	ast.Inspect(file, func(n ast.Node) bool {
		other, ok := n.(*ast.GenDecl)
		if !ok || other == gd || other.Tok != token.CONST || used != "" {
			return used == ""
		}
		ast.Inspect(other, func(m ast.Node) bool {
			if id, ok := m.(*ast.Ident); ok && names[id.Name] {
				used = id.Name
			}
			return used == ""
		})
		return false
	})
	return used
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// goStandalone: the literal's parent takes any expression without
// parentheses (assignment, call argument, composite element, return).
func goStandalone(path []ast.Node) bool {
	if len(path) < 2 {
		return false
	}
	switch path[len(path)-2].(type) {
	case *ast.AssignStmt, *ast.ValueSpec, *ast.CallExpr, *ast.CompositeLit, *ast.KeyValueExpr, *ast.ReturnStmt:
		return true
	}
	return false
}

// goOSName is the name the file already uses for package os (import
// goos "os"), else "os".
func goOSName(file *ast.File) string {
	for _, im := range file.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == "os" && im.Name != nil && im.Name.Name != "_" && im.Name.Name != "." {
			return im.Name.Name
		}
	}
	return "os"
}

func goImportsOS(file *ast.File) bool {
	for _, im := range file.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == "os" && (im.Name == nil || im.Name.Name == "os") {
			return true
		}
	}
	return false
}

// goImportEdit adds "os": sorted into the first group of a parenthesised
// import block (gofmt sorts within a group), else as a new declaration
// after the last import or the package clause.
func goImportEdit(src []byte, fset *token.FileSet, file *ast.File) Edit {
	tf := fset.File(file.Pos())
	off := func(p token.Pos) int { return tf.Offset(p) }
	for _, d := range file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT || !gd.Lparen.IsValid() || len(gd.Specs) == 0 {
			continue
		}
		// The first group: specs on consecutive lines from the first.
		line := tf.Line(gd.Specs[0].Pos())
		for i, s := range gd.Specs {
			is := s.(*ast.ImportSpec)
			l := tf.Line(is.Pos())
			if i > 0 && l != line+1 {
				break
			}
			line = tf.Line(is.End())
			p, _ := strconv.Unquote(is.Path.Value)
			if p > "os" {
				ls := tf.LineStart(tf.Line(is.Pos()))
				indent := string(src[off(ls):off(is.Pos())])
				if is.Doc != nil {
					ls = tf.LineStart(tf.Line(is.Doc.Pos()))
				}
				return Edit{off(ls), off(ls), indent + `"os"` + "\n"}
			}
		}
		// after the group's last line
		last := gd.Specs[0]
		for i, s := range gd.Specs {
			if i > 0 && tf.Line(s.Pos()) != tf.Line(gd.Specs[i-1].End())+1 {
				break
			}
			last = s
		}
		is := last.(*ast.ImportSpec)
		ls := tf.LineStart(tf.Line(is.Pos()))
		indent := string(src[off(ls):off(is.Pos())])
		e := off(last.End())
		if is.Comment != nil {
			e = off(is.Comment.End())
		}
		return Edit{e, e, "\n" + indent + `"os"`}
	}
	// A new declaration at the end of the line of the last import or of the
	// package clause (after any trailing comment), followed by the blank
	// line gofmt puts after it.
	e := off(file.Name.End())
	for _, d := range file.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			e = off(gd.End())
		}
	}
	if i := bytes.IndexByte(src[e:], '\n'); i >= 0 {
		e += i
	} else {
		e = len(src)
	}
	text := "\n\nimport \"os\""
	if len(file.Imports) > 0 {
		text = "\nimport \"os\""
	}
	rest := src[e:]
	if len(rest) > 1 && rest[0] == '\n' && rest[1] != '\n' && !bytes.HasPrefix(rest[1:], []byte("\r\n")) {
		text += "\n"
	}
	return Edit{e, e, text}
}
