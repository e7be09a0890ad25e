package walk

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
)

// ScanStaged reads the index, not the work tree, and finds each staged
// key once, from several workers (run with -race).
func TestScanStaged(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	line := "k = \"" + key + "\"\n"
	files := map[string]string{"clean.py": "x = 1\n", ".env": "GROQ_API_KEY=" + key + "\n", "big.txt": strings.Repeat("filler line\n", 20000) + line}
	for i := range 40 {
		files["pkg/f"+string(rune('a'+i%26))+string(rune('a'+i/26))+".py"] = line
	}
	root := writeTree(t, files)
	run := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "-q")
	run("add", ".")
	// The work tree changes after staging: the index counts.
	os.WriteFile(root+"/clean.py", []byte(line), 0o644)
	os.WriteFile(root+"/pkg/faa.py", []byte("x = 2\n"), 0o644)
	t.Chdir(root)
	res := ScanStaged(context.Background(), nil, Options{Workers: 4, ChunkSize: 64 << 10}, diagnostics.Default)
	if len(res.Errors) > 0 {
		t.Fatalf("errors %v", res.Errors)
	}
	byPath := map[string]int{}
	for _, f := range res.Findings {
		byPath[f.Path]++
		if f.Path == ".env" && f.Rule != "committed-env-key" {
			t.Errorf(".env finding %+v", f)
		}
	}
	if len(res.Findings) != 42 || byPath["clean.py"] != 0 || byPath["pkg/faa.py"] != 1 || byPath["big.txt"] != 1 || byPath[".env"] != 1 {
		t.Errorf("%d findings: %v", len(res.Findings), byPath)
	}
	if res.Stats.Files != 43 {
		t.Errorf("files %d", res.Stats.Files)
	}
}
