package walk

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// The fast path answers exactly as go-git's patterns do.
func TestPatternEquivalence(t *testing.T) {
	lines := []string{"[Dd]ebug/", "[Ww][Ii][Nn]32/", "b[!a]", "[\\]]x", "\\a?", "ü?", "[a-c]", "*.[Cc]ache", "[", "a[", "!b?/", "node_modules/", "node_modules", ".DS_Store", "*.log", "*.log/", "!keep.log", "!*.tmp", "*", "*/", "build ",
		"build\\ ", "a", "!a/", "*a", "**", "*.[ch]", "b?", "x/y", "/root", "foo/**/bar", "*.min.js", "!", "", "\\#x", "*\\*"}
	names := []string{"node_modules", "Debug", "debug", "WIN32", "bb", "]x", "ab", "üx", "c", "Debugs", "a", "b", "ba", "x.log", "keep.log", "y.tmp", "build", "build ", ".DS_Store", "y", "x", "c.min.js", "q.c", "root", "#x", "a*"}
	domains := [][]string{nil, {"sub"}, {"sub", "x"}}
	r := rand.New(rand.NewSource(1))
	for _, line := range lines {
		for _, dom := range domains {
			fast, slow := parsePattern(line, dom), gitignore.ParsePattern(line, dom)
			for n := 0; n < 300; n++ {
				path := make([]string, 1+r.Intn(4))
				for i := range path {
					path[i] = names[r.Intn(len(names))]
				}
				if r.Intn(3) == 0 {
					path[0] = "sub"
				}
				isDir := r.Intn(2) == 0
				if got, want := fast.Match(path, isDir), slow.Match(path, isDir); got != want {
					t.Fatalf("pattern %q domain %v path %s dir %v: fast %v, go-git %v", line, dom, strings.Join(path, "/"), isDir, got, want)
				}
			}
		}
	}
}

func BenchmarkPatternMatch(b *testing.B) {
	lines := strings.Fields("bin/ obj/ *.suo *.user *.userosscache *.sln.docstates *.log *.vspscc *.vssscc .builds *.pidb *.svclog *.scc [Dd]ebug/ x64/ node_modules/ .DS_Store *.pyc __pycache__/")
	path := []string{"src", "pkg", "module", "file.go"}
	for _, c := range []struct {
		name  string
		parse func(string, []string) gitignore.Pattern
	}{{"fast", parsePattern}, {"go-git", gitignore.ParsePattern}} {
		var ps []gitignore.Pattern
		for _, l := range lines {
			ps = append(ps, c.parse(l, nil))
		}
		m := gitignore.NewMatcher(ps)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				m.Match(path, false)
			}
		})
	}
}

func FuzzPatternEquivalence(f *testing.F) {
	f.Add("[Dd]ebug/", "a/Debug", true)
	f.Add("*.log", "x/y.log", false)
	f.Add("b[!a]?", "sub/bbc", false)
	f.Fuzz(func(t *testing.T, line, path string, isDir bool) {
		if strings.HasPrefix(line, "#") || strings.ContainsAny(line, "\n\r") {
			return
		}
		parts := strings.Split(path, "/")
		for _, dom := range [][]string{nil, {parts[0]}} {
			if got, want := parsePattern(line, dom).Match(parts, isDir), gitignore.ParsePattern(line, dom).Match(parts, isDir); got != want {
				t.Fatalf("pattern %q domain %v path %q dir %v: fast %v, go-git %v", line, dom, path, isDir, got, want)
			}
		}
	})
}
