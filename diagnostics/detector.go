package diagnostics

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"sort"
	"strings"
)

// Detector finds keys in documents. It is safe for concurrent use: all its
// state is built once by New.
type Detector struct {
	opts Options
	// triggers are the case-sensitive literals the prefilter looks for; a
	// literal that another one starts with ("sk-proj-" and "sk-") is folded
	// into the shorter, so one hit wakes every rule that could match there.
	triggers []trigger
	// words are the case-insensitive context words (lower case), each with
	// the context rules it wakes.
	words []contextWord
	// pairs is the prefilter (chosen over Aho–Corasick and per-literal
	// bytes.Index by BenchmarkPrefilter; numbers in prefilter_bench_test.go):
	// for each two-byte sequence, whether a trigger
	// (bit 1) or, ignoring case, a context word (bit 2) starts with it. One
	// table lookup per byte rejects almost every position; a multi-pattern
	// automaton (Aho–Corasick) would do the same work with more state per
	// byte, and bytes.Index per literal costs one pass per literal.
	pairs     [1 << 16]uint8
	byFirst   [256][]int // trigger indices by first byte
	wordFirst [256][]int // word indices by lower-case first byte
	// pairsLE is the table the finder reads: indexed by the pair as a
	// little-endian uint16 (first byte low), so the pairs of an 8-byte load
	// are its 16-bit windows. Bit 0 says a trigger starts with the pair;
	// the other bits number the group of context words that start with it
	// ignoring case (wordGroups), so a hit checks one to four words, not
	// every word with the same first letter.
	pairsLE    [1 << 16]uint8
	wordGroups [][]int
	// ownedWords (lower case) name a provider: a value assigned to
	// mistral_token that the Mistral rule rejected is a malformed Mistral
	// key, not some other service's, so the generic rule leaves it alone.
	// ownedPrefixes are the prefix rules' keywords, for the same reason.
	ownedWords    []string
	ownedPrefixes []string
}

type trigger struct {
	lit   []byte
	rules []*rule
}

type contextWord struct {
	lit    []byte
	rules  []*rule
	window int    // the widest window of its rules
	fold4  uint32 // its first four bytes, little-endian, each ORed with 0x20
}

// Options tune a Detector.
type Options struct {
	// DisableClientSide turns client-side findings into plain hardcoded-key ones.
	DisableClientSide bool
	// PrefixOnly runs the prefix rules only (no context or generic rules,
	// whose hits in decoded or binary data would be noise).
	PrefixOnly bool
	// Binary is PrefixOnly for the printable runs of binary files
	// (compiled Python, Java classes), where a key may also touch the
	// bytes around it: they are a length or type byte there.
	Binary bool
	// LineContext fills each finding's Context with the key's line, for a
	// caller that probes the keys it finds (`keyguard scan --verify`):
	// off by default, since a scan of 100,000 findings would otherwise
	// hold up to 1 KB more for each.
	LineContext bool
}

// New builds a Detector over the built-in rule table.
func New(opts Options) *Detector {
	d := &Detector{opts: opts}
	var lits []string
	for _, r := range rules {
		if r.context == nil {
			lits = append(lits, r.keywords...)
		}
	}
	sort.Strings(lits)
	var roots []string
	for _, l := range lits {
		if len(roots) > 0 && strings.HasPrefix(l, roots[len(roots)-1]) {
			continue
		}
		roots = append(roots, l)
	}
	for _, root := range roots {
		t := trigger{lit: []byte(root)}
		for _, r := range rules {
			if r.context != nil {
				continue
			}
			for _, k := range r.keywords {
				if strings.HasPrefix(k, root) {
					t.rules = append(t.rules, r)
					break
				}
			}
		}
		d.byFirst[root[0]] = append(d.byFirst[root[0]], len(d.triggers))
		d.pairs[uint16(root[0])<<8|uint16(root[1])] |= 1
		d.triggers = append(d.triggers, t)
	}
	for _, r := range rules {
		// Azure keys also come as 84 characters (AI Services keys), which
		// the 32-hex rule does not know: the generic rule still looks at
		// values under azure names.
		if r.provider == "generic" || r.provider == "azure-openai" {
			continue
		}
		if r.context == nil {
			d.ownedPrefixes = append(d.ownedPrefixes, r.keywords...)
		} else {
			for _, w := range r.context {
				d.ownedWords = append(d.ownedWords, strings.ToLower(w))
			}
		}
		if len(r.provider) >= 4 { // not "fal": "fallback_token"
			d.ownedWords = append(d.ownedWords, r.provider)
		}
	}
	byWord := map[string][]*rule{}
	var order []string
	for _, r := range rules {
		if opts.PrefixOnly || opts.Binary {
			break // no context words: prefix rules only
		}
		for _, w := range r.context {
			w = strings.ToLower(w)
			if _, ok := byWord[w]; !ok {
				order = append(order, w)
			}
			byWord[w] = append(byWord[w], r)
		}
	}
	for _, w := range order {
		d.wordFirst[w[0]] = append(d.wordFirst[w[0]], len(d.words))
		for _, a := range caseVariants(w[0]) {
			for _, b := range caseVariants(w[1]) {
				d.pairs[uint16(a)<<8|uint16(b)] |= 2
			}
		}
		if len(w) < 4 {
			panic("diagnostics: context word shorter than 4 bytes: " + w)
		}
		d.words = append(d.words, contextWord{lit: []byte(w), rules: byWord[w], window: maxWindow(byWord[w]),
			fold4: binary.LittleEndian.Uint32([]byte(w)) | 0x20202020})
	}
	for _, t := range d.triggers {
		d.pairsLE[uint16(t.lit[0])|uint16(t.lit[1])<<8] |= 1
	}
	d.wordGroups = [][]int{nil} // group 0: no word
	group := map[string]uint8{}
	for wi, w := range d.words {
		key := string(w.lit[:2])
		g, ok := group[key]
		if !ok {
			g = uint8(len(d.wordGroups))
			if g >= 128 {
				panic("diagnostics: more than 127 context word pairs")
			}
			group[key] = g
			d.wordGroups = append(d.wordGroups, nil)
		}
		d.wordGroups[g] = append(d.wordGroups[g], wi)
		for _, a := range caseVariants(w.lit[0]) {
			for _, b := range caseVariants(w.lit[1]) {
				d.pairsLE[uint16(a)|uint16(b)<<8] |= g << 1
			}
		}
	}
	return d
}

func caseVariants(c byte) []byte {
	if c >= 'a' && c <= 'z' {
		return []byte{c, c - 'a' + 'A'}
	}
	return []byte{c}
}

// Default is a Detector with default options.
var Default = New(Options{})

// scanCtx is the state of one Scan call.
type scanCtx struct {
	d       *Detector
	path    string
	base    string // lower-case base name
	content []byte
}

// candidate is a key a rule matched, before filters.
type candidate struct {
	start, end int
	rule       *rule
	order      int // the rule's index in the table: the tie-breaker
}

// Scan returns the keys in content, in order of offset. path decides the
// context: `.env` files yield only keys in client-exposed variables
// (NEXT_PUBLIC_…: they end up in the browser bundle) since envscan owns the
// rest, except `.env.example`/`.env.sample`, which are committed and scanned
// in full; client-side files (.jsx .tsx .vue .svelte .html) and
// NEXT_PUBLIC_/VITE_ variables yield CodeClientSideKey findings. Path may be
// empty or a bare file name.
func (d *Detector) Scan(path string, content []byte) []Finding {
	c := &scanCtx{d: d, path: path, base: strings.ToLower(filepath.Base(filepath.ToSlash(path))), content: content}
	envFile := isEnvFile(c.base)

	cands := d.candidates(c)
	if len(cands) == 0 {
		return nil
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].start != cands[j].start {
			return cands[i].start < cands[j].start
		}
		return cands[i].order < cands[j].order
	})

	// Spans a provider rule matched, even if a filter then dropped the
	// match: the generic rule must not report a Maps key that the Gemini
	// rule deliberately let go.
	var claimed [][2]int
	for _, cand := range cands {
		if cand.rule.provider != "generic" {
			claimed = append(claimed, [2]int{cand.start, cand.end})
		}
	}

	var idx *LineIndex
	var out []Finding
	lastEnd := -1
	clientFile := !d.opts.DisableClientSide && isClientSideFile(c.base)
	for _, cand := range cands {
		if cand.start < lastEnd {
			continue // overlaps a key already reported
		}
		if cand.rule.provider == "generic" && overlapsAny(claimed, cand.start, cand.end) {
			continue
		}
		if !d.accept(c, cand) {
			continue
		}
		lastEnd = cand.end
		key := string(content[cand.start:cand.end])
		varName := assignedName(content, cand.start)
		clientSide := clientFile || (!d.opts.DisableClientSide && isClientSideVar(varName))
		if envFile && !clientSide {
			continue
		}
		if idx == nil {
			idx = NewLineIndex(content)
		}
		l0, c0 := idx.Position(cand.start)
		l1, c1 := idx.Position(cand.end)
		f := Finding{
			Path: path, Start: cand.start, End: cand.end,
			Line: l0 + 1, Column: c0 + 1, EndLine: l1 + 1, EndColumn: c1 + 1,
			Provider: cand.rule.provider, Rule: cand.rule.id, Format: cand.rule.id,
			Code: CodeHardcodedKey, Severity: cand.rule.severity,
			Secret: Mask(key), Fingerprint: Fingerprint(key),
			VarName: varName, Key: key,
		}
		if d.opts.LineContext {
			f.Context = LineAround(content, cand.start)
		}
		if clientSide {
			f.Code, f.Rule, f.Severity = CodeClientSideKey, string(CodeClientSideKey), SeverityError
		}
		out = append(out, f)
	}
	return out
}

// candidates runs the prefilter and the rules around each of its hits.
func (d *Detector) candidates(c *scanCtx) []candidate {
	var cands []candidate
	content := c.content
	// wordSpans[i] are the merged windows around the hits of word i.
	var wordSpans [][][2]int
	n := len(content)
	i := 0
	// Seven positions per step: one 8-byte load holds the seven pairs that
	// start in its first seven bytes, and pairIndex(x>>8j) is pair j. The
	// flags of all seven are ORed so that text without a hit costs one
	// branch per seven bytes; a block with a hit is looked at pair by pair.
	for ; i+8 <= n; i += 7 {
		x := binary.LittleEndian.Uint64(content[i:])
		p := &d.pairsLE
		if p[uint16(x)]|p[uint16(x>>8)]|p[uint16(x>>16)]|p[uint16(x>>24)]|
			p[uint16(x>>32)]|p[uint16(x>>40)]|p[uint16(x>>48)] == 0 {
			continue
		}
		for j := i; j < i+7; j++ {
			if f := p[uint16(x>>(8*(j-i)))]; f != 0 {
				cands = d.hit(c, j, f, cands, &wordSpans)
			}
		}
	}
	for ; i+1 < n; i++ {
		if f := d.pairsLE[uint16(content[i])|uint16(content[i+1])<<8]; f != 0 {
			cands = d.hit(c, i, f, cands, &wordSpans)
		}
	}
	for wi, spans := range wordSpans {
		for _, sp := range spans {
			cands = d.contextCandidates(c, d.words[wi].rules, sp[0], sp[1], cands)
		}
	}
	return append(cands, zhipuCandidates(c)...)
}

// hit runs the triggers and context words that may start at i, whose pair
// has the prefilter flags f (see Detector.pairsLE).
func (d *Detector) hit(c *scanCtx, i int, f uint8, cands []candidate, wordSpans *[][][2]int) []candidate {
	content := c.content
	if f&1 != 0 && (i == 0 || !isWordByte(content[i-1]) || d.opts.Binary) { // not glued to a word: "disk-…", "wordgsk_…"
		for _, ti := range d.byFirst[content[i]] {
			t := &d.triggers[ti]
			if !bytes.HasPrefix(content[i:], t.lit) {
				continue
			}
			for _, r := range t.rules {
				// The trigger is the shortest keyword ("sk-"); run only
				// the rules whose own keyword is here too ("sk-ant-api").
				if len(t.rules) > 1 && !hasAnyPrefix(content[i:], r.keywords) {
					continue
				}
				if !runAtLeast(content[i:], r.minLen, r.runBytes) {
					continue
				}
				end := min(i+r.maxLen+1, len(content))
				if r.inner != nil && !bytes.Contains(content[i:end], r.inner) {
					continue
				}
				if m := r.re.FindIndex(content[i:end]); m != nil {
					cands = append(cands, candidate{start: i, end: i + m[1], rule: r, order: ruleOrder[r]})
				}
			}
		}
	}
	if g := f >> 1; g != 0 {
		// ORing 0x20 into each byte lowers ASCII letters (and maps a few
		// other bytes onto each other): four bytes of the text that differ
		// from the word's first four that way cannot be the word.
		var x4 uint32
		if i+4 <= len(content) {
			x4 = binary.LittleEndian.Uint32(content[i:]) | 0x20202020
		}
		for _, wi := range d.wordGroups[g] {
			w := &d.words[wi]
			if x4 != w.fold4 || !hasPrefixFold(content[i:], w.lit) {
				continue
			}
			if *wordSpans == nil {
				*wordSpans = make([][][2]int, len(d.words))
			}
			// The window reaches win bytes past the word plus room for
			// the longest value, so a key that starts inside it is whole.
			win := w.window
			s, e := max(0, i-win), min(len(content), i+len(w.lit)+win+maxContextValue)
			spans := (*wordSpans)[wi]
			if n := len(spans); n > 0 && s <= spans[n-1][1] {
				spans[n-1][1] = max(spans[n-1][1], e)
			} else {
				spans = append(spans, [2]int{s, e})
			}
			(*wordSpans)[wi] = spans
		}
	}
	return cands
}

// minValueToken is the shortest run of value characters a context rule
// looks at: the shortest such key (a fireworks-length value) is longer.
const minValueToken = 16

// contextCandidates tries the context rules on each long token in
// content[lo:hi] that is the value of an assignment.
func (d *Detector) contextCandidates(c *scanCtx, rs []*rule, lo, hi int, cands []candidate) []candidate {
	content := c.content
	// A token of minValueToken value bytes that starts at or after lo and
	// fits before hi covers position p = its start + minValueToken-1, so
	// the loop probes every minValueToken-th byte: a probe on a non-value
	// byte rules out every token covering it, and one on a value byte looks
	// back to the nearest non-value byte, after which the next token can
	// start at the earliest.
	for p := lo + minValueToken - 1; p < hi; {
		if !isValueByte(content[p]) {
			p += minValueToken
			continue
		}
		start := p
		for start > lo && isValueByte(content[start-1]) {
			start--
		}
		if p-start+1 < minValueToken && start > lo {
			// A non-value byte at start-1 inside the window: no token
			// reaches back to lo from here.
			p = start - 1 + minValueToken
			continue
		}
		if start == lo && lo > 0 && isValueByte(content[lo-1]) {
			// The run began before the window: not a token here (the
			// window of the word that covers its start finds it).
			i := p
			for i < hi && isValueByte(content[i]) {
				i++
			}
			p = i + minValueToken
			continue
		}
		i := p
		for i < hi && isValueByte(content[i]) {
			i++
		}
		p = i + minValueToken
		if i-start < minValueToken {
			continue
		}
		name, quote := assignmentBefore(content, start)
		if name == nil {
			continue
		}
		for _, r := range rs {
			if r.quoted && quote == 0 && !r.unquotedAtEOL {
				continue
			}
			if !containsAnyString(name, r.nameWords) {
				continue
			}
			if !runAtLeast(content[start:], r.minLen, r.runBytes) {
				continue
			}
			m := r.re.FindIndex(content[start:min(len(content), start+maxContextValue)])
			if m == nil {
				continue
			}
			end := start + m[1]
			if r.quoted && quote != 0 && !closesQuote(content, end, quote) {
				continue
			}
			if r.quoted && quote == 0 && !unquotedValueOK(content, start, end) {
				continue
			}
			cands = append(cands, candidate{start: start, end: end, rule: r, order: ruleOrder[r]})
		}
	}
	return cands
}

// maxContextValue bounds the length of a context rule's value.
const maxContextValue = 256

func hasAnyPrefix(b []byte, prefixes []string) bool {
	for _, p := range prefixes {
		if len(b) >= len(p) && string(b[:len(p)]) == p {
			return true
		}
	}
	return false
}

func overlapsAny(spans [][2]int, start, end int) bool {
	for _, s := range spans {
		if s[0] < end && start < s[1] {
			return true
		}
	}
	return false
}

func maxWindow(rs []*rule) int {
	w := 0
	for _, r := range rs {
		if r.window > w {
			w = r.window
		}
	}
	return w
}

// accept applies the filters shared by all rules, then the rule's own.
func (d *Detector) accept(c *scanCtx, cand candidate) bool {
	content := c.content
	if cand.end < len(content) && isKeyByte(content[cand.end]) && !d.opts.Binary {
		return false // glued to more key characters: not this key
	}
	key := content[cand.start:cand.end]
	r := cand.rule
	if entropy(key) < r.minEntropy {
		return false
	}
	if !r.keepPlaceholders && isPlaceholder(key) {
		return false
	}
	if separatorHeavy(key[keywordLen(r, key):]) {
		return false
	}
	// Weak shapes: what a person typed (sequences, keyboard rows, words
	// and numbers) is a test value or a name, not an issued key.
	if r.sequential && (hasSequence(key, 6) || hasKeyboardRun(key, 6) || wordBuilt(key)) {
		return false
	}
	if r.valuePosition && !inValuePosition(content, cand.start, cand.end) {
		return false
	}
	if (r.valuePosition || r.unquotedAtEOL) && unquotedCodeValue(c, cand.start) {
		return false
	}
	if r.nearLines > 0 && !wordWithinLines(content, cand.start, cand.end, r.nearLines, r.context) {
		return false
	}
	if r.nearAlso != nil && !wordWithinLines(content, cand.start, cand.end, r.nearLines, r.nearAlso) {
		return false
	}
	if r.check != nil && !r.check(c, cand.start, cand.end) {
		return false
	}
	if inDocsURL(content, cand.start) {
		return false
	}
	return !allowed(content, cand.start)
}

var ruleOrder = func() map[*rule]int {
	m := make(map[*rule]int, len(rules))
	for i, r := range rules {
		m[r] = i
	}
	return m
}()

// Match is what Identify learns about a bare value.
type Match struct {
	Provider string // provider id
	Rule     string // key-format rule id
}

// Identify tells which provider's key format value has, for values that are
// a key and nothing else (a .env value). Placeholders and low-entropy values
// are not keys. Formats that need a provider's name nearby (Mistral, Azure …)
// are recognised only through IdentifyVar.
func (d *Detector) Identify(value string) (Match, bool) {
	return d.IdentifyVar("", value)
}

// IdentifyVar is Identify for a value assigned to the variable name, which
// gives context rules the provider's name (MISTRAL_API_KEY=…).
func (d *Detector) IdentifyVar(name, value string) (Match, bool) {
	if value == "" || len(value) > 4096 {
		return Match{}, false
	}
	prefix := ""
	if name != "" {
		prefix = name + "="
	}
	text := prefix + value
	for _, f := range d.Scan("", []byte(text)) {
		if f.Start == len(prefix) && f.End == len(text) {
			return Match{Provider: f.Provider, Rule: f.Format}, true
		}
	}
	return Match{}, false
}

// isEnvFile reports whether base (lower case) is a dotenv file whose keys are
// envscan's business: .env, .env.local, .env.production … but not the
// committed templates.
func isEnvFile(base string) bool {
	if base != ".env" && !strings.HasPrefix(base, ".env.") {
		return false
	}
	switch base {
	case ".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults", ".env.schema":
		return false
	}
	return true
}

// IsEnvFile reports whether path names a dotenv file with real values (not a
// committed template such as .env.example).
func IsEnvFile(path string) bool {
	return isEnvFile(strings.ToLower(filepath.Base(filepath.ToSlash(path))))
}

var clientSideExts = map[string]bool{".jsx": true, ".tsx": true, ".vue": true, ".svelte": true, ".html": true, ".htm": true, ".astro": true}

func isClientSideFile(base string) bool { return clientSideExts[filepath.Ext(base)] }

// Variables whose values bundlers inline into browser code.
var clientSidePrefixes = []string{"NEXT_PUBLIC_", "VITE_", "REACT_APP_", "EXPO_PUBLIC_", "NUXT_PUBLIC_", "PUBLIC_", "GATSBY_", "VUE_APP_"}

func isClientSideVar(name string) bool {
	for _, p := range clientSidePrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// PrefilterLiterals returns what the finder's prefilter looks for: the
// case-sensitive literals keys start with ("sk-", "gsk_" …) and the context
// words matched ignoring case ("mistral", "api_key" …). scripts/bench-scan
// hands the same literals to ripgrep, so the comparison is like for like.
// (Zhipu keys, found by their shape, have no literal and are not in it.)
func (d *Detector) PrefilterLiterals() (prefixes, words []string) {
	for _, t := range d.triggers {
		prefixes = append(prefixes, string(t.lit))
	}
	for _, w := range d.words {
		words = append(words, string(w.lit))
	}
	return prefixes, words
}
