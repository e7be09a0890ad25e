package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
)

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
}

type scanJSON struct {
	Findings []struct {
		Path, Provider, Rule, Format, Code, Secret, Encoding, Fingerprint string
		Line, Column                                                      int
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

// Issue 13: `keyguard scan --staged` as a plain .git/hooks/pre-commit: a
// commit with a staged key is refused, a clean one passes, and what counts
// is the index, not the work tree.
func TestScanStagedPreCommitHook(t *testing.T) {
	needGit(t)
	root := t.TempDir()
	git(t, root, "init", "-q")
	hook := "#!/bin/sh\nexec '" + keyguardBin + "' scan --staged\n"
	writeFiles(t, root, map[string]string{".git/hooks/pre-commit": hook, "README.md": "hello\n", ".gitignore": ".env\n"})
	if err := os.Chmod(filepath.Join(root, ".git/hooks/pre-commit"), 0o755); err != nil {
		t.Fatal(err)
	}
	commit := func(msg string, extra ...string) (string, error) {
		cmd := exec.Command("git", append([]string{"commit", "-qm", msg}, extra...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid")
		out, err := cmd.CombinedOutput()
		assertNoFullKey(t, string(out))
		return string(out), err
	}
	git(t, root, "add", "README.md", ".gitignore")
	if out, err := commit("clean"); err != nil {
		t.Fatalf("clean commit refused: %v\n%s", err, out)
	}

	keyLine := "OPENAI_API_KEY = \"" + scanKeys[0] + "\"\n"
	// A key staged, then removed from the work tree only: the index is
	// what gets committed, so the commit is refused.
	writeFiles(t, root, map[string]string{"app.py": keyLine})
	git(t, root, "add", "app.py")
	writeFiles(t, root, map[string]string{"app.py": "import os\n"})
	out, err := commit("key")
	if err == nil || !strings.Contains(out, "app.py:1:19: openai openai-project-key sk-pro…eFgH") {
		t.Fatalf("commit with a staged key: err %v\n%s", err, out)
	}
	// The reverse: a clean index, a key only in the work tree: passes.
	git(t, root, "add", "app.py")
	writeFiles(t, root, map[string]string{"app.py": keyLine})
	if out, err := commit("clean app"); err != nil {
		t.Fatalf("clean index refused: %v\n%s", err, out)
	}
	// `git commit -a` commits from a temporary index (GIT_INDEX_FILE):
	// the hook sees the key about to be committed.
	out, err = commit("all", "-a")
	if err == nil || !strings.Contains(out, "app.py:1:19: openai") {
		t.Fatalf("git commit -a with a key in the work tree: err %v\n%s", err, out)
	}
	// A force-added .env: committed-env-key, refused.
	writeFiles(t, root, map[string]string{"app.py": "import os\n", ".env": "OPENAI_API_KEY=" + scanKeys[0] + "\n"})
	git(t, root, "add", "-f", ".env")
	out, err = commit("env")
	if err == nil || !strings.Contains(out, ".env:1:16: openai committed-env-key") {
		t.Fatalf("commit with a staged .env: err %v\n%s", err, out)
	}
	git(t, root, "rm", "-q", "--cached", ".env")
	// Pathspecs limit the scan; JSON counts index blobs.
	git(t, root, "add", "-f", ".env")
	if doc, _, code := scanJSONIn(t, root, "--staged", "README.md"); code != 0 || doc.Stats.Files != 1 {
		t.Errorf("--staged README.md: exit %d %+v", code, doc)
	}
	if doc, _, code := scanJSONIn(t, root, "--staged"); code != 1 || len(doc.Findings) != 1 || doc.Findings[0].Rule != "committed-env-key" {
		t.Errorf("--staged: exit %d %+v", code, doc)
	}
	// Outside a repository: an error, exit 2.
	if _, errOut, code := runKeyguard(t, t.TempDir(), "scan", "--staged"); code != 2 || !strings.Contains(errOut, "git work tree") {
		t.Errorf("--staged outside git: exit %d %q", code, errOut)
	}
}

// Issue 13: base64- and URL-encoded keys are found, with the encoded
// token's location and JSON "encoding".
func TestScanEncodedKeys(t *testing.T) {
	root := t.TempDir()
	b64 := base64.StdEncoding.EncodeToString([]byte(scanKeys[0]))
	auth := base64.StdEncoding.EncodeToString([]byte("ci:" + scanKeys[1]))
	writeFiles(t, root, map[string]string{
		"k8s/secret.yaml":     "apiVersion: v1\nkind: Secret\ntype: Opaque\ndata:\n  OPENAI_API_KEY: " + b64 + "\n",
		".docker/config.json": `{"auths": {"registry.example.test": {"auth": "` + auth + `"}}}` + "\n",
		"ci/hook.sh":          "curl \"https://hooks.example.test/x?k=" + strings.ReplaceAll(scanKeys[1], "_", "%5F") + "\"\n",
	})
	doc, errOut, code := scanJSONIn(t, root)
	if code != 1 || len(doc.Findings) != 3 {
		t.Fatalf("exit %d findings %+v\n%s", code, doc.Findings, errOut)
	}
	want := []struct{ path, enc, key string }{
		{".docker/config.json", "base64", scanKeys[1]}, {"ci/hook.sh", "url", scanKeys[1]}, {"k8s/secret.yaml", "base64", scanKeys[0]},
	}
	for i, w := range want {
		f := doc.Findings[i]
		if f.Path != w.path || f.Encoding != w.enc || f.Fingerprint != diagnostics.Fingerprint(w.key) || f.Line == 0 {
			t.Errorf("finding %d: %+v, want %s %s", i, f, w.path, w.enc)
		}
	}
	if f := doc.Findings[2]; f.Line != 5 || f.Column != 19 {
		t.Errorf("secret.yaml finding at %d:%d, want the token at 5:19", f.Line, f.Column)
	}
	out, _, _ := runKeyguard(t, root, "scan")
	if !strings.Contains(out, "k8s/secret.yaml:5:19: openai openai-project-key sk-pro…eFgH (base64-encoded)") {
		t.Errorf("text output:\n%s", out)
	}
}

// A default scan run from a hook (git exports GIT_INDEX_FILE, maybe
// GIT_DIR) still lists a nested repository from its own index.
func TestScanNestedRepoUnderHookEnv(t *testing.T) {
	needGit(t)
	root := t.TempDir()
	line := "k = \"" + scanKeys[0] + "\"\n"
	writeFiles(t, root, map[string]string{"a.py": "x = 1\n", "inner/b.py": line, "inner/.gitignore": "*.log\nsecret.py\n", "inner/secret.py": line, "inner/forced.log": line})
	git(t, root+"/inner", "init", "-q")
	git(t, root+"/inner", "add", "b.py", ".gitignore")
	git(t, root+"/inner", "add", "-f", "forced.log") // tracked by inner: scanned though ignored
	git(t, root, "init", "-q")
	git(t, root, "add", "a.py")
	cmd := exec.Command(keyguardBin, "scan")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GIT_DIR="+filepath.Join(root, ".git"), "GIT_INDEX_FILE="+filepath.Join(root, ".git", "index"))
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "inner/b.py:1:6") || !strings.Contains(string(out), "inner/forced.log:1:6") || strings.Contains(string(out), "secret.py") {
		t.Errorf("nested repository under a hook's environment:\n%s", out)
	}
}

// A hook exports GIT_INDEX_FILE=.git/index, relative to the top; a scan
// of a subdirectory from there still reads that index (a force-added
// ignored file there is tracked).
func TestScanSubdirUnderRelativeIndexFile(t *testing.T) {
	needGit(t)
	root := t.TempDir()
	writeFiles(t, root, map[string]string{".gitignore": "*.log\n", "sub/forced.log": "k = \"" + scanKeys[0] + "\"\n"})
	git(t, root, "init", "-q")
	git(t, root, "add", ".gitignore")
	git(t, root, "add", "-f", "sub/forced.log")
	cmd := exec.Command(keyguardBin, "scan", "sub")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GIT_INDEX_FILE=.git/index")
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "sub/forced.log:1:6") {
		t.Errorf("scan sub with GIT_INDEX_FILE=.git/index:\n%s", out)
	}
}
