package envfix

import (
	"regexp"
	"strings"
)

// R's lookup is must_getenv("X"), a helper the fix adds once per file:
//
//	must_getenv <- function(name) {
//	  value <- Sys.getenv(name)
//	  if (!nzchar(value)) stop(name, " is not set (see .env)", call. = FALSE)
//	  value
//	}
//
// Why a helper rather than one expression: base R has no lookup that fails
// (Sys.getenv gives "" when unset, and its unset= argument is evaluated
// even when the variable is set, so unset = stop(…) always stops). The one
// expression that would do, `if (nzchar(Sys.getenv("X"))) Sys.getenv("X")
// else stop(…)`, needs parentheses wherever an operator follows (R's else
// takes the whole rest, so `… -> key` would assign only when it stops),
// and repeating that at every key is what R users write a function for:
// httr2's "Wrapping APIs" vignette does exactly this (a function that reads
// the variable and stops when it is ""). A call binds tighter than any
// operator, so must_getenv("X") goes wherever the literal was, like Go's
// mustGetenv.
//
// Why once per file (Go's goes once per package): R defines functions by
// running the file top to bottom, so the helper must be defined before the
// first call runs, and a package's files are collated in an order the fix
// does not control. Defining the same function in two files is harmless
// in R (the later identical definition wins), whereas relying on another
// file's definition could break a top-level use.
//
// It stops on an empty value as well as an unset one (like mustGetenv): an
// empty key is exactly what the lookup must not send. call. = FALSE keeps
// the message to "Error: X is not set (see .env)".
const rHelperName = "must_getenv"

// rHelperRe finds a top-level definition of the helper already in the file
// (added by an earlier fix, or written by hand): a second fix calls it and
// adds nothing. An indented one may be local to a function, where a
// top-level call would not find it: then the fix adds its own, which is
// harmless.
var rHelperRe = regexp.MustCompile(`(?m)^must_getenv[ \t]*(<-|=)[ \t]*function\b`)

// rSetupLineRe matches the one-line setup statements an R script starts
// with (attaching packages, sourcing helpers, loading .env), which the
// helper goes after. Only complete one-line calls: the line after one
// starts a new top-level expression.
var rSetupLineRe = regexp.MustCompile(`^\s*(?:` +
	`(?:suppress(?:Package)?(?:StartupMessages|Messages|Warnings)\(\s*)?(?:library|require|requireNamespace|source|readRenviron|load_dot_env|dotenv::load_dot_env)\([^()]*\)(?:\s*\))?` +
	`|if\s*\(\s*file\.exists\([^()]*\)\s*\)\s*readRenviron\([^()]*\)` +
	`)\s*;?\s*(?:#.*)?$`)

// rHelperEdit inserts the helper before the file's first top-level code:
// after the leading comments, blank lines and setup lines (library(…),
// source(…), readRenviron(…)), and before the comment block (a roxygen
// block, a section heading) that belongs to that code. A function must be
// defined before it is called, and every key is in or after that code.
func rHelperEdit(src []byte, toks []strTok, keyAt int) Edit {
	nl := nlOf(src)
	ls := lines(src)
	comment := func(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), "#") }
	shebang := len(ls) > 0 && strings.HasPrefix(ls[0].text, "#!")
	i := 0
	for i < len(ls) && (strings.TrimSpace(ls[i].text) == "" || comment(ls[i].text) || rSetupLineRe.MatchString(ls[i].text)) {
		i++
	}
	j := i
	for j > 0 && comment(ls[j-1].text) && !(j-1 == 0 && shebang) {
		j--
	}
	p := len(src)
	if j < len(ls) {
		p = ls[j].start
	}
	inString := false
	for _, tk := range toks {
		inString = inString || tk.start < p && p < tk.end
	}
	if p > keyAt || inString {
		// The key sits in what looked like setup, or a string opened
		// there: define the helper at the very top (after a #! line),
		// which is always a statement boundary.
		j, p = 0, 0
		if shebang {
			j, p = 1, lineEndOffset(src, ls, 0)
		}
	}
	text := "# must_getenv reads a variable the program cannot run without: it stops" + nl +
		"# with a clear message instead of sending an empty key." + nl +
		rHelperName + " <- function(name) {" + nl +
		"  value <- Sys.getenv(name)" + nl +
		"  if (!nzchar(value)) stop(name, \" is not set (see .env)\", call. = FALSE)" + nl +
		"  value" + nl +
		"}" + nl
	if j > 0 && strings.TrimSpace(ls[j-1].text) != "" {
		text = nl + text // a blank line after the setup lines
	}
	if p == len(src) && p > 0 && src[p-1] != '\n' {
		text = nl + text
	}
	if p < len(src) {
		text += nl // a blank line before the code
	}
	return Edit{p, p, text}
}
