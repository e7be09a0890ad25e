package lsp

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestEditRegionAdd: after any sequence of changes merged with add, the
// text outside the region is the old text's, moved by delta: what
// diagnostics.Detector.Rescan relies on.
func TestEditRegionAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 2000 {
		old := bytes.Repeat([]byte("0123456789\n"), 1+rng.IntN(20))
		text := old
		r := editRegion{lo: -1}
		for range 1 + rng.IntN(5) {
			s := rng.IntN(len(text) + 1)
			e := min(len(text), s+rng.IntN(12))
			ins := bytes.Repeat([]byte{'x'}, rng.IntN(12))
			nt := append(append(append([]byte{}, text[:s]...), ins...), text[e:]...)
			r = r.add(s, e, len(ins))
			text = nt
		}
		if r.delta != len(text)-len(old) || r.lo < 0 || r.hi > len(text) || r.hi < r.lo || r.hi-r.delta < r.lo {
			t.Fatalf("round %d: region %+v for len %d → %d", round, r, len(old), len(text))
		}
		if !bytes.Equal(text[:r.lo], old[:r.lo]) || !bytes.Equal(text[r.hi:], old[r.hi-r.delta:]) {
			t.Fatalf("round %d: outside %+v the text differs from the old one", round, r)
		}
	}
}
