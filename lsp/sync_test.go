package lsp_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

func TestIncrementalSyncAnnounced(t *testing.T) {
	env := New(t, "")
	res := env.Initialize()
	sync, _ := res.Capabilities.TextDocumentSync.(map[string]any)
	if sync["change"] != float64(2) {
		t.Errorf("textDocumentSync %v, want incremental (change: 2)", res.Capabilities.TextDocumentSync)
	}
}

// Random ranged edits (emoji, CJK, CRLF, keys typed in pieces) leave the
// server's text equal to the client's: the final diagnostics are exactly
// what the detector finds in the client's copy.
func TestIncrementalEditsMatchClient(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		env := New(t, "-- a.ts --\nconst a = 1; // 😀 中文\r\nlet b = \"x\";\r\n")
		env.Initialize()
		env.Open("a.ts")
		env.Await(NoDiagnostics("a.ts"))
		r := rand.New(rand.NewPCG(seed, seed))
		key := Key("openai")
		pieces := []string{"x", "é", "😀", "中", "\n", "\r\n", "\"", "'", " = ", "k", "const k = \"" + key + "\";\n", key[:20], key[20:], "\t", "//"}
		var v int32
		for range 400 {
			text := env.Text("a.ts")
			var changes []lsp.TextEdit
			for range 1 + r.IntN(3) {
				start := randomBoundary(r, text)
				end := start
				if r.IntN(3) == 0 {
					end = min(len(text), start+r.IntN(12))
					end = snapBoundary(text, end)
				}
				if end < start {
					start, end = end, start
				}
				li := diagnostics.NewLineIndex([]byte(text))
				sl, sc := li.UTF16Position(start)
				el, ec := li.UTF16Position(end)
				c := lsp.TextEdit{Range: lsp.Range{Start: pos(uint32(sl), uint32(sc)), End: pos(uint32(el), uint32(ec))}, NewText: pieces[r.IntN(len(pieces))]}
				changes = append(changes, c)
				text, _ = ApplyTextEdits(text, []lsp.TextEdit{c})
			}
			v = env.EditRanges("a.ts", changes)
		}
		final := env.Text("a.ts")
		want := diagnostics.Default.Scan("a.ts", []byte(final))
		env.Await(AtVersion("a.ts", v), DiagnosticCount("a.ts", len(want)))
		li := diagnostics.NewLineIndex([]byte(final))
		for i, d := range env.Diagnostics("a.ts") {
			l, c := li.UTF16Position(want[i].Start)
			if d.Range.Start != pos(uint32(l), uint32(c)) {
				t.Errorf("seed %d: diagnostic %d at %v, the client's text has it at %d:%d", seed, i, d.Range.Start, l, c)
			}
		}
		// The server's text is the client's: a hover on each key works.
		for _, f := range want {
			l, c := li.UTF16Position(f.Start + 3)
			if h := env.Hover("a.ts", pos(uint32(l), uint32(c))); !strings.Contains(h, f.Secret) {
				t.Errorf("seed %d: hover at %d:%d = %q, want %s", seed, l, c, h, f.Secret)
			}
		}
		t.Logf("seed %d: %d bytes, %d keys", seed, len(final), len(want))
	}
}

// randomBoundary picks a byte offset at a rune boundary, never between the
// \r and \n of a line break (editors never address that point).
func randomBoundary(r *rand.Rand, s string) int {
	if len(s) == 0 {
		return 0
	}
	return snapBoundary(s, r.IntN(len(s)+1))
}

func snapBoundary(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	if i > 0 && i < len(s) && s[i-1] == '\r' && s[i] == '\n' {
		i--
	}
	return i
}
