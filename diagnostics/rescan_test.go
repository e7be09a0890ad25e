package diagnostics

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// rescanSnippets are lines a file may hold: every rule's true- and
// false-positive examples as assignments, context words, allow comments,
// docs URLs and filler, so that edits move keys in and out of each other's
// context.
func rescanSnippets() []string {
	var out []string
	for _, r := range rules {
		for _, tp := range r.tps {
			out = append(out, fmt.Sprintf("%s_key = \"%s\"\n", strings.ReplaceAll(r.provider, "-", "_"), tp))
			out = append(out, fmt.Sprintf("x = '%s'  # keyguard:allow\n", tp))
			out = append(out, "value = "+tp+"\n")
		}
		for _, fp := range r.fps {
			out = append(out, fmt.Sprintf("token = \"%s\"\n", fp))
		}
		for _, w := range r.context {
			out = append(out, "# "+w+" settings below\n")
		}
	}
	return append(out,
		"# keyguard:allow\n",
		"see https://docs.example.com/keys/\n",
		"MISTRAL_API_KEY = ",
		"\n",
		"def f(x):\n    return x * 2\n",
		strings.Repeat("filler text without secrets ", 40)+"\n",
	)
}

// TestRescanEqualsScan: after random edits to a large file, Rescan of the
// changed region gives exactly what a full Scan gives (every field), for
// single edits and for several merged into one region, as lsp merges the
// keystrokes that arrive between two scans.
func TestRescanEqualsScan(t *testing.T) {
	snips := rescanSnippets()
	rng := rand.New(rand.NewPCG(1, 2))
	d := Default
	changed := 0
	for round := range 300 {
		var b strings.Builder
		for b.Len() < rescanMinSize*3 {
			if rng.IntN(4) == 0 {
				b.WriteString(snips[rng.IntN(len(snips))])
			} else {
				fmt.Fprintf(&b, "line_%d = compute(%d, 'text')\n", b.Len(), rng.IntN(1000))
			}
		}
		path := []string{"app.py", "web/page.tsx", ".env.example", "notes.md"}[round%4]
		old := []byte(b.String())
		prev := d.Scan(path, old)
		text := old
		// One region [lo, hi) in text's offsets, and delta, over 1–4 edits.
		lo, hi, delta := -1, -1, 0
		for range 1 + rng.IntN(4) {
			s := rng.IntN(len(text))
			e := min(len(text), s+rng.IntN(300))
			if len(prev) > 0 && rng.IntN(2) == 0 { // around a key, where context matters
				s = min(len(text), max(0, prev[rng.IntN(len(prev))].Start+rng.IntN(2400)-1200))
				e = min(len(text), s+rng.IntN(40))
			}
			if lo >= 0 && rng.IntN(3) == 0 { // near the last edit, as typing is
				s = min(len(text), max(0, lo+rng.IntN(200)-100))
				e = min(len(text), s+rng.IntN(20))
			}
			ins := ""
			switch rng.IntN(4) {
			case 0:
			case 1:
				ins = snips[rng.IntN(len(snips))]
			case 2:
				ins = string("abcXYZ_=\"'\n #"[rng.IntN(13)])
			default:
				sn := snips[rng.IntN(len(snips))]
				ins = sn[:min(len(sn), 1+rng.IntN(8))]
			}
			nt := make([]byte, 0, len(text)-(e-s)+len(ins))
			nt = append(append(append(nt, text[:s]...), ins...), text[e:]...)
			dc := len(ins) - (e - s)
			if lo < 0 {
				lo, hi = s, s+len(ins)
			} else {
				nh := hi
				switch {
				case hi <= s:
				case hi <= e:
					nh = s + len(ins)
				default:
					nh = hi + dc
				}
				lo, hi = min(lo, s), max(nh, s+len(ins))
			}
			delta += dc
			text = nt
		}
		want := d.Scan(path, text)
		if !reflect.DeepEqual(want, prev) {
			changed++
		}
		got := d.Rescan(path, text, nil, prev, lo, hi, delta)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d (%s, region %d–%d, delta %d): Rescan found %d, Scan %d\nrescan: %v\nscan:   %v",
				round, path, lo, hi, delta, len(got), len(want), summary(got), summary(want))
		}
	}
	if changed < 100 {
		t.Errorf("only %d of 300 rounds changed the findings: the edits do not test much", changed)
	}
}

func summary(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%d:%d-%d:%d %s %s", f.Line, f.Column, f.EndLine, f.EndColumn, f.Rule, f.Secret))
	}
	return out
}

// TestLineIndexEdited: the index moved over an edit equals a fresh one.
func TestLineIndexEdited(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	alphabet := []byte("ab\n\r\n")
	for round := range 3000 {
		old := make([]byte, rng.IntN(60))
		for i := range old {
			old[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := rng.IntN(len(old) + 1)
		e := min(len(old), s+rng.IntN(10))
		ins := make([]byte, rng.IntN(10))
		for i := range ins {
			ins[i] = alphabet[rng.IntN(len(alphabet))]
		}
		text := append(append(append([]byte{}, old[:s]...), ins...), old[e:]...)
		got := NewLineIndex(old).Edited(text, s, s+len(ins), len(ins)-(e-s))
		if want := NewLineIndex(text); !reflect.DeepEqual(got.lineStarts, want.lineStarts) {
			t.Fatalf("round %d: %q → %q: starts %v, want %v", round, old, text, got.lineStarts, want.lineStarts)
		}
	}
}

// FuzzRescan: for any text (repeated to a size that takes the region path)
// and any one edit, Rescan equals a full Scan.
func FuzzRescan(f *testing.F) {
	for _, sn := range rescanSnippets()[:40] {
		f.Add([]byte("x = 1\n"+sn), 3, 5, []byte(sn))
	}
	f.Add([]byte("# mistral\nkey = \"abc\"\n"), 0, 9, []byte("\n"))
	f.Fuzz(func(t *testing.T, unit []byte, s, e int, ins []byte) {
		if len(unit) == 0 || len(unit) > 4096 || len(ins) > 512 {
			return
		}
		old := bytes.Repeat(unit, rescanMinSize/len(unit)+1)
		s = int(uint(s) % uint(len(old)+1))
		e = min(len(old), s+int(uint(e)%300))
		text := append(append(append([]byte{}, old[:s]...), ins...), old[e:]...)
		d := Default
		got := d.Rescan("a.py", text, nil, d.Scan("a.py", old), s, s+len(ins), len(ins)-(e-s))
		if want := d.Scan("a.py", text); !reflect.DeepEqual(got, want) {
			t.Fatalf("Rescan %v, Scan %v", summary(got), summary(want))
		}
	})
}
