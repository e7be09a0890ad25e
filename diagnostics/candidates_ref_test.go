package diagnostics

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The candidate finder (Detector.candidates) is tuned for speed: SIMD
// skips, run checks derived from each rule's regexp, token skipping in the
// context windows. refCandidates is the straightforward version it
// replaced (commit 8bb98c8), kept as an oracle: every test below asserts
// that both produce exactly the same candidates, so a speed-up cannot
// change what the detector reports.

func refCandidates(d *Detector, c *scanCtx) []candidate {
	var cands []candidate
	content := c.content
	wordSpans := make([][][2]int, len(d.words))
	for i := 0; i+1 < len(content); i++ {
		flags := d.pairs[uint16(content[i])<<8|uint16(content[i+1])]
		if flags == 0 {
			continue
		}
		if flags&1 != 0 && (i == 0 || !isWordByte(content[i-1])) {
			for _, ti := range d.byFirst[content[i]] {
				t := &d.triggers[ti]
				if !bytes.HasPrefix(content[i:], t.lit) {
					continue
				}
				for _, r := range t.rules {
					if len(t.rules) > 1 && !hasAnyPrefix(content[i:], r.keywords) {
						continue
					}
					end := min(i+r.maxLen+1, len(content))
					if m := r.re.FindIndex(content[i:end]); m != nil {
						cands = append(cands, candidate{start: i, end: i + m[1], rule: r, order: ruleOrder[r]})
					}
				}
			}
		}
		if flags&2 != 0 {
			for _, wi := range d.wordFirst[lowerByte(content[i])] {
				w := &d.words[wi]
				if !hasPrefixFold(content[i:], w.lit) {
					continue
				}
				win := maxWindow(w.rules)
				s, e := max(0, i-win), min(len(content), i+len(w.lit)+win+maxContextValue)
				spans := wordSpans[wi]
				if n := len(spans); n > 0 && s <= spans[n-1][1] {
					spans[n-1][1] = max(spans[n-1][1], e)
				} else {
					spans = append(spans, [2]int{s, e})
				}
				wordSpans[wi] = spans
			}
		}
	}
	for wi, spans := range wordSpans {
		for _, sp := range spans {
			cands = refContextCandidates(c, d.words[wi].rules, sp[0], sp[1], cands)
		}
	}
	return append(cands, refZhipuCandidates(c)...)
}

func refContextCandidates(c *scanCtx, rs []*rule, lo, hi int, cands []candidate) []candidate {
	content := c.content
	for i := lo; i < hi; {
		if !isValueByte(content[i]) {
			i++
			continue
		}
		start := i
		for i < hi && isValueByte(content[i]) {
			i++
		}
		if i-start < minValueToken || (start > 0 && isValueByte(content[start-1])) {
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

func refZhipuCandidates(c *scanCtx) []candidate {
	var out []candidate
	content := c.content
	for off := 0; off < len(content); {
		i := bytes.IndexByte(content[off:], '.')
		if i < 0 {
			break
		}
		dot := off + i
		off = dot + 1
		start := dot - 32
		if start < 0 || !isHexLower(content[dot-1]) {
			continue
		}
		if start > 0 && isKeyByte(content[start-1]) {
			continue
		}
		end := dot + 17
		if end > len(content) {
			continue
		}
		if m := zhipu.re.FindIndex(content[start:end]); m != nil {
			out = append(out, candidate{start: start, end: start + m[1], rule: zhipu, order: ruleOrder[zhipu]})
		}
	}
	return out
}

// candidateSet renders candidates sorted and deduplicated (the same token
// may be found through two words of one rule; Scan drops the repeat).
func candidateSet(cs []candidate) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range cs {
		s := fmt.Sprintf("%d-%d %s", c.start, c.end, c.rule.id)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func checkSameCandidates(t testing.TB, name string, content []byte) {
	t.Helper()
	c := &scanCtx{d: Default, path: name, base: strings.ToLower(filepath.Base(name)), content: content}
	got, want := candidateSet(Default.candidates(c)), candidateSet(refCandidates(Default, c))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s: candidates differ from the reference\n got: %v\nwant: %v", name, got, want)
	}
}

// docFragments build adversarial documents: every trigger and context
// word in several spellings, assignment shapes, long tokens, dots, window
// edges, non-ASCII bytes.
func docFragments() []string {
	frags := []string{"\n", " ", "=", " = ", ": ", ":=", "=>", ",", "\"", "'", "`", ".", "-", "_", "\x00", "\xff", "…", "(", ")",
		"\t", "\r\n", "#", "//", "export ", "os.environ[\"", "\"]", "https://docs.example.com/?key=",
		"3494c505cf244a3fb17417d6894d404c", ".LLSZ2InjarUXEhNr", "0123456789abcdef0123456789abcdef",
		"Zq83kLmWp0x9RtYv2BnC7dFh4JsGa6Ue", "q8Zr2LwX9vKp4TnB7mYc1HsD6fJg3Ae5Hq5Tn2Wx8Kd4Pz7Lm1Rc6Vb9Gf3Js0Ya8Ne5Qu2Xo7Ti4",
		"befa7ec1-1129-4713-8e92-bb53d1a4f632", ":48299b8e125e5861715a35fc653a0855", "WSsDXzCD.uOcxAp7k82IvCKyY36TnpVbP4ZszP1qw",
		"T3BlbkFJ", "abcdef", "AAAA", "disk", "task", "false", "Stay", "COHERE", "Api_Key"}
	for _, t := range Default.triggers {
		frags = append(frags, string(t.lit))
	}
	for _, w := range Default.words {
		frags = append(frags, string(w.lit), strings.ToUpper(string(w.lit)))
	}
	for _, r := range rules {
		frags = append(frags, r.keywords...)
		frags = append(frags, r.tps...)
		frags = append(frags, r.fps...)
	}
	return frags
}

func randomDoc(r *rand.Rand, frags []string, n int) []byte {
	var b bytes.Buffer
	for b.Len() < n {
		switch r.Intn(6) {
		case 0:
			b.WriteString(randAlnum(r, 1+r.Intn(60)))
		case 1:
			b.WriteString(strings.Repeat(" ", r.Intn(800))) // window edges
		case 2:
			b.WriteString(randomAssignment(r))
		default:
			b.WriteString(frags[r.Intn(len(frags))])
		}
	}
	return b.Bytes()
}

// randomAssignment writes `name op "value"` with names and values the
// context rules look for, values of every length around the token minimum.
func randomAssignment(r *rand.Rand) string {
	names := []string{"api_key", "MISTRAL_TOKEN", "cohere secret", "azure_key", "xi_api_key", "ai21", "baseten_key",
		"FAL_KEY", "openai.api_key", "client_secret", "commit", "token_hash", "x", "auth", "NEXT_PUBLIC_OPENAI_KEY"}
	ops := []string{"=", " = ", ": ", ":=", " => ", ",", "="}
	quotes := []string{"", "\"", "'", "`"}
	hex := func(n int) string {
		const h = "0123456789abcdef"
		out := make([]byte, n)
		for i := range out {
			out[i] = h[r.Intn(16)]
		}
		return string(out)
	}
	values := []string{hex(32), randAlnum(r, 32), randAlnum(r, 40), randAlnum(r, 8) + "." + randAlnum(r, 32),
		hex(8) + "-" + hex(4) + "-" + hex(4) + "-" + hex(4) + "-" + hex(12), "sk-" + randAlnum(r, 48),
		hex(8) + "-" + hex(4) + "-" + hex(4) + "-" + hex(4) + "-" + hex(12) + ":" + hex(32), randAlnum(r, 14+r.Intn(50))}
	q := quotes[r.Intn(len(quotes))]
	return names[r.Intn(len(names))] + ops[r.Intn(len(ops))] + q + values[r.Intn(len(values))] + q + []string{"\n", " ", ";", ""}[r.Intn(4)]
}

func TestCandidatesMatchReference(t *testing.T) {
	for _, r := range rules {
		for _, s := range append(append([]string(nil), r.tps...), r.fps...) {
			checkSameCandidates(t, "example.txt", []byte(s))
		}
	}
	for _, fx := range loadPeerFixtures(t) {
		checkSameCandidates(t, fx.ID, []byte(fx.Text))
	}
	files, _ := filepath.Glob("testdata/fuzz/FuzzScan/*")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkSameCandidates(t, f, data) // the corpus file's text: a superset of the fuzz input
	}
	checkSameCandidates(t, "app.py", sourceFile(1000))
	checkSameCandidates(t, "bundle.min.js", minifiedJS(200<<10))
	r := rand.New(rand.NewSource(7))
	frags := docFragments()
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := 0; i < n; i++ {
		checkSameCandidates(t, "doc.txt", randomDoc(r, frags, 1+r.Intn(4000)))
	}
	// Every prefix of a dense document: edges at the end of the content.
	doc := randomDoc(r, frags, 1500)
	for i := 0; i <= len(doc); i++ {
		checkSameCandidates(t, "edge.txt", doc[:i])
	}
}

// FuzzCandidates compares the finder with the reference on any input.
func FuzzCandidates(f *testing.F) {
	frags := docFragments()
	r := rand.New(rand.NewSource(3))
	for i := 0; i < 20; i++ {
		f.Add(randomDoc(r, frags, 2000))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		checkSameCandidates(t, "fuzz.txt", content)
	})
}

// BenchmarkCandidatesTree times the finder on the files of a bench tree
// (scripts/benchtree) named by KEYGUARD_BENCH_TREE, one sub-directory at a
// time: where the scan's CPU goes, by kind of file.
func BenchmarkCandidatesTree(b *testing.B) {
	root := os.Getenv("KEYGUARD_BENCH_TREE")
	if root == "" {
		b.Skip("KEYGUARD_BENCH_TREE not set (a directory written by scripts/benchtree)")
	}
	for _, dir := range []string{"src", "web", "docs", "locks"} {
		var docs [][]byte
		var total int64
		filepath.Walk(filepath.Join(root, dir), func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				data, _ := os.ReadFile(p)
				docs = append(docs, data)
				total += int64(len(data))
			}
			return nil
		})
		b.Run(dir, func(b *testing.B) {
			b.SetBytes(total)
			for b.Loop() {
				for _, d := range docs {
					Default.Scan("x.js", d)
				}
			}
		})
	}
}
