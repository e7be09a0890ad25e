package lsp

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// errGitignoreControl: a path with a line break or another control
// character cannot be written as one .gitignore line (a directory named
// "a\n!.env\nb" would add the line "!.env" and un-ignore the real .env).
var errGitignoreControl = errors.New("the path holds a line break or control character, which a .gitignore line cannot express")

// gitignoreLiteral returns a .gitignore pattern matching exactly the
// slash-separated path rel (relative to the .gitignore's folder) and
// nothing else, escaped per gitignore(5): a backslash before the glob
// characters `*`, `?`, `[` and before a backslash itself, and before each
// trailing space (git strips unescaped ones). The pattern is anchored with
// a leading "/", so it never matches the same name deeper in the tree, and
// a `#` or `!` in the name is never at the start of the line.
func gitignoreLiteral(rel string) (string, error) {
	var b strings.Builder
	b.WriteByte('/')
	for i := 0; i < len(rel); {
		r, size := utf8.DecodeRuneInString(rel[i:])
		if r != utf8.RuneError && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			return "", errGitignoreControl
		}
		switch r {
		case '\\', '*', '?', '[':
			b.WriteByte('\\')
		}
		// The original bytes, not r: invalid UTF-8 in a name stays as
		// it is on disk.
		b.WriteString(rel[i : i+size])
		i += size
	}
	out := b.String()
	trimmed := strings.TrimRight(out, " ")
	if n := len(out) - len(trimmed); n > 0 {
		out = trimmed + strings.Repeat(`\ `, n)
	}
	return out, nil
}
