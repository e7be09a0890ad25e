package main

// Attacks on scan by a hostile repository's .git directory: each case
// plants what a cloned stranger's repository can hold and runs the real
// binary under a time limit.

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A repository that says it is a partial clone, with a promisor remote
// whose transport runs a program (core.sshCommand for ssh://, or ext::
// which the repository itself allows), and an index entry and a commit
// whose objects are missing: reading them would make git "lazily fetch"
// them from that remote — running the program. No scan mode may do that.
func TestScanHostileLazyFetch(t *testing.T) {
	needGit(t)
	missing := strings.Repeat("1234567890", 4)
	for _, remote := range []struct{ name, config string }{
		{"ssh with core.sshCommand", "[remote \"origin\"]\n\turl = ssh://attacker.invalid/x\n\tpromisor = true\n[protocol \"ssh\"]\n\tallow = always\n[core]\n\tsshCommand = \"touch '%s'; false\"\n"},
		{"ext:: allowed by the repository", "[remote \"origin\"]\n\turl = \"ext::sh -c touch% '%s'\"\n\tpromisor = true\n[protocol \"ext\"]\n\tallow = always\n[protocol]\n\tallow = always\n"},
	} {
		for _, args := range [][]string{{"scan", "--staged"}, {"scan"}, {"scan", "--git"}} {
			t.Run(remote.name+" "+strings.Join(args, " "), func(t *testing.T) {
				root := t.TempDir()
				marker := filepath.Join(t.TempDir(), "pwned")
				committedRepo(t, root, map[string]string{"app.py": "OPENAI_API_KEY = \"" + scanKeys[0] + "\"\n"})
				// A staged file and a commit whose blob / tree the clone lacks.
				git(t, root, "update-index", "--add", "--cacheinfo", "100644,"+missing+",lazy.txt")
				head := git(t, root, "rev-parse", "HEAD")
				cmd := "printf 'tree %s\\nparent %s\\nauthor t <t@e> 1700000000 +0000\\ncommitter t <t@e> 1700000000 +0000\\n\\nx\\n' " +
					missing + " " + head + " | git hash-object -t commit --literally -w --stdin"
				c := git(t, root, "-c", "alias.mk=!"+cmd, "mk")
				git(t, root, "update-ref", "refs/heads/lazy", c)
				git(t, root, "config", "core.repositoryformatversion", "1")
				git(t, root, "config", "extensions.partialClone", "origin")
				appendGitConfig(t, root, strings.ReplaceAll(remote.config, "%s", marker))

				out, errOut, _, _ := runBounded(t, root, 30*time.Second, nil, args...)
				if _, err := os.Stat(marker); err == nil {
					t.Fatalf("%v ran the promisor remote's transport (lazy fetch)\n%s%s", args, out, errOut)
				}
				assertNoFullKey(t, out, errOut)
			})
		}
	}
}

// diff.orderFile names a file git reads whole before it prints a diff, also
// for `git log --raw`: /dev/zero grew git without end (the history scan the
// language server starts on its own too), a FIFO blocked it forever. The
// scan runs under a 2 GB address-space limit so a regression fails fast
// instead of eating the machine.
func TestScanGitHostileOrderFile(t *testing.T) {
	needGit(t)
	r := rand.New(rand.NewPCG(10, 4))
	keys := []string{exposureKey(t, r, "openai"), exposureKey(t, r, "anthropic")}
	for _, target := range []string{"/dev/zero", "fifo"} {
		t.Run(target, func(t *testing.T) {
			dir, _, _ := historyRepo(t, keys)
			if target == "fifo" {
				target = filepath.Join(dir, ".git", "order")
				plantFIFO(t, target)
			}
			appendGitConfig(t, dir, "[diff]\n\torderFile = "+target+"\n")
			out, errOut, code, _ := runBoundedAS(t, dir, 30*time.Second, 2<<20, nil, "scan", "--git")
			noKeyIn(t, keys, out, errOut)
			if code != 1 || strings.Count(out, "(commit ") != 2 {
				t.Errorf("exit %d, want both keys found\n%s%s", code, out, errOut)
			}
		})
	}
}

// A FIFO where git opens one of its own files blocks git's open(2) forever:
// scan --git gives up after KEYGUARD_GIT_TIMEOUT without output from git,
// says why and exits 2, instead of hanging (a CI job, or the language
// server's background history scan, never ending).
func TestScanGitFIFOInGitDir(t *testing.T) {
	needGit(t)
	r := rand.New(rand.NewPCG(10, 5))
	keys := []string{exposureKey(t, r, "openai"), exposureKey(t, r, "anthropic")}
	for _, rel := range []string{"packed-refs", "objects/info/alternates", "shallow", "info/grafts", "objects/info/commit-graph", "config-include", "loose-object"} {
		t.Run(rel, func(t *testing.T) {
			dir, addedApp, _ := historyRepo(t, keys)
			gitDir := filepath.Join(dir, ".git")
			switch rel {
			case "config-include":
				appendGitConfig(t, dir, "[include]\n\tpath = included\n")
				rel = "included"
			case "loose-object":
				// The blob that holds keys[0], replaced by a FIFO.
				obj := looseObject(t, dir, addedApp+":app.py")
				if err := os.Remove(obj); err != nil {
					t.Fatal(err)
				}
				rel, _ = filepath.Rel(gitDir, obj)
			}
			plantFIFO(t, filepath.Join(gitDir, rel))
			out, errOut, code, _ := runBounded(t, dir, 30*time.Second, []string{"KEYGUARD_GIT_TIMEOUT=2s"}, "scan", "--git")
			noKeyIn(t, keys, out, errOut)
			if code != 2 || !strings.Contains(errOut, "gave no output") {
				t.Errorf("exit %d, want 2 and the reason\n%s%s", code, out, errOut)
			}
		})
	}
}

// A baseline file is usually committed, so a pull request controls it: a
// link to /dev/zero crashed scan out of memory, a FIFO hung it, a huge file
// was read whole, and an entry's path reached the terminal raw in the error
// message. Each is refused with exit 2, quickly, in bounded memory, and the
// message is quoted.
func TestScanHostileBaseline(t *testing.T) {
	cases := []struct {
		name  string
		plant func(t *testing.T, path string)
		want  string
	}{
		{"link to /dev/zero", func(t *testing.T, p string) { plantLink(t, p, "/dev/zero") }, "not a regular file"},
		{"fifo", plantFIFO, "not a regular file"},
		{"huge", func(t *testing.T, p string) {
			f, _ := os.Create(p)
			f.Truncate(1 << 30) // sparse: costs no disk
			f.Close()
		}, "too large"},
		{"escape in a path", func(t *testing.T, p string) {
			os.WriteFile(p, []byte(`{"version":1,"findings":[{"fingerprint":"x","path":"a\u001b]52;c;QUFB\u0007b","line":1}]}`), 0o644)
		}, `a\033]52;c;QUFB\ab`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"app.py": "OPENAI_API_KEY = \"" + scanKeys[0] + "\"\n"})
			tc.plant(t, filepath.Join(dir, "baseline.json"))
			out, errOut, code, _ := runBoundedAS(t, dir, 20*time.Second, 2<<20, nil, "scan", "--no-ignore", "--baseline", "baseline.json")
			assertNoFullKey(t, out, errOut)
			if code != 2 || !strings.Contains(errOut, tc.want) || strings.ContainsAny(errOut, "\x1b\x07") {
				t.Errorf("exit %d, want 2 and %q, nothing raw\n%q", code, tc.want, errOut)
			}
		})
	}
}

// Warnings of a history scan name paths from the repository: a missing
// blob at a path with an OSC 52 sequence is reported quoted.
func TestScanGitWarningsQuoted(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	name := "x\x1b]52;c;QUFB\x07.py"
	committedRepo(t, dir, map[string]string{name: "print(1)\n", "README.md": "hello\n"})
	if err := os.Remove(looseObject(t, dir, "HEAD:"+name)); err != nil {
		t.Fatal(err)
	}
	out, errOut, _, _ := runBounded(t, dir, 30*time.Second, nil, "scan", "--git")
	if !strings.Contains(errOut, `x\033]52;c;QUFB\a.py`) || strings.ContainsAny(out+errOut, "\x1b\x07") {
		t.Errorf("want the path quoted:\n%q\n%q", out, errOut)
	}
}

// A FIFO in place of a staged blob's loose object blocked `git cat-file`
// (and scan --staged, a pre-commit hook) forever: it now gives up after
// KEYGUARD_GIT_TIMEOUT without output and says why.
func TestScanStagedFIFOObject(t *testing.T) {
	needGit(t)
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"app.py": "OPENAI_API_KEY = \"" + scanKeys[0] + "\"\n"})
	git(t, root, "init", "-q")
	git(t, root, "add", ".")
	plantFIFO(t, looseObject(t, root, ":app.py"))
	out, errOut, code, _ := runBounded(t, root, 30*time.Second, []string{"KEYGUARD_GIT_TIMEOUT=2s"}, "scan", "--staged")
	assertNoFullKey(t, out, errOut)
	if code != 2 || !strings.Contains(errOut, "gave no output") {
		t.Errorf("exit %d, want 2 and the reason\n%s%s", code, out, errOut)
	}
}

// An endpoint that echoes the key it was sent (in the message, the error
// type, the request id) and sends control characters: scan --verify shows
// neither the key (text, JSON, SARIF) nor the raw escape (text).
func TestScanVerifyEchoingEndpoint(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		mu.Lock()
		seen = append(seen, r.URL.String())
		mu.Unlock()
		w.Header().Set("x-request-id", key)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		body, _ := json.Marshal(map[string]any{"error": map[string]any{
			"message": "Incorrect API key provided: " + key + " \x1b]52;c;QUFB\x07\x1b[2J", "type": key, "code": "invalid_api_key"}})
		w.Write(body)
	}))
	defer srv.Close()
	r := rand.New(rand.NewPCG(10, 6))
	key := exposureKey(t, r, "openai")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.py"), []byte("KEY = \""+key+"\"\n"), 0o644)
	for _, format := range []string{"text", "json", "sarif"} {
		out, errOut, code, _ := runBounded(t, dir, 30*time.Second, nil, "scan", "--verify", "--format", format, "--endpoint", "openai="+srv.URL+"/v1")
		noKeyIn(t, []string{key}, out, errOut)
		if code != 1 || !strings.Contains(out, "invalid") {
			t.Errorf("%s: exit %d\n%s%s", format, code, out, errOut)
		}
		if strings.ContainsAny(out+errOut, "\x1b\x07") {
			t.Errorf("%s: raw control characters from the endpoint:\n%q", format, out)
		}
	}
	for _, u := range seen {
		if strings.Contains(u, key[8:20]) {
			t.Errorf("key in URL %s", u)
		}
	}
}

// One blob of many keys under many names in one tree: a repository of a
// few hundred KB whose history holds keys × names findings (here 360,000;
// 2,000 × 2,000 took scan --git past 5 GB and out of memory). The scan
// lists the first DefaultMaxFindings, says how many more there were, and
// stays within a memory bound.
func TestScanGitFindingsAmplification(t *testing.T) {
	needGit(t)
	const keys, names = 600, 600
	r := rand.New(rand.NewPCG(10, 7))
	blob, planted := manyKeysFile(t, r, keys)
	dir := t.TempDir()
	git(t, dir, "init", "-q")
	write := exec.Command("git", "hash-object", "-w", "--stdin")
	write.Dir, write.Stdin = dir, strings.NewReader(blob)
	id, err := write.Output()
	if err != nil {
		t.Fatal(err)
	}
	var tree strings.Builder
	for i := range names {
		fmt.Fprintf(&tree, "100644 blob %s\tf%04d.py\n", strings.TrimSpace(string(id)), i)
	}
	mktree := exec.Command("git", "mktree")
	mktree.Dir, mktree.Stdin = dir, strings.NewReader(tree.String())
	treeID, err := mktree.Output()
	if err != nil {
		t.Fatal(err)
	}
	c := git(t, dir, "commit-tree", strings.TrimSpace(string(treeID)), "-m", "x")
	git(t, dir, "update-ref", "refs/heads/main", c)

	out, errOut, code, rss := runBoundedAS(t, dir, 60*time.Second, 4<<20, nil, "scan", "--git")
	noKeyIn(t, planted[:5], out, errOut)
	if n := strings.Count(out, "\n"); code != 1 || n != 100_000 || !strings.Contains(errOut, "260000 more were not listed") {
		t.Errorf("exit %d, %d findings listed, want 100000 and a warning\n%s", code, n, errOut)
	}
	if rss > 1<<20 {
		t.Errorf("peak RSS %d MB", rss>>10)
	}
	t.Logf("peak RSS %d MB", rss>>10)
}

// The same amplification in what a clone checks out (and in its index):
// one blob of 600 keys under 600 names is 360,000 findings. scan (and
// --staged) list MaxFindings of them and say how many more there were.
func TestScanFindingsAmplification(t *testing.T) {
	needGit(t)
	const keys, names = 600, 600
	r := rand.New(rand.NewPCG(10, 8))
	blob, planted := manyKeysFile(t, r, keys)
	dir := t.TempDir()
	git(t, dir, "init", "-q")
	for i := range names {
		p := fmt.Sprintf("f%04d.py", i)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(blob), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "add", ".")
	for _, args := range [][]string{{"scan"}, {"scan", "--staged"}} {
		out, errOut, code, rss := runBoundedAS(t, dir, 120*time.Second, 4<<20, nil, args...)
		noKeyIn(t, planted[:5], out, errOut)
		if n := strings.Count(out, "\n"); code != 1 || n != 100_000 || !strings.Contains(errOut, "260000 more were not listed") {
			t.Errorf("%v: exit %d, %d findings listed, want 100000 and a warning\n%s", args, code, n, errOut)
		}
		if rss > 1<<20 {
			t.Errorf("%v: peak RSS %d MB", args, rss>>10)
		}
		t.Logf("%v: peak RSS %d MB", args, rss>>10)
	}
}

// One tree with one blob under 300,000 names (a 1 MB repository): placing
// each name walked every earlier place of the blob, quadratic (100,000
// names took 6 s, 200,000 11 s, 300,000 about 25 s; now under 1 s).
func TestScanGitWideTree(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	git(t, dir, "init", "-q")
	hash := exec.Command("git", "hash-object", "-w", "--stdin")
	hash.Dir, hash.Stdin = dir, strings.NewReader("x = 1\n")
	out, err := hash.Output()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := hex.DecodeString(strings.TrimSpace(string(out)))
	var tree bytes.Buffer
	for i := range 300_000 {
		fmt.Fprintf(&tree, "100644 f%07d.py\x00", i)
		tree.Write(raw)
	}
	mk := exec.Command("git", "hash-object", "-t", "tree", "--literally", "-w", "--stdin")
	mk.Dir, mk.Stdin = dir, &tree
	treeID, err := mk.Output()
	if err != nil {
		t.Fatal(err)
	}
	git(t, dir, "update-ref", "refs/heads/main", git(t, dir, "commit-tree", strings.TrimSpace(string(treeID)), "-m", "x"))
	start := time.Now()
	stdout, errOut, code, _ := runBounded(t, dir, 60*time.Second, nil, "scan", "--git")
	if d := time.Since(start); code != 0 || d > 5*time.Second {
		t.Errorf("exit %d after %v\n%s%s", code, d, stdout, errOut)
	}
}
