package action

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// ciBlocks returns docs/ci.md's fenced code blocks keyed by the file name
// their first comment line gives ("# .gitlab-ci.yml" → ".gitlab-ci.yml").
func ciBlocks(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "docs", "ci.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[string]string{}
	re := regexp.MustCompile("(?s)```[a-z]*\n(.*?)```")
	name := regexp.MustCompile(`(?m)^# (\.[^ \n]+)`)
	for _, m := range re.FindAllStringSubmatch(string(data), -1) {
		if n := name.FindStringSubmatch(m[1]); n != nil {
			blocks[n[1]] = m[1]
		}
	}
	for _, want := range []string{".github/workflows/keyguard.yml", ".gitlab-ci.yml", ".pre-commit-config.yaml", ".git/hooks/pre-commit"} {
		if blocks[want] == "" {
			t.Fatalf("docs/ci.md has no block for %s", want)
		}
	}
	return blocks
}

// buildKeyguard builds the binary once per test into a PATH directory.
func buildKeyguard(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "keyguard"), "./cmd/keyguard")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// runWithBin runs name in dir with bin first on PATH and returns its exit
// code and combined output.
func runWithBin(t *testing.T, dir, bin, name string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// The workflow's `with:` names only inputs action.yml has, and asks for the
// permission upload-sarif needs.
func TestDocsGitHubWorkflow(t *testing.T) {
	var wf struct {
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(ciBlocks(t)[".github/workflows/keyguard.yml"]), &wf); err != nil {
		t.Fatal(err)
	}
	var a actionFile
	data, _ := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, job := range wf.Jobs {
		for _, st := range job.Steps {
			if !strings.HasPrefix(st.Uses, "keyguard/keyguard@") {
				continue
			}
			found = true
			for k, v := range st.With {
				if _, ok := a.Inputs[k]; !ok {
					t.Errorf("workflow passes %q, which action.yml does not take", k)
				}
				if k == "upload-sarif" && v == "true" && wf.Permissions["security-events"] != "write" {
					t.Errorf("upload-sarif without security-events: write")
				}
			}
		}
	}
	if !found {
		t.Fatal("the workflow does not use the keyguard action")
	}
}

// The GitLab job's script, run line by line as the runner's shell would
// (each line must succeed), with `go install …@version` replaced by a build
// of this checkout (the module is not published where this test runs).
func TestDocsGitLab(t *testing.T) {
	var cfg map[string]struct {
		Script    []string `yaml:"script"`
		Artifacts struct {
			Paths []string `yaml:"paths"`
		} `yaml:"artifacts"`
	}
	if err := yaml.Unmarshal([]byte(ciBlocks(t)[".gitlab-ci.yml"]), &cfg); err != nil {
		t.Fatal(err)
	}
	job, ok := cfg["keyguard"]
	if !ok || len(job.Script) == 0 {
		t.Fatal("no keyguard job with a script")
	}
	bin := buildKeyguard(t)
	run := func(ws string) (int, string) {
		var script []string
		for _, line := range job.Script {
			if strings.HasPrefix(line, "go install github.com/keyguard/keyguard/cmd/keyguard@") {
				continue // bin is on PATH instead
			}
			script = append(script, line)
		}
		// GitLab's shell runs each line and stops at the first that fails.
		return runWithBin(t, ws, bin, "sh", "-e", "-c", strings.Join(script, "\n"))
	}
	k := key(t)
	dirty := writeTree(t, map[string]string{"svc/cfg.py": "KEY = \"" + k + "\"\n"})
	code, out := run(dirty)
	noFullKey(t, out, k)
	if code != 1 || !strings.Contains(out, "svc/cfg.py:1:8") {
		t.Fatalf("job with a key: exit %d, log:\n%s", code, out)
	}
	for _, p := range job.Artifacts.Paths {
		data, err := os.ReadFile(filepath.Join(dirty, p))
		if err != nil || !strings.Contains(string(data), `"fingerprint"`) {
			t.Errorf("artefact %s: %v\n%s", p, err, data)
		}
		noFullKey(t, string(data), k)
	}
	clean := writeTree(t, map[string]string{"svc/cfg.py": "import os\nKEY = os.environ[\"GROQ_API_KEY\"]\n"})
	if code, out := run(clean); code != 0 {
		t.Fatalf("clean job: exit %d, log:\n%s", code, out)
	}
}

// The pre-commit config names a hook .pre-commit-hooks.yaml defines
// (scripts/precommit-test runs the framework itself).
func TestDocsPreCommitConfig(t *testing.T) {
	var cfg struct {
		Repos []struct {
			Hooks []struct {
				ID string `yaml:"id"`
			} `yaml:"hooks"`
		} `yaml:"repos"`
	}
	if err := yaml.Unmarshal([]byte(ciBlocks(t)[".pre-commit-config.yaml"]), &cfg); err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID string `yaml:"id"`
	}
	data, _ := os.ReadFile(filepath.Join(repoRoot, ".pre-commit-hooks.yaml"))
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Repos) != 1 || len(cfg.Repos[0].Hooks) != 1 || len(hooks) == 0 || cfg.Repos[0].Hooks[0].ID != hooks[0].ID {
		t.Fatalf("docs config %+v does not name the hook %+v", cfg, hooks)
	}
}

// The plain hook, installed as the docs say, refuses a commit that stages a
// key (even one deleted from the work tree after `git add`) and lets a clean
// one through.
func TestDocsPlainHook(t *testing.T) {
	bin := buildKeyguard(t)
	ws := writeTree(t, map[string]string{"README.md": "hello\n"})
	git(t, ws, "init", "-q")
	hook := filepath.Join(ws, ".git", "hooks", "pre-commit")
	if err := os.WriteFile(hook, []byte(ciBlocks(t)[".git/hooks/pre-commit"]), 0o755); err != nil {
		t.Fatal(err)
	}
	commit := func(msg string) (int, string) {
		return runWithBin(t, ws, bin, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", msg)
	}
	git(t, ws, "add", ".")
	if code, out := commit("first"); code != 0 {
		t.Fatalf("clean first commit refused: %d\n%s", code, out)
	}
	k := key(t)
	os.WriteFile(filepath.Join(ws, "cfg.py"), []byte("KEY = \""+k+"\"\n"), 0o644)
	git(t, ws, "add", "cfg.py")
	// The work tree no longer has the key; the index does.
	os.WriteFile(filepath.Join(ws, "cfg.py"), []byte("KEY = None\n"), 0o644)
	code, out := commit("key")
	noFullKey(t, out, k)
	if code == 0 || !strings.Contains(out, "cfg.py:1") {
		t.Fatalf("commit with a staged key: exit %d\n%s", code, out)
	}
	git(t, ws, "add", "cfg.py")
	if code, out := commit("clean"); code != 0 {
		t.Fatalf("clean commit refused: %d\n%s", code, out)
	}
}
