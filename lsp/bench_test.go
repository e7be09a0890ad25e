package lsp_test

import (
	"fmt"
	"strings"
	"testing"

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
