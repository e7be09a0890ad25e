package envscan

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The parser below is a port of github.com/joho/godotenv v1.5.1 parser.go
// (MIT) that walks offsets instead of slicing, so every variable keeps its
// position. It must stay value-for-value equal to godotenv.Parse on every
// input godotenv accepts: TestParseMatchesGodotenv and FuzzParse check that.
// Quirks kept on purpose because the loader has them:
//   - CRLF is turned into LF before anything else, also inside quotes;
//   - a name may contain spaces and '.', and ends at '=' or ':' (yaml-ish);
//   - single and double quotes only (a backtick is an ordinary character);
//   - the opening and closing quote characters are trimmed greedily, so
//     `""a"` ends after the second quote;
//   - an inline comment in an unquoted value needs whitespace before '#',
//     and the LAST such '#' on the line starts the comment;
//   - ${X} / $X expand from variables defined earlier in the same file,
//     in unquoted and double-quoted values only.
//
// One deliberate difference: godotenv expands without limit, so a 1.6 KB
// file of A=${B}${B}${B}… lines ("billion laughs") grows to gigabytes.
// Here a value may grow to MaxExpandedValue bytes through expansion, the
// file's expansions together to MaxExpandedTotal, and references nest
// MaxExpandDepth deep; past that the value stays unexpanded and
// Var.ExpandErr says why.
//
// Where godotenv gives up (it stops at the first error), this parser records
// a ParseError and goes on with the next line, so an editor can still show
// every other variable.

const utf8BOM = "\ufeff"

// Caps of ${} expansion (see above). Real files reference a handful of
// variables a level or two deep; these are far above that and far below
// what hurts.
const (
	MaxExpandedValue = 64 << 10
	MaxExpandedTotal = 4 << 20
	MaxExpandDepth   = 16
)

// Parse reads a .env file with godotenv's semantics, keeping positions.
// It never fails: unreadable lines become ParseErrors.
func Parse(path string, data []byte) *File {
	p := newParser(data)
	p.run()
	return &File{Path: path, Vars: p.vars, Errors: p.errs, BOM: p.bom}
}

type parser struct {
	orig []byte
	src  []byte // orig without a leading BOM and with CRLF turned into LF
	bom  bool
	base int   // bytes dropped at the start (the BOM)
	crs  []int // indexes in src of each '\n' whose '\r' was dropped
	// lineStarts are offsets into orig of each line's first byte.
	lineStarts []int
	vars       []Var
	errs       []ParseError
	values     map[string]string // for ${X} expansion, as godotenv's out map
	depth      map[string]int    // how deep each value's references nest
	curDepth   int               // depth of the value being parsed
	expanded   int               // bytes expansion added so far
	runes      []rune            // scratch for unquoted values
	offs       []int
}

func newParser(data []byte) *parser {
	p := &parser{orig: data, values: map[string]string{}, depth: map[string]int{}}
	body := data
	if bytes.HasPrefix(body, []byte(utf8BOM)) {
		// godotenv fails on a BOM ("unexpected character" in the first
		// name); editors on Windows write one. Skip it here and let
		// Hygiene report it, so the rest of the file is still analysed.
		p.bom = true
		p.base = len(utf8BOM)
		body = body[len(utf8BOM):]
	}
	if bytes.Contains(body, []byte("\r\n")) {
		src := make([]byte, 0, len(body))
		for i := 0; i < len(body); i++ {
			if body[i] == '\r' && i+1 < len(body) && body[i+1] == '\n' {
				p.crs = append(p.crs, len(src))
				continue
			}
			src = append(src, body[i])
		}
		p.src = src
	} else {
		p.src = body
	}
	p.lineStarts = append(p.lineStarts, 0)
	for i, b := range data {
		if b == '\n' {
			p.lineStarts = append(p.lineStarts, i+1)
		}
	}
	return p
}

// origOf maps an offset in src to the offset of the same byte in orig.
func (p *parser) origOf(n int) int {
	dropped := sort.Search(len(p.crs), func(i int) bool { return p.crs[i] > n })
	return p.base + n + dropped
}

// origEnd maps an exclusive end offset in src to one in orig.
func (p *parser) origEnd(n int) int {
	if n == 0 {
		return p.base
	}
	return p.origOf(n-1) + 1
}

// lineCol gives the 1-based line and byte column of an offset in orig.
func (p *parser) lineCol(off int) (int, int) {
	i := sort.Search(len(p.lineStarts), func(i int) bool { return p.lineStarts[i] > off }) - 1
	return i + 1, off - p.lineStarts[i] + 1
}

func (p *parser) fail(srcOff int, format string, args ...any) {
	line, col := p.lineCol(p.origOf(srcOff))
	p.errs = append(p.errs, ParseError{Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

// nextLine returns the offset just after the first '\n' at or after off.
func (p *parser) nextLine(off int) int {
	i := bytes.IndexByte(p.src[off:], '\n')
	if i < 0 {
		return len(p.src)
	}
	return off + i + 1
}

// skipFunc returns the first offset at or after off whose rune does not
// satisfy f, decoding runes as bytes.TrimLeftFunc does.
func (p *parser) skipFunc(off int, f func(rune) bool) int {
	for off < len(p.src) {
		r, w := utf8.DecodeRune(p.src[off:])
		if !f(r) {
			break
		}
		off += w
	}
	return off
}

func (p *parser) run() {
	src := p.src
	pos := 0
	for {
		// getStatementStart
		pos = p.skipFunc(pos, unicode.IsSpace)
		if pos >= len(src) {
			return
		}
		if src[pos] == '#' {
			i := bytes.IndexByte(src[pos:], '\n')
			if i < 0 {
				return
			}
			pos += i
			continue
		}
		next, ok := p.statement(pos)
		if !ok {
			next = p.nextLine(next)
		}
		pos = next
	}
}

// statement parses one variable starting at start. On failure it returns
// the offset of the bad byte and false.
func (p *parser) statement(start int) (int, bool) {
	src := p.src
	// locateKeyName
	k := p.skipFunc(start, isSpace)
	exported := false
	if bytes.HasPrefix(src[k:], []byte("export")) {
		t := k + len("export")
		if r, _ := utf8.DecodeRune(src[t:]); t < len(src) && isSpace(r) {
			k = p.skipFunc(t, isSpace)
			exported = true
		}
	}
	nameStart := k
	offset := -1
	nameEnd := k
	for i := k; i < len(src); i++ {
		c := src[i]
		rc := rune(c) // godotenv looks at bytes, not runes
		if isSpace(rc) {
			continue
		}
		switch c {
		case '=', ':':
			nameEnd, offset = i, i+1
		case '_':
			continue
		default:
			if unicode.IsLetter(rc) || unicode.IsNumber(rc) || rc == '.' {
				continue
			}
			p.fail(i, "unexpected character %q in variable name", string(rune(c)))
			return i, false
		}
		break
	}
	if k >= len(src) {
		p.fail(start, "variable name expected after %q", "export")
		return start, false
	}
	if offset < 0 {
		// No '=' before the end of the file: godotenv reads the whole
		// rest as the value of a variable with an empty name.
		nameEnd, offset = k, k
	}
	name := strings.TrimRightFunc(string(src[nameStart:nameEnd]), unicode.IsSpace)
	valPos := p.skipFunc(offset, isSpace)

	v := Var{
		Name:     name,
		Start:    p.origOf(start),
		Exported: exported,
	}
	v.Line, v.Column = p.lineCol(p.origOf(nameStart))
	v.NameEnd = p.origEnd(nameStart + len(name))

	var rest int
	p.curDepth = 0
	if valPos < len(src) && (src[valPos] == '\'' || src[valPos] == '"') {
		quote := src[valPos]
		closing := -1
		for i := valPos + 1; i < len(src); i++ {
			if src[i] == quote && src[i-1] != '\\' {
				closing = i
				break
			}
		}
		if closing < 0 {
			p.fail(valPos, "unterminated quoted value: the %s opened here is never closed", quoteName(quote))
			return valPos, false
		}
		value := strings.Trim(string(src[valPos:closing]), string(quote))
		if quote == '"' {
			value = p.expand(&v, expandEscapes(value))
		}
		v.Value = value
		v.Quote = quote
		v.ValStart, v.ValEnd = p.origOf(valPos), p.origEnd(closing+1)
		v.End = v.ValEnd
		rest = closing + 1
	} else {
		eol := bytes.IndexAny(src[valPos:], "\n\r")
		if eol < 0 {
			eol = len(src)
		} else {
			eol += valPos
		}
		// Walk runes as []rune(string(b)) does (one per invalid byte) and
		// keep each rune's byte offset.
		runes, offs := p.runes[:0], p.offs[:0]
		for i := valPos; i < eol; {
			r, w := utf8.DecodeRune(src[i:eol])
			runes = append(runes, r)
			offs = append(offs, i)
			i += w
		}
		offs = append(offs, eol)
		p.runes, p.offs = runes, offs // reused by the next line
		endOfVar := len(runes)
		for i := endOfVar - 1; i >= 0; i-- {
			if runes[i] == '#' && i > 0 && isSpace(runes[i-1]) {
				endOfVar = i
				break
			}
		}
		lo, hi := 0, endOfVar
		for lo < hi && isSpace(runes[lo]) {
			lo++
		}
		for hi > lo && isSpace(runes[hi-1]) {
			hi--
		}
		v.Value = p.expand(&v, string(runes[lo:hi]))
		v.ValStart, v.ValEnd = p.origOf(offs[lo]), p.origEnd(offs[hi])
		if lo == hi {
			// Empty: an empty span just after the separator, before any
			// dropped '\r'.
			v.ValStart = p.origEnd(offs[lo])
			v.ValEnd = v.ValStart
		}
		v.End = p.origEnd(eol)
		v.CommentStart = -1
		if endOfVar < len(runes) {
			v.CommentStart = p.origOf(offs[endOfVar])
		}
		rest = eol
	}
	v.Raw = string(p.orig[v.ValStart:v.ValEnd])
	if v.Quote != 0 {
		v.CommentStart = -1
	}
	p.values[name] = v.Value
	p.depth[name] = p.curDepth
	p.vars = append(p.vars, v)
	return rest, true
}

func quoteName(q byte) string {
	if q == '\'' {
		return "single quote"
	}
	return "double quote"
}

// isSpace is godotenv's: a space but not a line break.
func isSpace(r rune) bool {
	switch r {
	case '\t', '\v', '\f', '\r', ' ', 0x85, 0xA0:
		return true
	}
	return false
}

// Copied from godotenv v1.5.1 so that escapes and expansion match exactly.
var (
	escapeRegex        = regexp.MustCompile(`\\.`)
	expandVarRegex     = regexp.MustCompile(`(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?`)
	unescapeCharsRegex = regexp.MustCompile(`\\([^$])`)
)

func expandEscapes(str string) string {
	if !strings.Contains(str, `\`) {
		return str
	}
	out := escapeRegex.ReplaceAllStringFunc(str, func(match string) string {
		c := strings.TrimPrefix(match, `\`)
		switch c {
		case "n":
			return "\n"
		case "r":
			return "\r"
		default:
			return match
		}
	})
	return unescapeCharsRegex.ReplaceAllString(out, "$1")
}

// expand is expandVariables within the caps: it measures what expansion
// would add (an upper bound: every reference replaced by its value) and
// how deep the references nest before building anything, and refuses
// (leaving s unexpanded, v.ExpandErr set) past a cap.
func (p *parser) expand(v *Var, s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	grow, depth, refs := 0, 0, false
	for _, m := range expandVarRegex.FindAllStringSubmatchIndex(s, -1) {
		// Groups: 1 a backslash (an escaped $, left alone), 4 the name.
		// godotenv means to leave $(…) alone too but its test looks at
		// the wrong group, so $(X) expands: counted here as it does.
		if m[2] >= 0 || m[8] < 0 || m[9] == m[8] {
			continue
		}
		name := s[m[8]:m[9]]
		refs = true
		grow += len(p.values[name])
		depth = max(depth, p.depth[name]+1)
	}
	if !refs {
		return expandVariables(s, p.values)
	}
	v.Expanded = true
	p.curDepth = depth
	switch {
	case depth > MaxExpandDepth:
		v.ExpandErr = fmt.Sprintf("its ${} references nest %d deep, more than the %d keyguard follows", depth, MaxExpandDepth)
	case len(s)+grow > MaxExpandedValue:
		v.ExpandErr = fmt.Sprintf("${} expansion would make it %d bytes, more than the %d keyguard allows", len(s)+grow, MaxExpandedValue)
	case p.expanded+grow > MaxExpandedTotal:
		v.ExpandErr = fmt.Sprintf("${} expansion in this file would add more than the %d bytes keyguard allows", MaxExpandedTotal)
	}
	if v.ExpandErr != "" {
		return s
	}
	p.expanded += grow
	return expandVariables(s, p.values)
}

func expandVariables(v string, m map[string]string) string {
	if !strings.Contains(v, "$") {
		return v
	}
	return expandVarRegex.ReplaceAllStringFunc(v, func(s string) string {
		submatch := expandVarRegex.FindStringSubmatch(s)
		if submatch == nil {
			return s
		}
		if submatch[1] == "\\" || submatch[2] == "(" {
			return submatch[0][1:]
		} else if submatch[4] != "" {
			return m[submatch[4]]
		}
		return s
	})
}
