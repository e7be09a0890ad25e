package envfix

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzRHelperEdit: wherever the key is, R's helper is inserted (never a
// replacement) at the start of a line, not inside a string, and before the
// key's line, so it is defined before any call runs.
func FuzzRHelperEdit(f *testing.F) {
	f.Add([]byte("library(x)\nk <- \"\"\n"), uint(16))
	f.Add([]byte("#!/usr/bin/env Rscript\n# h\n\n#' doc\nf <- function(k = '') k\n"), uint(45))
	f.Add([]byte("source(\"a)\nb\")\nk <- ''\r\n"), uint(21))
	f.Add([]byte("suppressPackageStartupMessages(library(x))\n\"\" -> k"), uint(43))
	f.Fuzz(func(t *testing.T, src []byte, at uint) {
		if len(src) > 1<<12 {
			return
		}
		keyAt := int(at % uint(len(src)+1))
		toks := lex(langR, src)
		e := rHelperEdit(src, toks, keyAt)
		if e.Start != e.End || e.Start < 0 || e.Start > len(src) {
			t.Fatalf("not an insertion inside the file: %d..%d (len %d)", e.Start, e.End, len(src))
		}
		p := e.Start
		if p > 0 && src[p-1] != '\n' && p != len(src) {
			t.Fatalf("inserted mid-line at %d", p)
		}
		firstLineEnd := len(src)
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			firstLineEnd = i + 1
		}
		shebang := bytes.HasPrefix(src, []byte("#!"))
		if p > keyAt && !(shebang && keyAt <= firstLineEnd) { // a key in the #! line is a comment's
			t.Fatalf("helper at %d, after the key at %d", p, keyAt)
		}
		for _, tk := range toks {
			if tk.start < p && p < tk.end {
				t.Fatalf("helper inside the string at %d..%d", tk.start, tk.end)
			}
		}
		if !strings.Contains(e.NewText, "must_getenv <- function(name) {") {
			t.Fatalf("no helper in %q", e.NewText)
		}
	})
}
