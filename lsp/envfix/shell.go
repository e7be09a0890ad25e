package envfix

import (
	"bytes"
	"strings"
)

// shRegion is a quoted part of a shell script (or a comment).
type shRegion struct {
	kind               string // "single", "double", "ansi", "heredoc", "heredoc-literal", "comment"
	start, end         int
	bodyStart, bodyEnd int
}

type shLexer struct {
	src      []byte
	regions  []shRegion
	heredocs []shHeredoc
}

type shHeredoc struct {
	id      string
	strip   bool // <<- strips leading tabs
	literal bool // quoted delimiter: no expansion in the body
}

func lexShell(src []byte) []shRegion {
	lx := &shLexer{src: src}
	for i := 0; i < len(src); {
		i = lx.code(i, 0)
		if i < len(src) { // an unmatched closer at top level
			i++
		}
	}
	return lx.regions
}

func (lx *shLexer) code(i int, stop byte) int {
	src := lx.src
	depth := 0
	wordStart := true
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			i++
			if len(lx.heredocs) > 0 {
				i = lx.bodies(i)
			}
			wordStart = true
			continue
		case c == '\\':
			i += 2
			wordStart = false
			continue
		case c == '#' && wordStart:
			e := bytes.IndexByte(src[i:], '\n')
			end := len(src)
			if e >= 0 {
				end = i + e
			}
			lx.regions = append(lx.regions, shRegion{"comment", i, end, i, end})
			i = end
			continue
		case c == '\'':
			i = lx.until(i, i+1, "single", '\'', false)
		case c == '$' && i+1 < len(src) && src[i+1] == '\'':
			i = lx.until(i, i+2, "ansi", '\'', true)
		case c == '$' && i+1 < len(src) && src[i+1] == '(':
			i = lx.code(i+2, ')')
		case c == '"':
			i = lx.double(i)
		case c == '`':
			if stop == '`' {
				return i + 1
			}
			i = lx.code(i+1, '`')
		case c == '<' && bytes.HasPrefix(src[i:], []byte("<<")) && !bytes.HasPrefix(src[i:], []byte("<<<")):
			i = lx.heredoc(i)
		case c == '(':
			depth++
			i++
		case c == ')':
			if depth == 0 && stop == ')' {
				return i + 1
			}
			if depth > 0 {
				depth--
			}
			i++
		default:
			i++
		}
		wordStart = c == ' ' || c == '\t' || c == ';' || c == '(' || c == '|' || c == '&'
	}
	return i
}

func (lx *shLexer) until(start, body int, kind string, close byte, escapes bool) int {
	src := lx.src
	for j := body; j < len(src); j++ {
		if escapes && src[j] == '\\' {
			j++
			continue
		}
		if src[j] == close {
			lx.regions = append(lx.regions, shRegion{kind, start, j + 1, body, j})
			return j + 1
		}
	}
	return len(src) // unterminated: recorded as nothing, so the key is refused
}

func (lx *shLexer) double(start int) int {
	src := lx.src
	idx := len(lx.regions)
	lx.regions = append(lx.regions, shRegion{kind: "double", start: start, bodyStart: start + 1, end: -1, bodyEnd: -1})
	for j := start + 1; j < len(src); {
		switch {
		case src[j] == '\\':
			j += 2
		case src[j] == '"':
			lx.regions[idx].bodyEnd = j
			lx.regions[idx].end = j + 1
			return j + 1
		case bytes.HasPrefix(src[j:], []byte("$(")):
			j = lx.code(j+2, ')')
		case src[j] == '`':
			j = lx.code(j+1, '`')
		default:
			j++
		}
	}
	lx.regions[idx].kind = "unterminated string"
	lx.regions[idx].bodyEnd, lx.regions[idx].end = len(src), len(src)
	return len(src)
}

func (lx *shLexer) heredoc(i int) int {
	src := lx.src
	j := i + 2
	strip := false
	if j < len(src) && src[j] == '-' {
		strip = true
		j++
	}
	for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
		j++
	}
	literal := false
	var id strings.Builder
	for j < len(src) && !strings.ContainsRune(" \t\n;|&<>()", rune(src[j])) {
		switch src[j] {
		case '\'', '"', '\\':
			literal = true
		default:
			id.WriteByte(src[j])
		}
		j++
	}
	if id.Len() == 0 {
		return i + 2
	}
	lx.heredocs = append(lx.heredocs, shHeredoc{id.String(), strip, literal})
	return j
}

func (lx *shLexer) bodies(i int) int {
	src := lx.src
	for _, h := range lx.heredocs {
		kind := "heredoc"
		if h.literal {
			kind = "heredoc-literal"
		}
		body := i
		for i < len(src) {
			e := bytes.IndexByte(src[i:], '\n')
			lineEnd := len(src)
			if e >= 0 {
				lineEnd = i + e
			}
			l := strings.TrimRight(string(src[i:lineEnd]), "\r")
			if h.strip {
				l = strings.TrimLeft(l, "\t")
			}
			if l == h.id {
				lx.regions = append(lx.regions, shRegion{kind, body, i, body, i})
				i = lineEnd
				break
			}
			i = lineEnd + 1
		}
	}
	lx.heredocs = nil
	return i
}

// rewriteShell replaces the key with "${X:?}" where it stands unquoted,
// ${X:?} inside double quotes or an expanding heredoc, and closes and
// reopens a single-quoted string around "${X:?}". ${X:?} is POSIX's
// fail-fast lookup: an unset or empty X stops the script with
// "X: parameter null or not set" instead of sending an empty key.
func rewriteShell(src []byte, start, end int, name string) ([]Edit, error) {
	ref := "${" + name + ":?}"
	var in *shRegion
	regions := lexShell(src)
	for i := range regions {
		r := &regions[i]
		if r.bodyStart <= start && end <= r.bodyEnd {
			if in == nil || r.bodyEnd-r.bodyStart < in.bodyEnd-in.bodyStart {
				in = r
			}
		} else if start < r.end && r.start < end && r.kind != "comment" {
			return nil, unsafef("the key straddles a quote")
		}
	}
	if in == nil {
		return []Edit{{start, end, `"` + ref + `"`}}, nil
	}
	whole := in.bodyStart == start && in.bodyEnd == end
	switch in.kind {
	case "double", "heredoc":
		if in.kind == "double" && whole {
			return []Edit{{in.start, in.end, `"` + ref + `"`}}, nil
		}
		return []Edit{{start, end, ref}}, nil
	case "single":
		if whole {
			return []Edit{{in.start, in.end, `"` + ref + `"`}}, nil
		}
		return []Edit{{start, end, `'"` + ref + `"'`}}, nil
	case "ansi":
		if whole {
			return []Edit{{in.start, in.end, `"` + ref + `"`}}, nil
		}
		if oddTrailingBackslashes(string(src[in.bodyStart:start])) {
			return nil, unsafef("the key follows an escape sequence")
		}
		return []Edit{{start, end, `'"` + ref + `"$'`}}, nil
	case "comment":
		return nil, unsafef("the key is in a comment")
	}
	return nil, unsafef("the key is inside a %s", in.kind)
}
