package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 10 item 4: ignore files that are FIFOs, or links to /dev/zero,
// neither hang scan nor grow it without bound, in a git work tree and out
// of one; each is named on stderr, and the key beside it is still found.
func TestScanHostileIgnoreFiles(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	type plant func(t *testing.T, root string)
	fifo := func(rel string) plant {
		return func(t *testing.T, root string) { plantFIFO(t, filepath.Join(root, filepath.FromSlash(rel))) }
	}
	link := func(rel, target string) plant {
		return func(t *testing.T, root string) { plantLink(t, filepath.Join(root, filepath.FromSlash(rel)), target) }
	}
	cases := []struct {
		name   string
		plant  plant
		named  string // what stderr must name ("" for a link git and keyguard refuse silently)
		gitDir bool   // needs a .git directory
	}{
		{"fifo .gitignore", fifo(".gitignore"), ".gitignore", false},
		{"fifo sub/.gitignore", fifo("sub/.gitignore"), "sub/.gitignore", false},
		{"fifo .git/info/exclude", fifo(".git/info/exclude"), "exclude", true},
		// git is never asked about untracked directories' ignore files:
		// its time limit covers them.
		{"fifo untracked/.gitignore", fifo("new/.gitignore"), "new/.gitignore", false},
		{".gitignore -> /dev/zero", link(".gitignore", "/dev/zero"), "", false},
		{"sub/.gitignore -> /dev/zero", link("sub/.gitignore", "/dev/zero"), "", false},
		{".git/info/exclude -> /dev/zero", link(".git/info/exclude", "/dev/zero"), "exclude", true},
		{".git/info/exclude -> /dev/urandom", link(".git/info/exclude", "/dev/urandom"), "exclude", true},
	}
	for _, tc := range cases {
		for _, inGit := range []bool{true, false} {
			if tc.gitDir && !inGit {
				continue
			}
			name := tc.name + map[bool]string{true: " in git", false: " no git"}[inGit]
			t.Run(name, func(t *testing.T) {
				root := t.TempDir()
				files := map[string]string{
					"app.py":      "OPENAI_API_KEY = \"" + scanKeys[0] + "\"\n",
					"sub/main.go": "const k = \"" + scanKeys[1] + "\"\n",
				}
				if inGit {
					committedRepo(t, root, files)
				} else {
					writeFiles(t, root, files)
					os.MkdirAll(filepath.Join(root, ".git", "info"), 0o755) // not a repository: a plain directory
				}
				tc.plant(t, root)
				out, errOut, code, rss := runBounded(t, root, 20*time.Second, []string{"KEYGUARD_GIT_TIMEOUT=3s"}, "scan")
				assertNoFullKey(t, out, errOut)
				if code != 1 || !strings.Contains(out, "app.py") || !strings.Contains(out, "sub/main.go") {
					t.Errorf("exit %d, want 1 with both keys\nstdout %s\nstderr %s", code, out, errOut)
				}
				if tc.named != "" && !strings.Contains(errOut, tc.named) {
					t.Errorf("stderr does not name %s:\n%s", tc.named, errOut)
				}
				if rss > 200<<10 {
					t.Errorf("peak RSS %d KB", rss)
				}
			})
		}
	}
}

// git reads every .gitignore from the work tree's top down, also when it
// lists a subdirectory: `keyguard scan sub` over a FIFO .gitignore at the
// top is named at once, not after git's time limit (it was: the check
// looked only at the scanned directories).
func TestScanSubdirHostileTopIgnoreFile(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root := t.TempDir()
	committedRepo(t, root, map[string]string{"sub/main.go": "const k = \"" + scanKeys[1] + "\"\n"})
	plantFIFO(t, filepath.Join(root, ".gitignore"))
	start := time.Now()
	out, errOut, code, _ := runBounded(t, root, 30*time.Second, []string{"KEYGUARD_GIT_TIMEOUT=10s"}, "scan", "sub")
	elapsed := time.Since(start)
	assertNoFullKey(t, out, errOut)
	if code != 1 || !strings.Contains(out, "sub/main.go") {
		t.Errorf("exit %d, want 1 with the key\nstdout %s\nstderr %s", code, out, errOut)
	}
	if !strings.Contains(errOut, ".gitignore: ignore file skipped: not a regular file (a FIFO)") {
		t.Errorf("stderr does not name the FIFO .gitignore:\n%s", errOut)
	}
	if elapsed > 5*time.Second {
		t.Errorf("scan sub took %v: git was left blocked on the FIFO until its time limit", elapsed)
	}
}

// Scanned files never block either: a FIFO, a link to a FIFO or to
// /dev/zero among the files is skipped (named explicitly, it is an error).
func TestScanHostileFiles(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"app.py": "OPENAI_API_KEY = \"" + scanKeys[0] + "\"\n"})
	plantFIFO(t, filepath.Join(root, "pipe.py"))
	plantLink(t, filepath.Join(root, "link.py"), "pipe.py")
	plantLink(t, filepath.Join(root, "zero.py"), "/dev/zero")
	for _, inGit := range []bool{false, true} {
		if inGit {
			git(t, root, "init", "-q")
			git(t, root, "add", "app.py", "link.py", "zero.py")
			git(t, root, "commit", "-qm", "init")
		}
		out, errOut, code, rss := runBounded(t, root, 20*time.Second, nil, "scan")
		if code != 1 || !strings.Contains(out, "app.py") || rss > 200<<10 {
			t.Errorf("git %v: exit %d rss %d KB\n%s%s", inGit, code, rss, out, errOut)
		}
		_, errOut, code, _ = runBounded(t, root, 20*time.Second, nil, "scan", "pipe.py")
		if code != 2 || !strings.Contains(errOut, "pipe.py") || !strings.Contains(errOut, "FIFO") {
			t.Errorf("explicit FIFO: exit %d, stderr %q", code, errOut)
		}
	}
}

// Issue 10 item 8: a file name with ESC / OSC 52 sequences reaches the
// terminal quoted, never raw, on stdout and stderr; JSON keeps the real
// name (escaped by the encoder).
func TestScanQuotesControlCharacters(t *testing.T) {
	root := t.TempDir()
	evil := "x\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2K\r.py"
	dir := "d\x1b[31m"
	writeFiles(t, root, map[string]string{evil: "k = \"" + scanKeys[0] + "\"\n", dir + "/ok.py": "x = 1\n"})
	plantFIFO(t, filepath.Join(root, dir, ".gitignore"))
	out, errOut, code := runKeyguard(t, root, "scan")
	if code != 1 {
		t.Fatalf("exit %d\n%q\n%q", code, out, errOut)
	}
	for _, s := range []string{out, errOut} {
		if strings.ContainsAny(s, "\x1b\x07\r") {
			t.Errorf("raw control characters reach the terminal: %q", s)
		}
	}
	if want := `"x\033]52;c;ZWNobyBwd25lZA==\a\033[2K\r.py":1:6: openai`; !strings.HasPrefix(out, want) {
		t.Errorf("stdout %q, want prefix %q", out, want)
	}
	if !strings.Contains(errOut, `"d\033[31m/.gitignore"`) {
		t.Errorf("stderr does not name the FIFO quoted: %q", errOut)
	}
	doc, _, _ := scanJSONIn(t, root)
	if len(doc.Findings) != 1 || doc.Findings[0].Path != evil {
		t.Errorf("JSON path %+v", doc.Findings)
	}
}

// Issue 13: a committed __pycache__/*.pyc holds its source's string
// constants verbatim (with a length byte glued to the front and a type
// byte to the back). Its printable runs are scanned with prefix rules
// only, so a key is found and binary noise is not.
func TestScanCompiledPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	root := t.TempDir()
	// The source is compiled, then removed: only the .pyc is left.
	src := "import os\nGROQ = \"" + scanKeys[1] + "\"\nOAI = \"" + scanKeys[0] + "\"\nclient = make(GROQ, None)\n"
	writeFiles(t, root, map[string]string{"conf.py": src})
	cmd := exec.Command(python, "-m", "py_compile", "conf.py")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("py_compile: %v\n%s", err, out)
	}
	os.Remove(filepath.Join(root, "conf.py"))
	// Binary noise that context and generic rules would flag in text: a
	// provider word beside a 32-letter token, an api_key assignment.
	noise := "\x00\x01mistral_api_key = \"Qm9vbGVhblF1ZXN0aW9uRmFjdG9yeUlt\"\x00api_key: 'a8f5f167f44f4964e6c998dee827110c'\x00"
	writeFiles(t, root, map[string]string{"lib/noise.bin": noise, "img/shot.png": "\x89PNG\x00k = \"" + scanKeys[1] + "\"\n"})
	doc, errOut, code := scanJSONIn(t, root)
	if code != 1 || len(doc.Findings) != 2 {
		t.Fatalf("exit %d, findings %+v\n%s", code, doc.Findings, errOut)
	}
	// Whole keys: neither cut short nor run on into the type byte.
	want := []struct{ rule, key string }{{"groq-api-key", scanKeys[1]}, {"openai-project-key", scanKeys[0]}}
	for i, f := range doc.Findings {
		if !strings.HasPrefix(f.Path, "__pycache__/conf.") || !strings.HasSuffix(f.Path, ".pyc") || f.Rule != want[i].rule ||
			f.Fingerprint != diagnostics.Fingerprint(want[i].key) {
			t.Errorf("finding %d: %+v", i, f)
		}
	}
}

// A hostile .git/config (fsmonitor, hooks, pager, filters, an external
// diff) runs nothing when scan asks git what to read (default, --no-ignore,
// --staged); scanning inside .git itself does not ask git at all.
func TestScanHostileGitConfig(t *testing.T) {
	needGit(t)
	root := t.TempDir()
	marker := filepath.Join(t.TempDir(), "pwned")
	run := "touch '" + marker + "'; false"
	committedRepo(t, root, map[string]string{"app.py": "OPENAI_API_KEY = \"" + scanKeys[0] + "\"\n", ".gitattributes": "* filter=evil diff=evil\n"})
	writeFiles(t, root, map[string]string{"hooks/post-index-change": "#!/bin/sh\n" + run + "\n", "hooks/pre-commit": "#!/bin/sh\n" + run + "\n"})
	os.Chmod(filepath.Join(root, "hooks/post-index-change"), 0o755)
	appendGitConfig(t, root, "[core]\n\tfsmonitor = \""+run+"\"\n\thooksPath = "+filepath.Join(root, "hooks")+"\n\tpager = "+run+
		"\n[filter \"evil\"]\n\tclean = "+run+"\n\tsmudge = "+run+"\n\tprocess = "+run+
		"\n[diff \"evil\"]\n\ttextconv = "+run+"\n[diff]\n\texternal = "+run+"\n")
	for _, args := range [][]string{{"scan"}, {"scan", "--no-ignore"}, {"scan", "--staged"}, {"scan", "--format", "json"}, {"scan", ".git"}} {
		out, errOut, code, _ := runBounded(t, root, 30*time.Second, nil, args...)
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%v ran a program from .git/config\n%s%s", args, out, errOut)
		}
		inGitDir := args[len(args)-1] == ".git"
		if !inGitDir && (code != 1 || !strings.Contains(out, "app.py")) {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		if inGitDir && strings.Contains(errOut, "without git") {
			t.Errorf("%v asked git inside .git: %s", args, errOut)
		}
	}
}
