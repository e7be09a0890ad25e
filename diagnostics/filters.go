package diagnostics

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
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
	// Hex words put into made-up hex keys ("…95deadbeefe7774f"); a random
	// hex key holds one with odds of about 1 in 10^7.
	[]byte("deadbeef"), []byte("cafebabe"), []byte("feedface"), []byte("8badf00d"), []byte("c0ffee"),
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
//
// It also looks at every second character, for sequences typed
// interleaved ("1a2b3c4d5e6f": 1…6 and a…f).
func hasSequence(key []byte, n int) bool {
	return hasSequenceStride(key, n, 1) || hasSequenceStride(key, n, 2)
}

func hasSequenceStride(key []byte, n, stride int) bool {
	for phase := 0; phase < stride; phase++ {
		if sequenceRun(key, n, phase, stride) {
			return true
		}
	}
	return false
}

func sequenceRun(key []byte, n, phase, stride int) bool {
	up, down := 1, 1
	for i := phase + stride; i < len(key); i += stride {
		a, b := lowerByte(key[i-stride]), lowerByte(key[i])
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
		// An escaped quote: source code inside a JSON string (a
		// notebook's cells: "api_key = \"…\"\n").
		if i > limit && content[i-1] == '\\' {
			i--
		}
	}
	for i > limit && (content[i-1] == ' ' || content[i-1] == '\t') {
		i--
	}
	comma := false
	switch {
	case i-2 >= limit && (string(content[i-2:i]) == "=>" || string(content[i-2:i]) == ":="):
		i -= 2
	case i-1 >= limit && (content[i-1] == '=' || content[i-1] == ':' || content[i-1] == ','):
		comma = content[i-1] == ','
		i--
	default:
		return 0, 0, 0, false
	}
	for i > limit && (content[i-1] == ' ' || content[i-1] == '\t') {
		i--
	}
	quotedName := false
	for i > limit && (content[i-1] == '"' || content[i-1] == '\'' || content[i-1] == ']' || content[i-1] == '`' || content[i-1] == '\\') {
		quotedName = quotedName || content[i-1] != ']'
		i--
	}
	// After a comma only a string names the value (`set("api_key", "…")`,
	// `headers.put("api-key", "…")`); a bare name is the argument before
	// it (`New(apiKey, "claude-3-haiku-20240307")`), not an assignment.
	if comma && !quotedName {
		return 0, 0, 0, false
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
		return escapedNewline(content, i)
	}
	return true
}

// escapedNewline reports a \n or \r escape at i: the end of a line of
// source held in a JSON string (notebook cells).
func escapedNewline(content []byte, i int) bool {
	return content[i] == '\\' && i+1 < len(content) && (content[i+1] == 'n' || content[i+1] == 'r')
}

// closesQuote reports that the value ending at end is closed by quote,
// or by the quote escaped (`\"`, a string inside a JSON string).
func closesQuote(content []byte, end int, quote byte) bool {
	if end < len(content) && content[end] == quote {
		return true
	}
	return end+1 < len(content) && content[end] == '\\' && content[end+1] == quote
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
		return mixedCase(v)
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
var notSecretNames = []string{"csrf", "xsrf", "page", "next", "cursor", "continuation", "nonce",
	// A hash or digest of a key is what is stored instead of the key
	// (`tracing_api_key_hash: <sha256>`).
	"hash", "digest", "checksum", "sha1", "sha256", "sha512", "md5", "fingerprint"}

// publicByDesign reports a value made to ship in clients: a client or
// project token (Datadog RUM's clientToken, Edge's TRUSTED_CLIENT_TOKEN,
// Mixpanel's project_token), or a search-only key next to Algolia /
// DocSearch (docs sites' configs: algolia: {appId, apiKey, indexName}).
// Never under a name that says the value is private: PostHog personal
// keys, Mixpanel secrets and Algolia admin keys are secrets.
func publicByDesign(content []byte, start, end int, name []byte) bool {
	// The identifier itself, not the modifiers before it ("private
	// static trusted_client_token").
	ident := name
	if i := bytes.LastIndexAny(ident, ". \t"); i >= 0 {
		ident = ident[i+1:]
	}
	if containsAnyString(ident, privateNameWords) {
		return false
	}
	if containsAnyString(ident, publicKeyNames) {
		return true
	}
	// A bare apiKey (or a search key) in Algolia's config block; a named
	// one (stripe_api_key) is some other service's, whatever is near.
	searchKey := bytes.Contains(ident, []byte("search"))
	switch string(ident) {
	case "apikey", "api_key", "api-key":
		searchKey = true
	}
	return searchKey && wordWithinLines(content, start, end, 3, searchWords)
}

var (
	privateNameWords = []string{"secret", "private", "personal", "admin", "service", "write", "password", "passwd"}
	publicKeyNames   = []string{"client_token", "clienttoken", "client-token", "project_token", "projecttoken", "project-token"}
	searchWords      = []string{"algolia", "docsearch"}
)

// publicKeyPrefixes start keys that are public by design, shipped in
// client code on purpose: PostHog project keys, Stripe publishable keys,
// Mapbox public tokens.
var publicKeyPrefixes = []string{"phc_", "pk_live_", "pk_test_", "pk.ey"}

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
	if hasAnyPrefix(v, c.d.ownedPrefixes) || hasAnyPrefix(v, publicKeyPrefixes) {
		return false
	}
	if onCommentLine(c.content, start) && containsAnyString(asciiLower(c.content[lineStart(c.content, start):start]), sampleWords) {
		// A comment that shows a format or a sample (`# e.g. api_key:
		// 3f9a…`). Commented-out code keeps its key: it is still a key.
		return false
	}
	if vendoredPath(c.path) {
		// Third-party bundles (yarn releases, node_modules, minified
		// builds) carry their vendors' public client keys (Algolia search
		// keys in yarn); a real key in them is still found by a provider
		// rule.
		return false
	}
	name, _ := assignmentBefore(c.content, start)
	if containsAnyString(name, notSecretNames) || publicByDesign(c.content, start, end, name) {
		return false
	}
	// AZURE_OPENAI_API_KEY names OpenAI too, but its keys are Azure's.
	return bytes.Contains(name, []byte("azure")) || !containsAnyString(name, c.d.ownedWords)
}

// wordBuilt recognises values made of words and numbers rather than drawn
// at random: identifiers (`MistralAIPromptExecutionSettings`,
// `convertMessagesToMistralMessages`), test values spelled by hand
// (`sk-synthetic-cloudflare-lifecycle-private-83d4`, `gw_valid_api_key_12345`,
// `m0-supersecretkey1234`), constant names and sentinels
// (`token_sha256_to_refresh`, `RUNSTATE_…_42`) and model ids
// (`claude-3-haiku-20240307`, `Qwen/Qwen3-Embedding-0.6B`).
//
// Two measures. A random key switches character class
// (lower, upper, digit) between neighbours about half the time (0.45 for
// base62 not counting the upper→lower step that starts a capitalised word,
// 0.40 for [a-z0-9], 0.47 for hex); words and numbers switch only at their
// boundaries. And words cover the value: letter runs of 3+ (a capitalised
// word is its own run) that hold a letter past f, so that hex, whose
// letters never spell more than "deadbeef", is never word-built.
// TestRandomKeysFound bounds how many random keys this costs.
func wordBuilt(v []byte) bool {
	pairs, switches := 0, 0
	wordBytes, alnum := 0, 0
	runStart, runWordy := -1, false
	endRun := func(i int) {
		if runStart >= 0 && i-runStart >= 3 && runWordy && pronounceable(v[runStart:i]) {
			wordBytes += i - runStart
		}
		runStart, runWordy = -1, false
	}
	for i, c := range v {
		cl := charClass(c)
		if cl == 0 {
			endRun(i)
			continue
		}
		alnum++
		if i > 0 {
			if p := charClass(v[i-1]); p != 0 {
				pairs++
				if p != cl && !(p == classUpperChar && cl == classLowerChar) {
					switches++
				}
			}
		}
		if cl == classDigitChar {
			endRun(i)
			continue
		}
		// A letter run ends before an upper-case letter that follows a
		// lower-case one (camelCase) or that starts a capitalised word
		// after upper-case ones (AIPrompt → AI, Prompt).
		if runStart >= 0 && cl == classUpperChar {
			prev := charClass(v[i-1])
			next := byte(0)
			if i+1 < len(v) {
				next = charClass(v[i+1])
			}
			if prev == classLowerChar || prev == classUpperChar && next == classLowerChar {
				endRun(i)
			}
		}
		if runStart < 0 {
			runStart = i
		}
		if l := lowerByte(c); l > 'f' {
			runWordy = true
		}
	}
	endRun(len(v))
	if alnum < 8 || pairs == 0 {
		return false
	}
	// Words covering four fifths of the value make it word-built whatever
	// the switches: camelCase of short words switches at every word
	// (`usesExplicitSigV4Auth`).
	return float64(switches) < 0.2*float64(pairs) && 2*wordBytes >= alnum || 5*wordBytes >= 4*alnum
}

// pronounceable reports whether a run of letters could be a word: at
// least a quarter vowels (y counts) and no four consonants in a row.
// Random letters rarely are ("kqzrtbmx"); words, abbreviations like
// "api" and names like "Qwen" are.
func pronounceable(run []byte) bool {
	vowels, cluster := 0, 0
	for _, c := range run {
		switch lowerByte(c) {
		case 'a', 'e', 'i', 'o', 'u', 'y':
			vowels++
			cluster = 0
		default:
			cluster++
			if cluster >= 4 {
				return false
			}
		}
	}
	return 4*vowels >= len(run)
}

const (
	classLowerChar = 1 + iota
	classUpperChar
	classDigitChar
)

func charClass(c byte) byte {
	switch {
	case c >= 'a' && c <= 'z':
		return classLowerChar
	case c >= 'A' && c <= 'Z':
		return classUpperChar
	case c >= '0' && c <= '9':
		return classDigitChar
	}
	return 0
}

// keyboardRows are typed, not generated: "qwerty…", "zxcvbn…", "asdfgh…".
var keyboardRows = []string{"qwertyuiop", "asdfghjkl", "zxcvbnm", "poiuytrewq", "lkjhgfdsa", "mnbvcxz"}

// hasKeyboardRun reports n or more consecutive keys of one keyboard row,
// ignoring case.
func hasKeyboardRun(key []byte, n int) bool {
	lower := asciiLower(key)
	for _, row := range keyboardRows {
		for i := 0; i+n <= len(row); i++ {
			if bytes.Contains(lower, []byte(row[i:i+n])) {
				return true
			}
		}
	}
	return false
}

// mixedCase reports upper- and lower-case letters both present.
func mixedCase(b []byte) bool {
	var upper, lower bool
	for _, c := range b {
		upper = upper || c >= 'A' && c <= 'Z'
		lower = lower || c >= 'a' && c <= 'z'
	}
	return upper && lower
}

// inValuePosition reports whether the value at [start, end) is written as
// a value: a string literal closed right after it, or an unquoted value
// (letters and digits, or letters of both cases) that ends its line (.env, YAML, shell, properties) or
// its enclosing string (`-H "api-key: …"`). An unquoted value followed by
// more code (`(`, `.`, an operator) is a name, not a key.
func inValuePosition(content []byte, start, end int) bool {
	_, quote := assignmentBefore(content, start)
	if quote != 0 {
		return closesQuote(content, end, quote)
	}
	if v := content[start:end]; !mixedAlnum(v) && !mixedCase(v) {
		return false // one-case letters or digits alone: a word or a number
	}
	i := end
	for i < len(content) && (content[i] == ' ' || content[i] == '\t') {
		i++
	}
	if i == len(content) {
		return true
	}
	switch content[i] {
	case '\r', '\n', '#', '"', '\'', '`':
		return true
	case '/':
		return i+1 < len(content) && content[i+1] == '/'
	}
	return escapedNewline(content, i)
}

// wordWithinLines reports one of words (lower case) within n lines of the
// key at [start, end), or on its own line.
func wordWithinLines(content []byte, start, end, n int, words []string) bool {
	lo := start
	for k := 0; k <= n && lo > 0; k++ {
		i := bytes.LastIndexByte(content[max(0, lo-1024):lo], '\n')
		if i < 0 {
			lo = max(0, lo-1024)
			break
		}
		lo = max(0, lo-1024) + i
	}
	hi := end
	for k := 0; k <= n && hi < len(content); k++ {
		i := bytes.IndexByte(content[hi+1:min(len(content), hi+1+1024)], '\n')
		if i < 0 {
			hi = min(len(content), hi+1+1024)
			break
		}
		hi = hi + 1 + i
	}
	return containsAnyString(asciiLower(content[lo:hi]), words)
}

// onCommentLine reports whether the line holding off starts (after
// blanks) with a comment marker: #, //, /*, *, --, ;, <!--, %, or REM.
func onCommentLine(content []byte, off int) bool {
	ls, _ := lineBounds(content, off, 1024)
	line := bytes.TrimLeft(content[ls:off], " \t")
	for _, m := range commentMarkers {
		if bytes.HasPrefix(line, m) {
			return true
		}
	}
	return false
}

// sampleWords, before a value on a comment line, say the value is shown,
// not used.
var sampleWords = []string{"e.g.", "eg.", "e.g ", "format", "looks like", "look like", "such as", "for example",
	"sample", "like:", "like this", "i.e."}

func lineStart(content []byte, off int) int {
	s, _ := lineBounds(content, off, 1024)
	return s
}

// vendoredPath reports paths of third-party code bundled into a
// repository.
func vendoredPath(p string) bool {
	p = "/" + strings.ToLower(filepath.ToSlash(p))
	for _, d := range []string{"/node_modules/", "/.yarn/releases/", "/.yarn/plugins/", "/vendor/", "/third_party/", "/bower_components/"} {
		if strings.Contains(p, d) {
			return true
		}
	}
	return strings.HasSuffix(p, ".min.js") || strings.HasSuffix(p, ".pnp.cjs") || strings.HasSuffix(p, ".bundle.js")
}

var commentMarkers = [][]byte{[]byte("#"), []byte("//"), []byte("/*"), []byte("*"), []byte("--"), []byte(";"),
	[]byte("<!--"), []byte("%"), []byte("REM "), []byte("rem ")}

// codeExts are languages whose string literals are quoted: there, an
// unquoted value in a declaration (`const apiKey = usesExplicitSigV4Auth`)
// is an expression. Other unquoted values in source files stay values:
// configuration text embedded in strings and heredocs (`export
// OPENAI_API_KEY=…`, `client_secret: …` in a test's input).
var codeExts = map[string]bool{}

func init() {
	for _, e := range strings.Fields(`.py .pyi .js .mjs .cjs .ts .mts .cts .tsx .jsx .go .java .kt .kts .cs .fs .vb .rb .php
		.rs .swift .dart .scala .groovy .c .h .cc .cpp .cxx .hpp .m .mm .lua .r .ex .exs .erl .clj .hs .ml .jl .vue .svelte .astro`) {
		codeExts[e] = true
	}
}

// declKeywords start a declaration whose right-hand side is code, at the
// start of a line or after a blank.
var declKeywords = func() (out [][]byte) {
	for _, k := range strings.Fields("const let var val final static private public protected readonly") {
		out = append(out, []byte(k+" "), []byte(" "+k+" "))
	}
	return out
}()

// unquotedCodeValue reports an unquoted value at start, in a source file,
// on a line that declares a variable.
func unquotedCodeValue(c *scanCtx, start int) bool {
	if !codeExts[filepath.Ext(c.base)] {
		return false
	}
	if _, quote := assignmentBefore(c.content, start); quote != 0 {
		return false
	}
	line := bytes.TrimLeft(c.content[lineStart(c.content, start):start], " \t")
	for i := 0; i < len(declKeywords); i += 2 {
		if bytes.HasPrefix(line, declKeywords[i]) || bytes.Contains(line, declKeywords[i+1]) {
			return true
		}
	}
	return false
}

// separatorHeavy recognises text cut into short segments — a list of
// locale tags in a binary's strings (`pa-arab-pkpa-inpap-029pl-…` is a
// voyage-shaped "key"), kebab-case slugs — in a body whose characters
// may include '-' and '_'. A random base64url body holds one of them
// every 32 characters; five or more, at one per eight characters or
// denser, with no segment longer than six, is text (TestRandomKeysFound
// bounds what it costs). UUIDs (four dashes) stay keys.
func separatorHeavy(body []byte) bool {
	seps, seg, longest := 0, 0, 0
	for _, c := range body {
		if c == '-' || c == '_' {
			seps++
			seg = 0
			continue
		}
		seg++
		longest = max(longest, seg)
	}
	return seps >= 5 && 8*seps >= len(body) && longest <= 6
}

// keywordLen is the length of the prefix rule's keyword that key starts
// with (0 for context rules, whose keywords are names near the key).
func keywordLen(r *rule, key []byte) int {
	if r.context != nil {
		return 0
	}
	n := 0
	for _, k := range r.keywords {
		if len(k) > n && bytes.HasPrefix(key, []byte(k)) {
			n = len(k)
		}
	}
	return n
}
