package walk

import (
	"context"
	"encoding/base64"
	"github.com/keyguard/keyguard/diagnostics/safefile/fifotest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
)

const key = "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"

// writeTree writes files (path → content) under a temp dir.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func foundPaths(root string, res Result) []string {
	var out []string
	for _, f := range res.Findings {
		rel, _ := filepath.Rel(root, f.Path)
		out = append(out, filepath.ToSlash(rel))
	}
	sort.Strings(out)
	return out
}

func TestScanSkipsIgnoredVCSAndBinary(t *testing.T) {
	line := "k = \"" + key + "\"\n"
	root := writeTree(t, map[string]string{
		"app.py":                 line,
		".gitignore":             "build/\n*.log\n!keep.log\n",
		"build/out.py":           line,
		"debug.log":              line,
		"keep.log":               line,
		"sub/.gitignore":         "local.py\n",
		"sub/local.py":           line,
		"sub/other.py":           line,
		".git/config":            line,
		".git/info/exclude":      "excluded.txt\n",
		"excluded.txt":           line,
		".hg/store":              line,
		"img.png":                line,
		"blob.dat.txt":           "\x00\x01" + line,
		"nested/deep/dir/key.go": line,
	})
	res := Scan(context.Background(), []string{root}, Options{}, diagnostics.Default)
	want := []string{"app.py", "keep.log", "nested/deep/dir/key.go", "sub/other.py"}
	if got := foundPaths(root, res); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("found in %v, want %v", got, want)
	}
	res = Scan(context.Background(), []string{root}, Options{NoIgnore: true}, diagnostics.Default)
	want = []string{"app.py", "build/out.py", "debug.log", "excluded.txt", "keep.log", "nested/deep/dir/key.go", "sub/local.py", "sub/other.py"}
	if got := foundPaths(root, res); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("--no-ignore found in %v, want %v", got, want)
	}
	// An explicit file argument is scanned even if ignored, as rg does.
	res = Scan(context.Background(), []string{filepath.Join(root, "debug.log")}, Options{}, diagnostics.Default)
	if len(res.Findings) != 1 {
		t.Errorf("explicit ignored file: %d findings", len(res.Findings))
	}
}

func TestScanBadInput(t *testing.T) {
	line := "k = \"" + key + "\"\n"
	root := writeTree(t, map[string]string{
		"good.py":    line,
		"invalid.py": "\xff\xfe\xfd " + line + "\xc3\x28",
	})
	// A symlink loop and a dangling link are not followed.
	if err := os.Symlink(root, filepath.Join(root, "loop")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "missing"), filepath.Join(root, "dangling")); err != nil {
		t.Fatal(err)
	}
	// A FIFO would block a reader forever.
	fifotest.Make(t, filepath.Join(root, "pipe"))
	// An unreadable directory is reported and skipped (root reads anyway).
	locked := filepath.Join(root, "locked")
	if err := os.Mkdir(locked, 0o000); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o755)
	res := Scan(context.Background(), []string{root, filepath.Join(root, "nope")}, Options{}, diagnostics.Default)
	if got := foundPaths(root, res); strings.Join(got, ",") != "good.py,invalid.py" {
		t.Errorf("found in %v", got)
	}
	var errPaths []string
	for _, e := range res.Errors {
		errPaths = append(errPaths, filepath.Base(e.Path))
	}
	want := "nope"
	if os.Geteuid() != 0 {
		want = "locked,nope"
	}
	if strings.Join(errPaths, ",") != want {
		t.Errorf("errors for %v, want %s", errPaths, want)
	}
	if res.Stats.Files != 2 {
		t.Errorf("Stats.Files = %d, want 2", res.Stats.Files)
	}
}

// A file bigger than ChunkSize is scanned in overlapping chunks; keys at
// chunk boundaries are found once, whole, with file positions.
func TestScanChunks(t *testing.T) {
	var b strings.Builder
	var wantLines []int
	line := 1
	for b.Len() < 200_000 {
		if b.Len()%7919 < 60 {
			b.WriteString("x = \"" + key + "\"\n")
			wantLines = append(wantLines, line)
		} else {
			b.WriteString("some filler text that is not a key at all, line after line\n")
		}
		line++
	}
	root := writeTree(t, map[string]string{"big.txt": b.String()})
	whole := Scan(context.Background(), []string{root}, Options{}, diagnostics.Default)
	for _, chunk := range []int{10_000, 4_100, 65_536} {
		res := Scan(context.Background(), []string{root}, Options{ChunkSize: chunk}, diagnostics.Default)
		if len(res.Findings) != len(whole.Findings) || len(res.Findings) != len(wantLines) {
			t.Fatalf("chunk %d: %d findings, whole file %d, planted %d", chunk, len(res.Findings), len(whole.Findings), len(wantLines))
		}
		for i, f := range res.Findings {
			w := whole.Findings[i]
			if f.Start != w.Start || f.Line != w.Line || f.Column != w.Column || f.EndColumn != w.EndColumn || f.Key != key {
				t.Errorf("chunk %d: finding %d at %d %d:%d, whole file says %d %d:%d", chunk, i, f.Start, f.Line, f.Column, w.Start, w.Line, w.Column)
			}
		}
	}
}

func TestWalkCancel(t *testing.T) {
	root := writeTree(t, map[string]string{"a.py": "x", "b/c.py": "y"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stats, _ := Walk(ctx, []string{root}, Options{}, func(string, []byte, Position) { t.Error("visited a file after cancel") })
	if stats.Files != 0 {
		t.Errorf("Files = %d", stats.Files)
	}
}

// BenchmarkWalkTree times the walk alone (listing, ignore rules, opening
// and reading every file, no detector) and the whole scan on a bench tree
// (scripts/benchtree) named by KEYGUARD_BENCH_TREE: the difference is the
// detector's share.
func BenchmarkWalkTree(b *testing.B) {
	root := os.Getenv("KEYGUARD_BENCH_TREE")
	if root == "" {
		b.Skip("KEYGUARD_BENCH_TREE not set (a directory written by scripts/benchtree)")
	}
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			st, _ := Walk(context.Background(), []string{root}, Options{}, func(string, []byte, Position) {})
			b.SetBytes(st.Bytes)
		}
	})
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			res := Scan(context.Background(), []string{root}, Options{}, diagnostics.Default)
			b.SetBytes(res.Stats.Bytes)
		}
	})
}

// A local .env (not tracked, not named) is where keys belong: neither its
// plain nor its base64-encoded keys are findings; named, both are.
func TestScanLocalEnvEncoded(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte(key))
	root := writeTree(t, map[string]string{".env": "GROQ_API_KEY=" + key + "\nGROQ_B64=" + b64 + "\n", "k8s.yaml": "data:\n  k: " + b64 + "\n"})
	res := Scan(context.Background(), []string{root}, Options{NoGit: true}, diagnostics.Default)
	if got := foundPaths(root, res); strings.Join(got, ",") != "k8s.yaml" || res.Findings[0].Encoding != "base64" {
		t.Errorf("found in %v: %+v", got, res.Findings)
	}
	res = Scan(context.Background(), []string{filepath.Join(root, ".env")}, Options{}, diagnostics.Default)
	if len(res.Findings) != 2 || res.Findings[0].Rule != "committed-env-key" || res.Findings[1].Encoding != "base64" || res.Findings[1].Rule != "committed-env-key" {
		t.Errorf("named .env: %+v", res.Findings)
	}
}

// Walk (the language server's workspace scan uses it too) never blocks on
// or reads without bound a hostile ignore file; each is reported.
func TestWalkHostileIgnoreFiles(t *testing.T) {
	line := "k = \"" + key + "\"\n"
	root := writeTree(t, map[string]string{"a.py": line, "sub/b.py": line, ".git/info/.keep": ""})
	fifotest.Make(t, filepath.Join(root, ".gitignore"))
	fifotest.Make(t, filepath.Join(root, ".git/info/exclude"))
	if err := os.Symlink("/dev/zero", filepath.Join(root, "sub/.gitignore")); err != nil {
		t.Fatal(err)
	}
	done := make(chan Result)
	go func() { done <- Scan(context.Background(), []string{root}, Options{NoGit: true}, diagnostics.Default) }()
	select {
	case res := <-done:
		if got := foundPaths(root, res); strings.Join(got, ",") != "a.py,sub/b.py" {
			t.Errorf("found in %v", got)
		}
		var reported []string
		for _, e := range res.Errors {
			rel, _ := filepath.Rel(root, e.Path)
			reported = append(reported, filepath.ToSlash(rel)+": "+e.Err.Error())
		}
		if len(reported) != 3 || !strings.Contains(reported[0], ".git/info/exclude: ignore file skipped: not a regular file (a FIFO)") ||
			!strings.Contains(reported[1], ".gitignore: ignore file skipped: not a regular file (a FIFO)") || !strings.Contains(reported[2], "symbolic link") {
			t.Errorf("reported %q", reported)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Scan blocked on a FIFO ignore file")
	}
}
