package lsp_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

// TestTypingInLargeFileMatchesFullScan: typing into a document large
// enough that the server rescans only the edited region (bursts of ranged
// changes, merged between two scans), the published diagnostics are
// always those of a full scan of the client's text: keys appear, move,
// vanish, and an allow comment on the line above silences the one below.
// Whole-text changes (what a client without incremental sync sends) are
// mixed in: the server finds the region they changed itself.
func TestTypingInLargeFileMatchesFullScan(t *testing.T) {
	var src strings.Builder
	for i := range 3000 {
		switch i {
		case 100:
			fmt.Fprintf(&src, "client = OpenAI(api_key=\"%s\")\n", Key("openai"))
		case 1500:
			fmt.Fprintf(&src, "anthropic_key = \"%s\"\n", Key("anthropic"))
		default:
			fmt.Fprintf(&src, "value_%d = compute(%d, 'some text here')  # comment\n", i, i)
		}
	}
	env := New(t, "-- a.py --\n"+src.String(), WithServerOptions(func(o *lsp.Options) { o.Debounce = 5 * time.Millisecond }))
	env.Initialize()
	env.Open("a.py")
	env.Await(DiagnosticCount("a.py", 2))

	snips := []string{
		"groq = \"" + Key("groq") + "\"\n", "# keyguard:allow\n", "x = 1\n", "\n", "k = '" + Key("openai") + "'\n", "abc", "\"",
	}
	rng := rand.New(rand.NewPCG(3, 4))
	lines := func() int { return strings.Count(env.Text("a.py"), "\n") }
	for burst := range 25 {
		var v int32
		for range 1 + rng.IntN(4) {
			// Around the keys half of the time, anywhere otherwise.
			l := rng.IntN(lines())
			if rng.IntN(2) == 0 {
				l = []int{100, 1500}[rng.IntN(2)] + rng.IntN(5) - 2
			}
			at := lsp.Position{Line: uint32(l)}
			end := at
			if rng.IntN(3) == 0 {
				end = lsp.Position{Line: uint32(l + 1)} // delete a line
			}
			snip := snips[rng.IntN(len(snips))]
			if rng.IntN(3) == 0 {
				v = env.Edit("a.py", replaceLines(env.Text("a.py"), int(at.Line), int(end.Line), snip))
				continue
			}
			v = env.EditRanges("a.py", []lsp.TextEdit{{Range: lsp.Range{Start: at, End: end}, NewText: snip}})
		}
		env.Await(AtVersion("a.py", v))
		want := diagnostics.Default.Scan(env.Dir+"/a.py", []byte(env.Text("a.py")))
		var wantLines, gotLines []int
		for _, f := range want {
			wantLines = append(wantLines, f.Line-1)
		}
		for _, d := range env.Diagnostics("a.py") {
			gotLines = append(gotLines, int(d.Range.Start.Line))
		}
		slices.Sort(gotLines)
		if !slices.Equal(gotLines, wantLines) {
			t.Fatalf("burst %d: diagnostics on lines %v, a full scan finds keys on %v", burst, gotLines, wantLines)
		}
	}
}

// replaceLines replaces lines [from, to) of text (0-based) with repl,
// inserting before line from when from == to.
func replaceLines(text string, from, to int, repl string) string {
	offset := func(line int) int {
		off := 0
		for range line {
			i := strings.IndexByte(text[off:], '\n')
			if i < 0 {
				return len(text)
			}
			off += i + 1
		}
		return off
	}
	return text[:offset(from)] + repl + text[offset(to):]
}
