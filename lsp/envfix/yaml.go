package envfix

import (
	"bytes"
	"strings"
)

// rewriteYAML replaces the key, in place, with placeholder (${X} for
// compose, ${{ secrets.X }} for workflows). Both are interpolated anywhere
// in a scalar, so the surrounding text ("Bearer …") stays as it is. The
// placeholder holds no quote or backslash, so it is valid inside single- and
// double-quoted scalars, block scalars and block-context plain scalars; flow
// context ([…], {…}) treats its braces as syntax, so a plain scalar there is
// refused, as are comments.
func rewriteYAML(src []byte, start, end int, placeholder string) ([]Edit, error) {
	ls := bytes.LastIndexByte(src[:start], '\n') + 1
	le := len(src)
	if e := bytes.IndexByte(src[end:], '\n'); e >= 0 {
		le = end + e
	}
	lineText := string(src[ls:le])
	col, colEnd := start-ls, end-ls

	if inBlockScalar(src, ls) {
		return []Edit{{start, end, placeholder}}, nil
	}
	// Walk the line: quotes, comment start, flow brackets before the key.
	var quote byte
	quoteStart := -1
	flow := 0
	for i := 0; i < len(lineText); i++ {
		c := lineText[i]
		if i == col {
			if quote != 0 {
				break
			}
			if flow > 0 {
				return nil, unsafef("the key is a plain scalar in a YAML flow collection; quote it first")
			}
			return []Edit{{start, end, placeholder}}, nil
		}
		switch {
		case quote == '\'':
			if c == '\'' {
				if i+1 < len(lineText) && lineText[i+1] == '\'' {
					i++
				} else {
					quote = 0
				}
			}
		case quote == '"':
			if c == '\\' {
				i++
			} else if c == '"' {
				quote = 0
			}
		case c == '#' && (i == 0 || lineText[i-1] == ' ' || lineText[i-1] == '\t'):
			return nil, unsafef("the key is in a YAML comment")
		case (c == '\'' || c == '"') && (i == 0 || strings.IndexByte(" \t:-[{,", lineText[i-1]) >= 0):
			quote = c
			quoteStart = i
		case c == '[' || c == '{':
			flow++
		case c == ']' || c == '}':
			if flow > 0 {
				flow--
			}
		}
	}
	if quote == 0 || quoteStart < 0 {
		return nil, unsafef("could not place the key in the YAML line")
	}
	// Inside a quoted scalar: the key must end before the closing quote.
	rest := lineText[colEnd:]
	if !strings.ContainsRune(rest, rune(quote)) {
		return nil, unsafef("the quoted YAML scalar holding the key spans lines")
	}
	return []Edit{{start, end, placeholder}}, nil
}

// inBlockScalar reports whether the line starting at ls is part of a block
// scalar (| or >) opened by a less indented line above it.
func inBlockScalar(src []byte, ls int) bool {
	text := string(src[:ls])
	cur := string(src[ls:])
	if e := strings.IndexByte(cur, '\n'); e >= 0 {
		cur = cur[:e]
	}
	indent := len(cur) - len(strings.TrimLeft(cur, " "))
	prev := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if text == "" {
		return false
	}
	// Walk up through ever less indented lines: block scalar content is
	// indented deeper than the line that opens it, whatever it looks like.
	for i := len(prev) - 1; i >= 0 && indent > 0; i-- {
		l := strings.TrimRight(prev[i], " \t\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		ind := len(l) - len(strings.TrimLeft(l, " "))
		if ind >= indent {
			continue
		}
		if c := strings.Index(l, " #"); c >= 0 {
			l = strings.TrimRight(l[:c], " \t")
		}
		t := strings.TrimRight(l, "+-0123456789")
		if strings.HasSuffix(t, "|") || strings.HasSuffix(t, ">") {
			return true
		}
		indent = ind
	}
	return false
}
