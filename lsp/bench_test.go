package lsp_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

// BenchmarkDidChangeInProcess is BenchmarkLSPDidChangeToDiagnostics
// (cmd/keyguard) without the process and pipes, for profiling the server:
//
//	go test ./lsp -run '^$' -bench DidChangeInProcess -cpuprofile cpu.out
func BenchmarkDidChangeInProcess(b *testing.B) {
	for _, lines := range []int{1000, 10000, 50000} {
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			var src strings.Builder
			for i := range lines {
				fmt.Fprintf(&src, "value_%d = compute(%d, 'some text here', other=[1, 2, 3])  # comment\n", i, i)
			}
			env := New(b, "-- a.py --\n"+src.String())
			env.Initialize()
			env.Open("a.py")
			env.Await(NoDiagnostics("a.py"))
			key := Key("openai")
			b.ResetTimer()
			for i := range b.N {
				v := env.Edit("a.py", src.String()+fmt.Sprintf("k%d = \"%s\"\n", i, key))
				env.Await(AtVersion("a.py", v), DiagnosticCount("a.py", 1))
			}
		})
	}
}

// BenchmarkTypingInProcess is BenchmarkLSPTypingToDiagnostics
// (cmd/keyguard) in-process, for profiling.
func BenchmarkTypingInProcess(b *testing.B) {
	var src strings.Builder
	const lines = 50000
	for i := range lines {
		fmt.Fprintf(&src, "value_%d = compute(%d, 'some text here', other=[1, 2, 3])  # comment\n", i, i)
	}
	env := New(b, "-- a.py --\n"+src.String())
	env.Initialize()
	env.Open("a.py")
	env.Await(NoDiagnostics("a.py"))
	end := lsp.Position{Line: lines}
	line := "k = \"" + Key("openai") + "\"\n"
	b.ResetTimer()
	for i := range b.N {
		change, want := lsp.TextEdit{Range: lsp.Range{Start: end, End: end}, NewText: line}, 1
		if i%2 == 1 {
			change, want = lsp.TextEdit{Range: lsp.Range{Start: end, End: lsp.Position{Line: lines + 1}}}, 0
		}
		v := env.EditRanges("a.py", []lsp.TextEdit{change})
		env.Await(AtVersion("a.py", v), DiagnosticCount("a.py", want))
	}
}
