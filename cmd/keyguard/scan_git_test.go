package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
}

type scanJSON struct {
	Findings []struct {
		Path, Provider, Rule, Format, Code, Secret, Encoding string
		Line, Column                                         int
	}
	Stats struct{ Files int64 }
}

func scanJSONIn(t *testing.T, dir string, args ...string) (scanJSON, string, int) {
	t.Helper()
	out, errOut, code := runKeyguard(t, dir, append([]string{"scan", "--format", "json"}, args...)...)
	assertNoFullKey(t, out, errOut)
	var doc scanJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("bad JSON (exit %d): %v\n%s\n%s", code, err, out, errOut)
	}
	return doc, errOut, code
}

func (d scanJSON) byPath() map[string]string {
	m := map[string]string{}
	for _, f := range d.Findings {
		m[f.Path] = f.Rule
	}
	return m
}

// Issue 13: in a git work tree scan reads what git tracks (even if it
// matches .gitignore) plus untracked files git does not ignore.
func TestScanGitTrackedAndUntracked(t *testing.T) {
	needGit(t)
	root := t.TempDir()
	line := "k = \"" + scanKeys[0] + "\"\n"
	writeFiles(t, root, map[string]string{
		".gitignore":          "*.log\nbuild/\n.env\n",
		"app.py":              line,
		"tracked.log":         line, // force-added below
		"build/gen.py":        line, // force-added below
		"untracked.py":        line,
		"ignored.log":         line,
		"build/ignored.py":    line,
		"nested/.keep":        "",
		"vendor/sub/.gitkeep": "",
	})
	git(t, root, "init", "-q")
	git(t, root, "add", ".gitignore", "app.py")
	git(t, root, "add", "-f", "tracked.log", "build/gen.py")
	git(t, root, "commit", "-qm", "init")
	// A nested repository (not a submodule) is scanned as its own tree.
	writeFiles(t, root, map[string]string{"nested/inner/.gitignore": "secret.py\n", "nested/inner/a.py": line, "nested/inner/secret.py": line})
	git(t, root+"/nested/inner", "init", "-q")

	doc, errOut, code := scanJSONIn(t, root)
	got := doc.byPath()
	want := map[string]string{"app.py": "openai-project-key", "tracked.log": "openai-project-key", "build/gen.py": "openai-project-key",
		"untracked.py": "openai-project-key", "nested/inner/a.py": "openai-project-key"}
	if code != 1 || len(got) != len(want) {
		t.Fatalf("exit %d, found %v, want %v\n%s", code, got, want, errOut)
	}
	for p, r := range want {
		if got[p] != r {
			t.Errorf("%s: rule %q, want %q (all: %v)", p, got[p], r, got)
		}
	}
	// --no-ignore: everything.
	doc, _, _ = scanJSONIn(t, root, "--no-ignore")
	got = doc.byPath()
	for _, p := range []string{"ignored.log", "build/ignored.py", "nested/inner/secret.py", "tracked.log"} {
		if got[p] == "" {
			t.Errorf("--no-ignore misses %s: %v", p, got)
		}
	}
	// A subdirectory as the root: git's view of it.
	doc, _, _ = scanJSONIn(t, root, "build")
	if got := doc.byPath(); len(got) != 1 || got["build/gen.py"] == "" {
		t.Errorf("scan build: %v", got)
	}
}

// Issue 13: a .env with a key is reported as committed-env-key when git
// tracks it, has it staged, or it is named on the command line; an
// untracked, ignored .env stays silent.
func TestScanCommittedEnv(t *testing.T) {
	needGit(t)
	root := t.TempDir()
	env := "OPENAI_API_KEY=" + scanKeys[0] + "\nNEXT_PUBLIC_GROQ=" + scanKeys[1] + "\n"
	writeFiles(t, root, map[string]string{".gitignore": ".env\n.env.local\n", ".env": env, ".env.local": env, "a.py": "print(1)\n"})
	git(t, root, "init", "-q")
	git(t, root, "add", ".gitignore", "a.py")
	git(t, root, "commit", "-qm", "init")

	if out, errOut, code := runKeyguard(t, root, "scan"); code != 0 || out != "" {
		t.Fatalf("ignored untracked .env: exit %d\n%s%s", code, out, errOut)
	}
	// Named on the command line (what pre-commit does with staged names).
	doc, _, code := scanJSONIn(t, root, ".env")
	if code != 1 || len(doc.Findings) != 2 {
		t.Fatalf("explicit .env: exit %d %+v", code, doc.Findings)
	}
	for _, f := range doc.Findings {
		if f.Rule != "committed-env-key" || f.Code != "committed-env-key" || f.Path != ".env" || f.Line == 0 {
			t.Errorf("explicit .env finding %+v", f)
		}
	}
	if doc.Findings[0].Format != "openai-project-key" || doc.Findings[1].Format != "groq-api-key" {
		t.Errorf("formats %q %q", doc.Findings[0].Format, doc.Findings[1].Format)
	}
	// Staged (force-added over .gitignore), then committed: the default
	// scan reports it.
	git(t, root, "add", "-f", ".env")
	for _, stage := range []string{"staged", "committed"} {
		if stage == "committed" {
			git(t, root, "commit", "-qm", "oops")
		}
		out, errOut, code := runKeyguard(t, root, "scan")
		if code != 1 || !strings.Contains(out, ".env:1:16: openai committed-env-key sk-pro…eFgH") || strings.Contains(out, ".env.local") {
			t.Errorf("%s .env: exit %d\n%s%s", stage, code, out, errOut)
		}
	}
	// --no-ignore still knows what git tracks.
	doc, _, _ = scanJSONIn(t, root, "--no-ignore")
	for _, f := range doc.Findings {
		if f.Path == ".env" && f.Rule != "committed-env-key" {
			t.Errorf("--no-ignore: tracked .env finding %+v", f)
		}
		if f.Path == ".env.local" && f.Rule == "committed-env-key" {
			t.Errorf("--no-ignore: untracked .env.local reported as committed: %+v", f)
		}
	}
}
