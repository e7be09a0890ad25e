package diagnostics

import (
	"bytes"
	"math"
)

// Byte classes as lookup tables: the scan loops test one per byte of the
// document, and a table load beats a chain of range comparisons there.
const (
	classWord  = 1 << iota // [A-Za-z0-9_]
	classKey               // word bytes and '-'
	classValue             // key bytes and . / +
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' {
			t[c] |= classWord | classKey | classValue
		}
		if b == '-' {
			t[c] |= classKey | classValue
		}
		if b == '.' || b == '/' || b == '+' {
			t[c] |= classValue
		}
	}
	return t
}()

func isWordByte(b byte) bool { return byteClass[b]&classWord != 0 }

func isKeyByte(b byte) bool { return byteClass[b]&classKey != 0 }

func isValueByte(b byte) bool { return byteClass[b]&classValue != 0 }

// asciiLower lowers ASCII letters only, so offsets stay those of the input
// (bytes.ToLower may change the length of invalid or special UTF-8).
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// entropy is the Shannon entropy of s in bits per byte.
func entropy(s []byte) float64 {
	if len(s) == 0 {
		return 0
	}
	var counts [256]int
	for _, c := range s {
		counts[c]++
	}
	n := float64(len(s))
	h := 0.0
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

var placeholderWords = [][]byte{
	[]byte("example"), []byte("your_"), []byte("your-"), []byte("yourkey"), []byte("yourapikey"),
	[]byte("placeholder"), []byte("changeme"), []byte("dummy"), []byte("redacted"), []byte("replace_me"),
	[]byte("replaceme"), []byte("insert"), []byte("<"), []byte(">"), []byte("${"), []byte("{{"), []byte("***"), []byte("..."),
}

// isPlaceholder recognises values written to look like a key without being
// one: "sk-xxxxxxxx…", "your-api-key", "<KEY>", "sk-proj-1111…", a short
// unit repeated ("FakeFakeFake…").
func isPlaceholder(key []byte) bool {
	lower := asciiLower(key)
	for _, w := range placeholderWords {
		if bytes.Contains(lower, w) {
			return true
		}
	}
	run := 1
	for i := 1; i < len(key); i++ {
		if key[i] == key[i-1] {
			run++
			if run >= 6 {
				return true
			}
		} else {
			run = 1
		}
	}
	// A periodic tail: the last two thirds repeat a unit of at most 8 bytes.
	tail := key[len(key)/3:]
	for p := 1; p <= 8 && p < len(tail)/2; p++ {
		periodic := true
		for i := p; i < len(tail); i++ {
			if tail[i] != tail[i-p] {
				periodic = false
				break
			}
		}
		if periodic {
			return true
		}
	}
	return false
}

// hasSequence reports n or more consecutive characters that step by +1 or
// -1 ("abcdef", "654321"), ignoring case: typed by hand, not generated.
func hasSequence(key []byte, n int) bool {
	up, down := 1, 1
	for i := 1; i < len(key); i++ {
		a, b := lowerByte(key[i-1]), lowerByte(key[i])
		alnum := isAlnum(a) && isAlnum(b)
		if alnum && b == a+1 {
			up++
		} else {
			up = 1
		}
		if alnum && b+1 == a {
			down++
		} else {
			down = 1
		}
		if up >= n || down >= n {
			return true
		}
	}
	return false
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// lineBounds returns the start and end of the line around off, looking at
// most limit bytes each way so a 5 MB minified line costs no more than a
// short one.
func lineBounds(content []byte, off, limit int) (int, int) {
	lo := off - limit
	if lo < 0 {
		lo = 0
	}
	start := lo
	if i := bytes.LastIndexByte(content[lo:off], '\n'); i >= 0 {
		start = lo + i + 1
	}
	hi := off + limit
	if hi > len(content) {
		hi = len(content)
	}
	end := hi
	if i := bytes.IndexByte(content[off:hi], '\n'); i >= 0 {
		end = off + i
	}
	return start, end
}

var allowMarkers = [][]byte{[]byte("keyguard:allow"), []byte("gitleaks:allow"), []byte("pragma: allowlist secret")}

// allowed reports an allow comment on the key's line or the line before.
func allowed(content []byte, off int) bool {
	start, end := lineBounds(content, off, 1024)
	if hasAllowMarker(content[start:end]) {
		return true
	}
	if start == 0 || start-1 < 0 {
		return false
	}
	pstart, pend := lineBounds(content, start-1, 1024)
	return hasAllowMarker(content[pstart:pend])
}

func hasAllowMarker(line []byte) bool {
	for _, m := range allowMarkers {
		if bytes.Contains(line, m) {
			return true
		}
	}
	return false
}

// Documentation sites show sample keys in their URLs' query strings and
// fragments; a key inside such a URL is an example, not a leak.
var docsHosts = [][]byte{
	[]byte("docs."), []byte("readthedocs.io"), []byte("platform.openai.com/docs"), []byte("developers.google.com"),
	[]byte("ai.google.dev"), []byte("huggingface.co/docs"),
	// Not example.com / example.org: tests call `https://api.example.com/…?key=…`
	// with keys that may be real. A placeholder there is dropped by the
	// placeholder filter like anywhere else (issue 13).
}

// inDocsURL reports whether the key at off sits inside a URL of a
// documentation site.
func inDocsURL(content []byte, off int) bool {
	// Walk back over URL characters to the token's start.
	start := off
	for start > 0 && off-start < 2048 {
		c := content[start-1]
		if c <= ' ' || c == '"' || c == '\'' || c == '`' || c == '(' || c == '<' {
			break
		}
		start--
	}
	tok := asciiLower(content[start:off])
	if !bytes.HasPrefix(tok, []byte("http://")) && !bytes.HasPrefix(tok, []byte("https://")) {
		return false
	}
	for _, h := range docsHosts {
		if bytes.Contains(tok, h) {
			return true
		}
	}
	return false
}

// assignedName returns the name the key at off is assigned to, without any
// object path or keyword (`openai.api_key` → `api_key`, `export X` → `X`),
// or "" when the key is not the value of an assignment.
func assignedName(content []byte, off int) string {
	lo, hi, _, ok := assignmentSpan(content, off)
	if !ok {
		return ""
	}
	name := bytes.TrimSpace(content[lo:hi])
	if i := bytes.LastIndexAny(name, ". "); i >= 0 {
		name = name[i+1:]
	}
	return string(name)
}

func hasPrefixFold(b, lowerPrefix []byte) bool {
	if len(b) < len(lowerPrefix) {
		return false
	}
	for i, c := range lowerPrefix {
		if lowerByte(b[i]) != c {
			return false
		}
	}
	return true
}

func containsAnyString(b []byte, words []string) bool {
	for _, w := range words {
		if bytes.Contains(b, []byte(w)) {
			return true
		}
	}
	return false
}

// assignmentBefore parses, backwards from a value at off, the assignment it
// is the value of: `name = "`, `"name": '`, `name: `, `name := `,
// `name => `, `os.environ["name"] = `, `set("name", "`. It returns the name
// in lower case (it may hold dots, dashes and spaces: "fal.ai api key") and
// the quote opening the value (0 if none), or nil when off is not a value.
func assignmentBefore(content []byte, off int) (name []byte, quote byte) {
	lo, hi, quote, ok := assignmentSpan(content, off)
	if !ok {
		return nil, 0
	}
	name = bytes.TrimSpace(asciiLower(content[lo:hi]))
	if len(name) == 0 {
		return nil, 0
	}
	return name, quote
}

// assignmentSpan finds the bytes of the name assigned the value at off (see
// assignmentBefore), looking back at most 96 bytes.
func assignmentSpan(content []byte, off int) (lo, hi int, quote byte, ok bool) {
	limit := max(0, off-96)
	i := off
	if i > limit && (content[i-1] == '"' || content[i-1] == '\'' || content[i-1] == '`') {
		quote = content[i-1]
		i--
	}
	for i > limit && (content[i-1] == ' ' || content[i-1] == '\t') {
		i--
	}
	switch {
	case i-2 >= limit && (string(content[i-2:i]) == "=>" || string(content[i-2:i]) == ":="):
		i -= 2
	case i-1 >= limit && (content[i-1] == '=' || content[i-1] == ':' || content[i-1] == ','):
		i--
	default:
		return 0, 0, 0, false
	}
	for i > limit && (content[i-1] == ' ' || content[i-1] == '\t') {
		i--
	}
	for i > limit && (content[i-1] == '"' || content[i-1] == '\'' || content[i-1] == ']' || content[i-1] == '`') {
		i--
	}
	end := i
	for i > limit && end-i < 48 {
		b := content[i-1]
		if !isKeyByte(b) && b != '.' && b != ' ' && b != '$' {
			break
		}
		i--
	}
	for i < end && (content[i] == ' ' || content[i] == '$') {
		i++
	}
	return i, end, quote, i < end
}

// endsLine reports whether only blanks or a comment follow off on its line:
// `API_KEY=abc123…` in a .env.example or YAML file, not `key = make_key(…)`.
func endsLine(content []byte, off int) bool {
	for i := off; i < len(content); i++ {
		switch content[i] {
		case ' ', '\t':
			continue
		case '\r', '\n', '#':
			return true
		}
		return false
	}
	return true
}

// unquotedValueOK accepts an unquoted value as a key only when it ends its
// line, mixes letters and digits, and is not code: no member access
// (`C.NL80211_ATTR_TOKEN`, `config.token`) and not a one-case identifier
// with underscores (`NL80211_ATTR_TDLS_DIALOG_TOKEN`).
func unquotedValueOK(content []byte, start, end int) bool {
	v := content[start:end]
	if !endsLine(content, end) || !mixedAlnum(v) || bytes.IndexByte(v, '.') >= 0 {
		return false
	}
	if bytes.IndexByte(v, '_') >= 0 {
		var upper, lower bool
		for _, c := range v {
			upper = upper || c >= 'A' && c <= 'Z'
			lower = lower || c >= 'a' && c <= 'z'
		}
		return upper && lower
	}
	return true
}

// mixedAlnum reports letters and digits both present: an unquoted value
// of only letters is a word or an identifier, not a key.
func mixedAlnum(b []byte) bool {
	var letter, digit bool
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		}
	}
	return letter && digit
}

// Names whose high-entropy values are not credentials: anti-CSRF tokens
// rendered into forms, pagination cursors.
var notSecretNames = []string{"csrf", "xsrf", "page", "next", "cursor", "continuation", "nonce"}

// rfcSampleTokens are the example tokens of RFC 6749 (OAuth 2.0), copied
// into the docs and tests of every OAuth library.
var rfcSampleTokens = map[string]bool{"2YotnFZFEjr1zCsicMWpAA": true, "tGzv3JOkF0XG5Qx2TlKWIA": true}

// genericAllows is the generic rule's own filter: the value must not be a
// file path or file name, nor start like a provider's key, and the name
// must not be one of notSecretNames nor name a provider (those values are
// the provider rules' to judge; see Detector.ownedWords).
func genericAllows(c *scanCtx, start, end int) bool {
	v := c.content[start:end]
	// Random 20+ character keys practically always hold digits (32 base62
	// characters have none with probability 0.4%); constants, header
	// names and paginator fields ("DistributionList.NextMarker") don't.
	if !mixedAlnum(v) || rfcSampleTokens[string(v)] {
		return false
	}
	if v[0] == '/' || v[0] == '.' || v[0] == '~' || bytes.Count(v, []byte("/")) >= 2 && bytes.IndexByte(v, '.') > 0 {
		return false
	}
	// A file extension: a dot followed by 2-4 lower-case letters at the end.
	if i := bytes.LastIndexByte(v, '.'); i >= 0 && len(v)-i-1 >= 2 && len(v)-i-1 <= 4 {
		ext := v[i+1:]
		lower := true
		for _, b := range ext {
			if b < 'a' || b > 'z' {
				lower = false
			}
		}
		if lower {
			return false
		}
	}
	if hasAnyPrefix(v, c.d.ownedPrefixes) {
		return false
	}
	name, _ := assignmentBefore(c.content, start)
	if containsAnyString(name, notSecretNames) {
		return false
	}
	// AZURE_OPENAI_API_KEY names OpenAI too, but its keys are Azure's.
	return bytes.Contains(name, []byte("azure")) || !containsAnyString(name, c.d.ownedWords)
}
