package envfix

import (
	"bytes"
	"strings"
)

// strTok is one string literal found by the lexer.
type strTok struct {
	start, end         int // the whole literal: prefix and delimiters included
	bodyStart, bodyEnd int // between the delimiters
	prefix             string
	open, close        string
	raw                bool   // backslash is not an escape character
	interp             string // interpolation opener inside the body ("${", "#{", `\(`, "{"), "" for none
	kind               string // "" for an ordinary literal; "char", "heredoc", "sigil", "textblock", "bytes", "charlist", "command"
	terminated         bool
	holes              [][2]int // interpolation holes (code, with strings of their own)
}

// lexer finds every string literal of a document, skipping comments, so that
// the fix knows which literal holds the key and what its delimiters are. It
// is deliberately small: constructs it does not know (Ruby %q, some regex
// literals) can only make it miss a literal, and a key outside a known
// literal is refused rather than rewritten.
type lexer struct {
	src  []byte
	lang lang
	toks []strTok
	// pending heredocs (Ruby, PHP) whose bodies start at the next newline.
	heredocs []heredoc
}

type heredoc struct {
	tokIndex int
	id       string
	squiggly bool // <<~ / <<- : the terminator may be indented
	interp   string
}

func lex(l lang, src []byte) []strTok {
	lx := &lexer{src: src, lang: l}
	i := 0
	if l == langPHP {
		i = lx.phpHTML(0)
	}
	for i < len(src) {
		i = lx.code(i, 0)
		if l == langPHP && i < len(src) {
			i = lx.phpHTML(i)
		}
	}
	return lx.toks
}

// phpHTML skips template text up to the next "<?php" or "<?=" and returns
// the offset of the code after it.
func (lx *lexer) phpHTML(i int) int {
	rest := lx.src[i:]
	j := bytes.Index(rest, []byte("<?"))
	if j < 0 {
		return len(lx.src)
	}
	k := i + j + 2
	if bytes.HasPrefix(lx.src[k:], []byte("php")) {
		k += 3
	} else if bytes.HasPrefix(lx.src[k:], []byte("=")) {
		k++
	}
	return k
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func (lx *lexer) has(i int, s string) bool { return bytes.HasPrefix(lx.src[i:], []byte(s)) }

// code lexes code from i. With stop != 0 it returns after the bracket that
// closes an interpolation hole (depth 0); PHP code also ends at "?>".
func (lx *lexer) code(i int, stop byte) int {
	src := lx.src
	depth := 0
	var prevSig byte = '\n' // last significant character, for the JS regex heuristic
	prevWord := ""
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			i++
			if len(lx.heredocs) > 0 {
				i = lx.heredocBodies(i)
			}
			if lx.lang == langRuby && lx.has(i, "=begin") {
				if e := bytes.Index(src[i:], []byte("\n=end")); e >= 0 {
					i += e + 5
				} else {
					i = len(src)
				}
			}
			continue
		case c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		}
		if n := lx.comment(i); n > i {
			i = n
			continue
		}
		if lx.lang == langPHP && stop == 0 && lx.has(i, "?>") {
			return i + 2
		}
		if isIdentStart(c) {
			j := i
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			word := string(src[i:j])
			if next, ok := lx.stringAt(i, word, j); ok {
				i = next
				prevSig, prevWord = '"', ""
				continue
			}
			// Elixir/Ruby names may end in ? or !.
			i = j
			prevSig, prevWord = 'a', word
			continue
		}
		if next, ok := lx.stringAt(i, "", i); ok {
			i = next
			prevSig, prevWord = '"', ""
			continue
		}
		switch c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 && stop != 0 {
				return i + 1
			}
			if depth > 0 {
				depth--
			}
		case '/':
			if lx.lang == langJS && regexAllowed(prevSig, prevWord) {
				i = lx.skipRegex(i)
				prevSig = 'a'
				continue
			}
		}
		prevSig, prevWord = c, ""
		i++
	}
	return i
}

// regexAllowed is the usual heuristic: a slash starts a regex literal where
// an operand is expected.
func regexAllowed(prev byte, word string) bool {
	if prev == 'a' {
		switch word {
		case "return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw", "yield", "await":
			return true
		}
		return false
	}
	return strings.IndexByte("\n(,=:[!&|?{};+-*%<>~^", prev) >= 0
}

func (lx *lexer) skipRegex(i int) int {
	src := lx.src
	j := i + 1
	inClass := false
	for j < len(src) && src[j] != '\n' {
		switch src[j] {
		case '\\':
			j++
		case '[':
			inClass = true
		case ']':
			inClass = false
		case '/':
			if !inClass {
				return j + 1
			}
		}
		j++
	}
	return j
}

// comment returns the offset after a comment starting at i, or i.
func (lx *lexer) comment(i int) int {
	src := lx.src
	lineComment := func(j int) int {
		if e := bytes.IndexByte(src[j:], '\n'); e >= 0 {
			return j + e
		}
		return len(src)
	}
	block := func(open, close string, nested bool) int {
		j := i + len(open)
		depth := 1
		for j < len(src) {
			if nested && lx.has(j, open) {
				depth++
				j += len(open)
				continue
			}
			if lx.has(j, close) {
				depth--
				j += len(close)
				if depth == 0 {
					return j
				}
				continue
			}
			j++
		}
		return len(src)
	}
	switch lx.lang {
	case langPython, langRuby, langR, langElixir:
		if src[i] == '#' {
			return lineComment(i)
		}
	case langLua:
		if lx.has(i, "--") {
			if lvl, ok := longBracket(src, i+2); ok {
				close := "]" + strings.Repeat("=", lvl) + "]"
				if e := bytes.Index(src[i:], []byte(close)); e >= 0 {
					return i + e + len(close)
				}
				return len(src)
			}
			return lineComment(i)
		}
	case langPHP:
		if src[i] == '#' && !lx.has(i, "#[") {
			return lineComment(i)
		}
		fallthrough
	default: // C family
		if lx.has(i, "//") {
			return lineComment(i)
		}
		if lx.has(i, "/*") {
			nested := lx.lang == langRust || lx.lang == langSwift || lx.lang == langDart || lx.lang == langKotlin
			return block("/*", "*/", nested)
		}
	}
	return i
}

// longBracket reports a Lua long bracket "[==[" at i and its level.
func longBracket(src []byte, i int) (int, bool) {
	if i >= len(src) || src[i] != '[' {
		return 0, false
	}
	j := i + 1
	for j < len(src) && src[j] == '=' {
		j++
	}
	if j < len(src) && src[j] == '[' {
		return j - i - 1, true
	}
	return 0, false
}

// quoted scans a literal whose body starts at bodyStart and records it.
func (lx *lexer) quoted(t strTok, multiline bool, doubledClose bool) int {
	src := lx.src
	j := t.bodyStart
	idx := len(lx.toks)
	lx.toks = append(lx.toks, t)
	for j < len(src) {
		if !t.raw && src[j] == '\\' {
			if t.interp == `\(` && lx.has(j, `\(`) {
				h := j
				j = lx.code(j+2, ')')
				lx.toks[idx].holes = append(lx.toks[idx].holes, [2]int{h, j})
				continue
			}
			j += 2
			continue
		}
		if t.interp == `\#(` && lx.has(j, `\#(`) {
			h := j
			j = lx.code(j+3, ')')
			lx.toks[idx].holes = append(lx.toks[idx].holes, [2]int{h, j})
			continue
		}
		if doubledClose && lx.has(j, t.close+t.close) {
			j += 2 * len(t.close)
			continue
		}
		if lx.has(j, t.close) {
			lx.toks[idx].bodyEnd = j
			lx.toks[idx].end = j + len(t.close)
			lx.toks[idx].terminated = true
			return j + len(t.close)
		}
		if !multiline && src[j] == '\n' {
			break
		}
		switch t.interp {
		case "${", "#{":
			if lx.has(j, t.interp) {
				h := j
				j = lx.code(j+2, '}')
				lx.toks[idx].holes = append(lx.toks[idx].holes, [2]int{h, j})
				continue
			}
		case "{":
			if lx.has(j, "{{") {
				j += 2
				continue
			}
			if src[j] == '{' {
				h := j
				j = lx.code(j+1, '}')
				lx.toks[idx].holes = append(lx.toks[idx].holes, [2]int{h, j})
				continue
			}
		}
		j++
	}
	lx.toks[idx].bodyEnd = j
	lx.toks[idx].end = j
	return j
}

// stringAt recognises a literal starting at start whose opening delimiter is
// at q (q > start when a prefix word precedes it). It returns the offset
// after the literal.
func (lx *lexer) stringAt(start int, prefix string, q int) (int, bool) {
	src := lx.src
	if q >= len(src) {
		return 0, false
	}
	c := src[q]
	tok := func(open, close string) strTok {
		return strTok{start: start, prefix: prefix, open: open, close: close, bodyStart: q + len(open)}
	}
	lower := strings.ToLower(prefix)
	switch lx.lang {
	case langPython:
		if !isPyPrefix(lower) || (c != '"' && c != '\'') {
			return 0, false
		}
		q3 := string([]byte{c, c, c})
		t := tok(string(c), string(c))
		multi := lx.has(q, q3)
		if multi {
			t = tok(q3, q3)
		}
		t.raw = strings.Contains(lower, "r")
		if strings.Contains(lower, "f") {
			t.interp = "{"
		}
		if strings.Contains(lower, "b") {
			t.kind = "bytes"
		}
		// Raw strings still end only at an unescaped quote: lex them with
		// escapes, the raw flag matters only when splitting.
		lexT := t
		lexT.raw = false
		n := lx.quoted(lexT, multi, false)
		lx.toks[len(lx.toks)-1].raw = t.raw
		return n, true
	case langJS:
		if prefix != "" {
			return 0, false
		}
		switch c {
		case '"', '\'':
			return lx.quoted(tok(string(c), string(c)), false, false), true
		case '`':
			t := tok("`", "`")
			t.interp = "${"
			return lx.quoted(t, true, false), true
		}
	case langJava, langKotlin:
		if prefix != "" {
			return 0, false
		}
		if lx.has(q, `"""`) {
			t := tok(`"""`, `"""`)
			if lx.lang == langJava {
				t.kind = "textblock"
			} else {
				t.raw, t.interp = true, "${"
			}
			return lx.quoted(t, true, false), true
		}
		switch c {
		case '"':
			t := tok(`"`, `"`)
			if lx.lang == langKotlin {
				t.interp = "${"
			}
			return lx.quoted(t, false, false), true
		case '\'':
			t := tok("'", "'")
			t.kind = "char"
			return lx.quoted(t, false, false), true
		}
	case langCSharp:
		return lx.csharpString(start, prefix, q)
	case langRuby:
		if prefix != "" {
			return 0, false
		}
		switch c {
		case '"':
			t := tok(`"`, `"`)
			t.interp = "#{"
			return lx.quoted(t, true, false), true
		case '\'':
			return lx.quoted(tok("'", "'"), true, false), true
		case '`':
			t := tok("`", "`")
			t.kind = "command"
			return lx.quoted(t, true, false), true
		case '<':
			return lx.rubyHeredoc(q)
		}
	case langPHP:
		if prefix != "" {
			return 0, false
		}
		switch c {
		case '"':
			t := tok(`"`, `"`)
			t.kind = "php-double"
			return lx.quoted(t, true, false), true
		case '\'':
			return lx.quoted(tok("'", "'"), true, false), true
		case '<':
			return lx.phpHeredoc(q)
		}
	case langRust:
		return lx.rustString(start, lower, q)
	case langSwift:
		if prefix != "" {
			return 0, false
		}
		hashes := 0
		for q+hashes < len(src) && src[q+hashes] == '#' {
			hashes++
		}
		p := q + hashes
		if p >= len(src) || src[p] != '"' {
			return 0, false
		}
		h := strings.Repeat("#", hashes)
		t := strTok{start: start, open: h + `"`, close: `"` + h, bodyStart: p + 1}
		multi := lx.has(p, `"""`)
		if multi {
			t.open, t.close, t.bodyStart = h+`"""`, `"""`+h, p+3
		}
		if hashes > 0 {
			t.raw = true // escapes are \#… ; only the hole opener matters
			t.interp = `\#(`
			if hashes > 1 {
				t.interp = "" // never interpolated by us
			}
		} else {
			t.interp = `\(`
		}
		return lx.quoted(t, multi, false), true
	case langDart:
		if lower != "" && lower != "r" {
			return 0, false
		}
		if c != '"' && c != '\'' {
			return 0, false
		}
		q3 := string([]byte{c, c, c})
		t := tok(string(c), string(c))
		multi := lx.has(q, q3)
		if multi {
			t = tok(q3, q3)
		}
		t.raw = lower == "r"
		if !t.raw {
			t.interp = "${"
		}
		return lx.quoted(t, multi, false), true
	case langLua:
		if prefix != "" {
			return 0, false
		}
		switch c {
		case '"', '\'':
			return lx.quoted(tok(string(c), string(c)), false, false), true
		case '[':
			if lvl, ok := longBracket(src, q); ok {
				eq := strings.Repeat("=", lvl)
				t := tok("["+eq+"[", "]"+eq+"]")
				t.raw = true
				t.kind = "long"
				return lx.quoted(t, true, false), true
			}
		}
	case langR:
		if (lower == "r") && (c == '"' || c == '\'') {
			// r"(...)", r"--[...]--": dashes then an opening bracket.
			j := q + 1
			for j < len(src) && src[j] == '-' {
				j++
			}
			if j >= len(src) || strings.IndexByte("([{", src[j]) < 0 {
				return 0, false
			}
			dashes := string(src[q+1 : j])
			closeBr := map[byte]string{'(': ")", '[': "]", '{': "}"}[src[j]]
			t := strTok{start: start, prefix: prefix, open: string(c) + dashes + string(src[j]),
				close: closeBr + dashes + string(c), bodyStart: j + 1, raw: true, kind: "rraw"}
			return lx.quoted(t, true, false), true
		}
		if prefix != "" {
			return 0, false
		}
		if c == '"' || c == '\'' {
			return lx.quoted(tok(string(c), string(c)), true, false), true
		}
	case langElixir:
		if prefix != "" {
			return 0, false
		}
		switch {
		case lx.has(q, `"""`) || lx.has(q, `'''`):
			t := tok(string(src[q:q+3]), string(src[q:q+3]))
			t.interp = "#{"
			t.kind = "heredoc"
			return lx.quoted(t, true, false), true
		case c == '"':
			t := tok(`"`, `"`)
			t.interp = "#{"
			return lx.quoted(t, true, false), true
		case c == '\'':
			t := tok("'", "'")
			t.interp = "#{"
			t.kind = "charlist"
			return lx.quoted(t, true, false), true
		case c == '?' && q+1 < len(src) && (q == 0 || !isIdentChar(src[q-1])):
			// ?" is the code point of a quote, not a string.
			return q + 2, true
		case c == '~' && q+2 < len(src) && isIdentStart(src[q+1]):
			j := q + 1
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			if j >= len(src) {
				return 0, false
			}
			closes := map[byte]byte{'(': ')', '[': ']', '{': '}', '<': '>', '/': '/', '|': '|', '"': '"', '\'': '\''}
			cl, ok := closes[src[j]]
			if !ok {
				return 0, false
			}
			t := strTok{start: start, open: string(src[q : j+1]), close: string(cl), bodyStart: j + 1, kind: "sigil"}
			return lx.quoted(t, true, false), true
		}
	}
	return 0, false
}

func isPyPrefix(p string) bool {
	switch p {
	case "", "r", "u", "f", "b", "br", "rb", "fr", "rf":
		return true
	}
	return false
}

func (lx *lexer) csharpString(start int, prefix string, q int) (int, bool) {
	src := lx.src
	if q >= len(src) {
		return 0, false
	}
	// C# prefixes are symbols, not words: @, $, $@, @$, $$…
	p := q
	for p < len(src) && (src[p] == '@' || src[p] == '$') {
		p++
	}
	if prefix != "" || p >= len(src) {
		return 0, false
	}
	sym := string(src[q:p])
	switch {
	case src[p] == '\'' && sym == "":
		t := strTok{start: start, open: "'", close: "'", bodyStart: p + 1, kind: "char"}
		return lx.quoted(t, false, false), true
	case src[p] != '"':
		return 0, false
	}
	if lx.has(p, `"""`) { // raw string literal (C# 11): n quotes close it
		n := 0
		for p+n < len(src) && src[p+n] == '"' {
			n++
		}
		qs := strings.Repeat(`"`, n)
		t := strTok{start: start, prefix: sym, open: qs, close: qs, bodyStart: p + n, raw: true, kind: "raw"}
		return lx.quoted(t, true, false), true
	}
	t := strTok{start: start, prefix: sym, open: `"`, close: `"`, bodyStart: p + 1}
	verbatim := strings.Contains(sym, "@")
	t.raw = verbatim
	if strings.Contains(sym, "$") {
		t.interp = "{"
	}
	return lx.quoted(t, verbatim, verbatim), true
}

func (lx *lexer) rustString(start int, lower string, q int) (int, bool) {
	src := lx.src
	switch lower {
	case "", "b", "c", "r", "br", "cr":
	default:
		return 0, false
	}
	raw := strings.HasSuffix(lower, "r")
	p := q
	hashes := 0
	if raw {
		for p < len(src) && src[p] == '#' {
			p++
			hashes++
		}
	}
	if p >= len(src) {
		return 0, false
	}
	if src[p] == '\'' && !raw && (lower == "" || lower == "b") {
		// A char literal ('a', '\n', '\u{1F600}') or a lifetime ('a): a
		// lifetime has no closing quote right after its name.
		if p+2 < len(src) && src[p+1] == '\\' {
			if e := bytes.IndexByte(src[p+2:], '\''); e >= 0 && e < 12 {
				return p + 2 + e + 1, true
			}
		}
		if p+2 < len(src) && src[p+2] == '\'' {
			return p + 3, true
		}
		return 0, false
	}
	if src[p] != '"' {
		return 0, false
	}
	h := strings.Repeat("#", hashes)
	t := strTok{start: start, prefix: lower + h, open: `"`, close: `"` + h, bodyStart: p + 1, raw: raw}
	if strings.HasPrefix(lower, "b") || strings.HasPrefix(lower, "c") {
		t.kind = "bytes"
	}
	return lx.quoted(t, true, false), true
}

func (lx *lexer) rubyHeredoc(q int) (int, bool) {
	src := lx.src
	if !lx.has(q, "<<") {
		return 0, false
	}
	j := q + 2
	squiggly := false
	if j < len(src) && (src[j] == '~' || src[j] == '-') {
		squiggly = true
		j++
	}
	quote := byte(0)
	if j < len(src) && (src[j] == '\'' || src[j] == '"') {
		quote = src[j]
		j++
	}
	k := j
	for k < len(src) && isIdentChar(src[k]) {
		k++
	}
	if k == j || (quote == 0 && !squiggly && !(src[j] >= 'A' && src[j] <= 'Z')) {
		return 0, false
	}
	id := string(src[j:k])
	if quote != 0 {
		if k >= len(src) || src[k] != quote {
			return 0, false
		}
		k++
	}
	interp := "#{"
	if quote == '\'' {
		interp = ""
	}
	lx.toks = append(lx.toks, strTok{start: q, end: k, kind: "heredoc", interp: interp})
	lx.heredocs = append(lx.heredocs, heredoc{tokIndex: len(lx.toks) - 1, id: id, squiggly: squiggly, interp: interp})
	return k, true
}

func (lx *lexer) phpHeredoc(q int) (int, bool) {
	src := lx.src
	if !lx.has(q, "<<<") {
		return 0, false
	}
	j := q + 3
	for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
		j++
	}
	quote := byte(0)
	if j < len(src) && (src[j] == '\'' || src[j] == '"') {
		quote = src[j]
		j++
	}
	k := j
	for k < len(src) && isIdentChar(src[k]) {
		k++
	}
	if k == j {
		return 0, false
	}
	id := string(src[j:k])
	if quote != 0 {
		if k >= len(src) || src[k] != quote {
			return 0, false
		}
		k++
	}
	lx.toks = append(lx.toks, strTok{start: q, end: k, kind: "heredoc"})
	// PHP 7.3+ allows an indented closing marker.
	lx.heredocs = append(lx.heredocs, heredoc{tokIndex: len(lx.toks) - 1, id: id, squiggly: true})
	return k, true
}

// heredocBodies consumes the bodies of pending heredocs starting at line i.
func (lx *lexer) heredocBodies(i int) int {
	src := lx.src
	for _, h := range lx.heredocs {
		t := &lx.toks[h.tokIndex]
		t.bodyStart = i
		t.bodyEnd = len(src)
		t.end = len(src)
		for i < len(src) {
			e := bytes.IndexByte(src[i:], '\n')
			lineEnd := len(src)
			if e >= 0 {
				lineEnd = i + e
			}
			line := strings.TrimRight(string(src[i:lineEnd]), "\r")
			if h.squiggly {
				line = strings.TrimLeft(line, " \t")
			}
			if line == h.id || (lx.lang == langPHP && strings.HasPrefix(line, h.id) &&
				(len(line) == len(h.id) || !isIdentChar(line[len(h.id)]))) {
				t.bodyEnd = i
				t.end = lineEnd
				t.terminated = true
				lx.heredocHoles(h, t.bodyStart, t.bodyEnd)
				i = lineEnd
				break
			}
			i = lineEnd + 1
		}
	}
	lx.heredocs = nil
	return i
}

// heredocHoles records the #{…} holes of an interpolating heredoc body.
func (lx *lexer) heredocHoles(h heredoc, start, end int) {
	if h.interp == "" {
		return
	}
	for j := start; j < end; {
		switch {
		case lx.src[j] == '\\':
			j += 2
		case lx.has(j, h.interp):
			e := lx.code(j+len(h.interp), '}')
			lx.toks[h.tokIndex].holes = append(lx.toks[h.tokIndex].holes, [2]int{j, e})
			j = e
		default:
			j++
		}
	}
}

// enclosing returns the innermost literal whose body holds [start,end), and
// whether the range falls inside one of its interpolation holes instead.
func enclosing(toks []strTok, start, end int) (strTok, bool, bool) {
	best := -1
	for i, t := range toks {
		if t.bodyStart <= start && end <= t.bodyEnd {
			if best < 0 || t.bodyEnd-t.bodyStart < toks[best].bodyEnd-toks[best].bodyStart {
				best = i
			}
		}
	}
	if best < 0 {
		return strTok{}, false, false
	}
	t := toks[best]
	for _, h := range t.holes {
		if start < h[1] && h[0] < end {
			return t, true, true
		}
	}
	return t, true, false
}

// lineComment is how a line comment starts per language.
var lineComment = map[lang][]string{
	langPython: {"#"}, langRuby: {"#"}, langR: {"#"}, langElixir: {"#"}, langShell: {"#"},
	langJS: {"//"}, langGo: {"//"}, langJava: {"//"}, langKotlin: {"//"}, langCSharp: {"//"},
	langRust: {"//"}, langSwift: {"//"}, langDart: {"//"}, langPHP: {"//", "#"}, langLua: {"--"},
}

// inComment reports whether offset at is inside a comment: after a line
// comment marker that is not in a string, or inside /* … */ (--[[ … ]] in
// Lua).
func inComment(l lang, src []byte, at int) bool {
	toks := lex(l, src)
	if _, ok, _ := enclosing(toks, at, at+1); ok {
		return false
	}
	inString := func(i int) bool {
		for _, t := range toks {
			if t.start <= i && i < t.end {
				return true
			}
		}
		return false
	}
	ls := bytes.LastIndexByte(src[:at], '\n') + 1
	line := src[ls:at]
	for _, m := range lineComment[l] {
		for i := 0; i+len(m) <= len(line); i++ {
			if bytes.HasPrefix(line[i:], []byte(m)) && !inString(ls+i) {
				return true
			}
		}
	}
	open, close := "/*", "*/"
	switch l {
	case langLua:
		open, close = "--[[", "]]"
	case langPython, langRuby, langR, langElixir, langShell:
		return false
	}
	for i := bytes.LastIndex(src[:at], []byte(open)); i >= 0; i = bytes.LastIndex(src[:i], []byte(open)) {
		if inString(i) {
			continue
		}
		return !bytes.Contains(src[i:at], []byte(close))
	}
	return false
}
