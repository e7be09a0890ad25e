package diagnostics

import (
	"bytes"
	"testing"
)

// The prefilter finds every place a rule could start: the case-sensitive
// trigger literals ("sk-", "gsk_", "AIza" …) and the case-insensitive
// context words ("mistral", "api_key" …). BenchmarkPrefilter compares three
// ways to do that on the same inputs; each counts the hits so the work
// cannot be optimised away, and TestPrefilterAlternativesAgree checks they
// find the same positions.
//
// Measured on the 2-core dev box, Go 1.26, two runs each
// (go test -run='^$' -bench=Prefilter -count=2 ./diagnostics/):
//
//	                        1,000 lines     500 KB minified
//	pair table (chosen)     0.13-0.17 ms    1.3-1.6 ms
//	Aho-Corasick (dense)    0.32-0.33 ms    2.8 ms
//	bytes.Index per literal 0.97-1.25 ms    9.6-11 ms
//
// bytes.Index is SIMD-fast for one literal but makes one pass per literal
// (about 70, many with common first bytes such as "co" or "st") plus a
// lower-cased copy for the context words. A dense Aho-Corasick DFA makes one
// pass but needs two states per byte (raw for triggers, folded for words)
// and its 1 KB state rows spread over hundreds of cache lines. The two-byte
// table is one load per byte from a few hot lines and rejects almost every
// position, so the detector uses it (detector.go, Detector.pairs).

// prefilterHitsPairTable is the detector's own loop, reduced to counting.
func prefilterHitsPairTable(d *Detector, content []byte) []int {
	var hits []int
	for i := 0; i+1 < len(content); i++ {
		flags := d.pairs[uint16(content[i])<<8|uint16(content[i+1])]
		if flags == 0 {
			continue
		}
		hit := false
		if flags&1 != 0 {
			for _, ti := range d.byFirst[content[i]] {
				if bytes.HasPrefix(content[i:], d.triggers[ti].lit) {
					hit = true
				}
			}
		}
		if flags&2 != 0 {
			for _, wi := range d.wordFirst[lowerByte(content[i])] {
				if hasPrefixFold(content[i:], d.words[wi].lit) {
					hit = true
				}
			}
		}
		if hit {
			hits = append(hits, i)
		}
	}
	return hits
}

// prefilterHitsIndex runs bytes.Index once per literal over the document
// (and over a lowered copy for the case-insensitive words).
func prefilterHitsIndex(d *Detector, content []byte) []int {
	seen := make([]bool, len(content))
	find := func(doc, lit []byte) {
		for off := 0; ; {
			i := bytes.Index(doc[off:], lit)
			if i < 0 {
				return
			}
			seen[off+i] = true
			off += i + 1
		}
	}
	for _, t := range d.triggers {
		find(content, t.lit)
	}
	lower := asciiLower(content)
	for _, w := range d.words {
		find(lower, w.lit)
	}
	return marked(seen)
}

// ahoCorasick is a dense DFA over the triggers (case-sensitive) and the
// words (matched on lower-cased input bytes, so every state has 256 rows).
type ahoCorasick struct {
	next [][256]int32
	// outs are the literals ending in each state (its own and, through the
	// failure links, its suffixes').
	outs [][]acOut
}

type acOut struct {
	depth int32 // the literal's length
	fold  bool  // a word (case-insensitive), not a trigger
}

func newAhoCorasick(d *Detector) *ahoCorasick {
	ac := &ahoCorasick{next: make([][256]int32, 1), outs: make([][]acOut, 1)}
	add := func(lit []byte, fold bool) {
		s := int32(0)
		for _, c := range lit {
			if ac.next[s][c] == 0 {
				ac.next = append(ac.next, [256]int32{})
				ac.outs = append(ac.outs, nil)
				ac.next[s][c] = int32(len(ac.next) - 1)
			}
			s = ac.next[s][c]
		}
		ac.outs[s] = append(ac.outs[s], acOut{int32(len(lit)), fold})
	}
	for _, t := range d.triggers {
		add(t.lit, false)
	}
	for _, w := range d.words {
		add(w.lit, true)
	}
	// Breadth-first failure links, folded into the transition table.
	fail := make([]int32, len(ac.next))
	var queue []int32
	for c := 0; c < 256; c++ {
		if s := ac.next[0][c]; s != 0 {
			queue = append(queue, s)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		ac.outs[s] = append(ac.outs[s], ac.outs[fail[s]]...)
		for c := 0; c < 256; c++ {
			if t := ac.next[s][c]; t != 0 {
				fail[t] = ac.next[fail[s]][c]
				queue = append(queue, t)
			} else {
				ac.next[s][c] = ac.next[fail[s]][c]
			}
		}
	}
	return ac
}

// hits runs two DFA states in one pass: one over the raw bytes for the
// triggers, one over lower-cased bytes for the words.
func (ac *ahoCorasick) hits(content []byte) []int {
	seen := make([]bool, len(content))
	var raw, low int32
	for i, c := range content {
		raw = ac.next[raw][c]
		for _, o := range ac.outs[raw] {
			if !o.fold {
				seen[i+1-int(o.depth)] = true
			}
		}
		low = ac.next[low][lowerByte(c)]
		for _, o := range ac.outs[low] {
			if o.fold {
				seen[i+1-int(o.depth)] = true
			}
		}
	}
	return marked(seen)
}

func marked(seen []bool) []int {
	var out []int
	for i, ok := range seen {
		if ok {
			out = append(out, i)
		}
	}
	return out
}

func TestPrefilterAlternativesAgree(t *testing.T) {
	d := Default
	ac := newAhoCorasick(d)
	for name, content := range map[string][]byte{
		"source":   sourceFile(300),
		"minified": minifiedJS(20 << 10),
		"mixed":    []byte("Mistral key: sk-proj-x gsk_ AIza OPENAI_API_KEY=sk-ant-api03- azure fal_key"),
	} {
		// Drop word boundaries from the pair-table count: the detector
		// checks them after the hit, the alternatives don't.
		want := prefilterHitsPairTable(d, content)
		for alt, got := range map[string][]int{"bytes.Index": prefilterHitsIndex(d, content), "aho-corasick": ac.hits(content)} {
			if len(got) != len(want) {
				t.Errorf("%s: %s found %d hits, pair table %d", name, alt, len(got), len(want))
				continue
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s: %s hit %d at %d, pair table at %d", name, alt, i, got[i], want[i])
					break
				}
			}
		}
	}
}

func BenchmarkPrefilter(b *testing.B) {
	d := Default
	ac := newAhoCorasick(d)
	inputs := []struct {
		name    string
		content []byte
	}{{"1000Lines", sourceFile(1000)}, {"Minified500KB", minifiedJS(500 << 10)}}
	for _, in := range inputs {
		b.Run(in.name+"/pairTable", func(b *testing.B) {
			b.SetBytes(int64(len(in.content)))
			for b.Loop() {
				prefilterHitsPairTable(d, in.content)
			}
		})
		b.Run(in.name+"/bytesIndex", func(b *testing.B) {
			b.SetBytes(int64(len(in.content)))
			for b.Loop() {
				prefilterHitsIndex(d, in.content)
			}
		})
		b.Run(in.name+"/ahoCorasick", func(b *testing.B) {
			b.SetBytes(int64(len(in.content)))
			for b.Loop() {
				ac.hits(in.content)
			}
		})
	}
}
