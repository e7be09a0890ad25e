package envfix

import (
	"regexp"
	"strings"
)

// importEdit adds what the lookup needs to the top of the file, if anything.
// at is the literal's offset: an import after it comes too late.
func importEdit(l lang, src []byte, toks []strTok, at int) (*Edit, error) {
	switch l {
	case langPython:
		return pythonImport(src, toks, at), nil
	case langSwift:
		return swiftImport(src), nil
	case langDart:
		return dartImport(src)
	}
	return nil, nil
}

type line struct {
	start, end int // end excludes the newline
	text       string
}

func lines(src []byte) []line {
	var out []line
	s := string(src)
	for i := 0; i <= len(s); {
		e := strings.IndexByte(s[i:], '\n')
		if e < 0 {
			if i < len(s) {
				out = append(out, line{i, len(s), s[i:]})
			}
			break
		}
		out = append(out, line{i, i + e, strings.TrimSuffix(s[i:i+e], "\r")})
		i += e + 1
	}
	return out
}

// insertAt builds an insertion of text (one line, no newline) at offset p,
// the start of a line or the end of the file.
func insertAt(src []byte, p int, text string, blankBefore, blankAfter bool) *Edit {
	nl := "\n"
	if strings.Contains(string(src), "\r\n") {
		nl = "\r\n"
	}
	s := text + nl
	if p == len(src) && p > 0 && src[p-1] != '\n' {
		s = nl + s
	}
	if blankBefore {
		s = nl + s
	}
	if blankAfter {
		s += nl
	}
	return &Edit{p, p, s}
}

var pyImportRe = regexp.MustCompile(`^import\s+([^#]+)`)

func isBlankOrComment(t, comment string) bool {
	t = strings.TrimSpace(t)
	return t == "" || strings.HasPrefix(t, comment)
}

// pythonImport adds `import os` unless a top-level `import os` (alone or in
// a list) runs before the lookup at offset at. It goes before the first top-level import, or after the
// module docstring and `from __future__` imports (which must stay first).
func pythonImport(src []byte, toks []strTok, at int) *Edit {
	ls := lines(src)
	for _, l := range ls {
		if l.start > at {
			break
		}
		if m := pyImportRe.FindStringSubmatch(l.text); m != nil {
			for _, mod := range strings.Split(m[1], ",") {
				// import os.path binds the name os as well
				if m := strings.TrimSpace(mod); m == "os" || strings.HasPrefix(m, "os.") && !strings.Contains(m, " as ") {
					return nil
				}
			}
		}
	}
	i := 0
	p := 0
	skipped := false
	skipBlank := func() {
		for i < len(ls) && isBlankOrComment(ls[i].text, "#") {
			i++
		}
	}
	skipBlank()
	if i < len(ls) {
		for _, t := range toks {
			if t.start == ls[i].start && t.terminated {
				// module docstring: skip to the end of its last line
				for i < len(ls) && ls[i].start < t.end {
					i++
				}
				p = lineEndOffset(src, ls, i-1)
				skipped = true
				break
			}
		}
	}
	for {
		j := i
		for j < len(ls) && isBlankOrComment(ls[j].text, "#") {
			j++
		}
		if j >= len(ls) || !strings.HasPrefix(ls[j].text, "from __future__") {
			break
		}
		k := j
		if strings.Contains(ls[j].text, "(") && !strings.Contains(ls[j].text, ")") {
			for k < len(ls) && !strings.Contains(ls[k].text, ")") {
				k++
			}
		}
		i = k + 1
		p = lineEndOffset(src, ls, k)
		skipped = true
	}
	if !skipped {
		p = 0
		i = 0
	}
	// The first top-level import before any other statement, if any.
	j := i
	for j < len(ls) && isBlankOrComment(ls[j].text, "#") {
		j++
	}
	if j < len(ls) && (strings.HasPrefix(ls[j].text, "import ") || strings.HasPrefix(ls[j].text, "from ")) {
		return insertAt(src, ls[j].start, "import os", false, false)
	}
	if !skipped {
		// after a leading comment block (shebang, coding line, license)
		for i < len(ls) && strings.HasPrefix(strings.TrimSpace(ls[i].text), "#") {
			i++
		}
		if i > 0 {
			p = lineEndOffset(src, ls, i-1)
		}
		next := i < len(ls) && strings.TrimSpace(ls[i].text) != ""
		return insertAt(src, p, "import os", false, next)
	}
	next := i < len(ls) && strings.TrimSpace(ls[i].text) != ""
	return insertAt(src, p, "import os", true, next)
}

// lineEndOffset is the offset just after line k's newline (or the end of
// the file).
func lineEndOffset(src []byte, ls []line, k int) int {
	if k < 0 {
		return 0
	}
	e := ls[k].end
	if e < len(src) && src[e] == '\n' {
		e++
	}
	return e
}

var swiftFoundationRe = regexp.MustCompile(`(?m)^\s*(@\w+\s+)?import\s+(Foundation|UIKit|AppKit|Cocoa|SwiftUI)\s*$`)

// swiftImport adds `import Foundation` (ProcessInfo lives there) unless
// Foundation or a framework that re-exports it is imported.
func swiftImport(src []byte) *Edit {
	if swiftFoundationRe.Match(src) {
		return nil
	}
	return topInsert(src, "import Foundation", "import ")
}

// topInsert puts text before the first line starting with firstOf, else
// after the leading comment block (with a blank line before the code).
func topInsert(src []byte, text, firstOf string) *Edit {
	ls := lines(src)
	for _, l := range ls {
		if strings.HasPrefix(l.text, firstOf) {
			return insertAt(src, l.start, text, false, false)
		}
	}
	i := 0
	for i < len(ls) {
		t := strings.TrimSpace(ls[i].text)
		if !(strings.HasPrefix(t, "//") || strings.HasPrefix(t, "#!")) {
			break
		}
		i++
	}
	p := lineEndOffset(src, ls, i-1)
	next := i < len(ls) && strings.TrimSpace(ls[i].text) != ""
	return insertAt(src, p, text, false, next)
}

var (
	dartIOImportRe = regexp.MustCompile(`(?m)^import\s+['"]dart:io['"]\s*(show\s+[^;]*\bPlatform\b[^;]*)?;`)
	dartPartOfRe   = regexp.MustCompile(`(?m)^part\s+of\b`)
	dartLibraryRe  = regexp.MustCompile(`(?m)^library\b[^;]*;[^\n]*\n?`)
	dartDirective  = regexp.MustCompile(`(?m)^(import|export|part)\s`)
)

// dartImport adds `import 'dart:io';` (Platform lives there) after any
// `library` directive and before the other directives.
func dartImport(src []byte) (*Edit, error) {
	if dartIOImportRe.Match(src) {
		return nil, nil
	}
	if dartPartOfRe.Match(src) {
		return nil, unsafef("a Dart part file cannot import dart:io; move the key in the library file")
	}
	if loc := dartDirective.FindIndex(src); loc != nil {
		return insertAt(src, loc[0], "import 'dart:io';", false, false), nil
	}
	if loc := dartLibraryRe.FindIndex(src); loc != nil {
		return insertAt(src, loc[1], "import 'dart:io';", true, true), nil
	}
	return topInsert(src, "import 'dart:io';", "import "), nil
}
