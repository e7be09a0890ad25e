package history

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
)

// TestGeneratedHistory is the correctness benchmark of issue 14: a history
// of thousands of commits with keys added and removed again (the final tree
// holds none), renames, side branches merged back, binary blobs, allow
// comments and placeholders. Every planted key must be found at every path
// it reached, with the commit that brought it there, its line and rule, and
// nothing else may be reported.
func TestGeneratedHistory(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 600
	}
	m := newRepoModel(t, 1)
	m.generate(n)
	for _, bare := range []bool{false, true} {
		name := "worktree"
		if bare {
			name = "bare"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			hashes := m.write(dir, bare)
			start := time.Now()
			res, err := Scan(context.Background(), dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d commits, %d blobs, %d findings, %d expected, scan %v", res.Stats.Commits, res.Stats.Blobs, len(res.Findings), len(m.expected), time.Since(start))
			if int(res.Stats.Commits) != len(m.commits) {
				t.Errorf("scanned %d commits, generated %d", res.Stats.Commits, len(m.commits))
			}
			if len(res.Warnings) != 0 {
				t.Errorf("warnings: %v", res.Warnings)
			}
			if res.Stats.Binary == 0 {
				t.Errorf("no binary blob skipped")
			}
			dates := map[string]time.Time{}
			for _, c := range m.commits {
				dates[hashes[c.mark]] = c.date
			}
			got := map[string]bool{}
			for _, f := range res.Findings {
				id := f.Fingerprint + "\x00" + f.Path
				if got[id] {
					t.Errorf("two findings for one key at %s (line %d, commit %s)", f.Path, f.Line, f.Commit)
				}
				got[id] = true
				want, ok := m.expected[id]
				if !ok {
					t.Errorf("false positive: %s:%d %s %s in %s", f.Path, f.Line, f.Rule, f.Secret, f.Commit)
					continue
				}
				if f.Commit != hashes[want.commitMark] || f.Line != want.line || f.Rule != want.rule {
					t.Errorf("%s %s: got commit %s line %d rule %s, want commit %s line %d rule %s",
						f.Path, f.Secret, f.Commit, f.Line, f.Rule, hashes[want.commitMark], want.line, want.rule)
				}
				if d, err := time.Parse(time.RFC3339, f.Date); err != nil || !d.Equal(dates[f.Commit]) {
					t.Errorf("%s: date %q, want %v", f.Path, f.Date, dates[f.Commit])
				}
				for _, h := range m.hidden {
					if f.Key == h {
						t.Errorf("reported a key behind an allow comment or in a binary blob at %s", f.Path)
					}
				}
			}
			for id, want := range m.expected {
				if !got[id] {
					fp, path, _ := strings.Cut(id, "\x00")
					t.Errorf("missed key %s at %s (commit %s)", fp, path, hashes[want.commitMark])
				}
			}
		})
	}
}

func TestClassOf(t *testing.T) {
	for path, want := range map[string]string{
		".env": "env", "svc/.env.production": "env", ".env.example": ".example",
		"web/App.TSX": ".tsx", "android/google-services.json": "google-services", "Makefile": "",
	} {
		if got := classOf(path); got != want {
			t.Errorf("classOf(%q) = %q, want %q", path, got, want)
		}
	}
	_ = diagnostics.Default
}

// smallRepo makes a work-tree repository with loose objects: one commit per
// map, files written as given.
func smallRepo(t *testing.T, commits ...map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	gitRun(t, "", nil, "init", "-q", "-b", "main", dir)
	for i, files := range commits {
		for p, c := range files {
			full := filepath.Join(dir, filepath.FromSlash(p))
			os.MkdirAll(filepath.Dir(full), 0o755)
			if c == "" {
				gitRun(t, dir, nil, "rm", "-q", "--", p)
				continue
			}
			if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
			gitRun(t, dir, nil, "add", "--", p)
		}
		gitRun(t, dir, nil, "commit", "-q", "--allow-empty", "-m", fmt.Sprintf("c%d", i))
	}
	return dir
}

func TestBadInput(t *testing.T) {
	km := newKeyMaker(3)
	k1, k2 := km.key(0), km.key(2)
	repo := smallRepo(t,
		map[string]string{"a.py": "KEY = \"" + k1 + "\"\n"},
		map[string]string{"a.py": "", "b.py": "KEY = \"" + k2 + "\"\n"},
		map[string]string{"b.py": ""},
	)
	ctx := context.Background()

	t.Run("not a repository", func(t *testing.T) {
		_, err := Scan(ctx, t.TempDir(), Options{})
		if err == nil || !strings.Contains(err.Error(), "not a git repository") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("bad revision range", func(t *testing.T) {
		_, err := Scan(ctx, repo, Options{Revs: []string{"nosuchbranch..main"}})
		if err == nil || !strings.Contains(err.Error(), "bad revision range") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("option as revision", func(t *testing.T) {
		_, err := Scan(ctx, repo, Options{Revs: []string{"--output=/tmp/x"}})
		if err == nil || !strings.Contains(err.Error(), "bad revision") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("revision range", func(t *testing.T) {
		res, err := Scan(ctx, repo, Options{Revs: []string{"main~1..main"}})
		if err != nil || res.Stats.Commits != 1 || len(res.Findings) != 0 {
			t.Errorf("main~1..main: err %v stats %+v findings %d", err, res.Stats, len(res.Findings))
		}
		res, err = Scan(ctx, repo, Options{Revs: []string{"main~2..main"}})
		if err != nil || len(res.Findings) != 1 || res.Findings[0].Path != "b.py" {
			t.Errorf("main~2..main: err %v findings %+v", err, res.Findings)
		}
	})
	t.Run("empty repository", func(t *testing.T) {
		dir := t.TempDir()
		gitRun(t, "", nil, "init", "-q", dir)
		res, err := Scan(ctx, dir, Options{})
		if err != nil || res.Stats.Commits != 0 {
			t.Errorf("err %v stats %+v", err, res.Stats)
		}
	})
	t.Run("huge blob", func(t *testing.T) {
		res, err := Scan(ctx, repo, Options{MaxBlobSize: 10})
		if err != nil || res.Stats.Huge != 2 || len(res.Findings) != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "over") {
			t.Errorf("err %v stats %+v warnings %v", err, res.Stats, res.Warnings)
		}
	})
	t.Run("missing blob", func(t *testing.T) {
		dir := smallRepo(t,
			map[string]string{"a.py": "KEY = \"" + k1 + "\"\n"},
			map[string]string{"b.py": "KEY = \"" + k2 + "\"\n"},
		)
		id := strings.TrimSpace(gitRun(t, dir, nil, "rev-parse", "main:a.py"))
		if err := os.Remove(filepath.Join(dir, ".git", "objects", id[:2], id[2:])); err != nil {
			t.Fatal(err)
		}
		res, err := Scan(ctx, dir, Options{})
		if err != nil || res.Stats.Missing != 1 || len(res.Findings) != 1 || res.Findings[0].Path != "b.py" ||
			len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "could not be read") {
			t.Errorf("err %v stats %+v findings %v warnings %v", err, res.Stats, len(res.Findings), res.Warnings)
		}
		// With every blob gone, nothing could be scanned: an error.
		id = strings.TrimSpace(gitRun(t, dir, nil, "rev-parse", "main:b.py"))
		os.Remove(filepath.Join(dir, ".git", "objects", id[:2], id[2:]))
		if _, err := Scan(ctx, dir, Options{}); err == nil || !strings.Contains(err.Error(), "could be read") {
			t.Errorf("all blobs missing: err %v", err)
		}
	})
	t.Run("corrupt blob", func(t *testing.T) {
		dir := smallRepo(t, map[string]string{"a.py": "KEY = \"" + k1 + "\"\n", "b.py": "KEY = \"" + k2 + "\"\n"})
		id := strings.TrimSpace(gitRun(t, dir, nil, "rev-parse", "main:a.py"))
		obj := filepath.Join(dir, ".git", "objects", id[:2], id[2:])
		os.Chmod(obj, 0o644)
		os.WriteFile(obj, []byte("garbage"), 0o644)
		res, err := Scan(ctx, dir, Options{})
		if err != nil || res.Stats.Missing != 1 || len(res.Findings) != 1 || res.Findings[0].Path != "b.py" {
			t.Errorf("err %v stats %+v findings %d", err, res.Stats, len(res.Findings))
		}
	})
	t.Run("non-UTF-8 path", func(t *testing.T) {
		dir := smallRepo(t, map[string]string{"caf\xe9.py": "KEY = \"" + k1 + "\"\n"})
		res, err := Scan(ctx, dir, Options{})
		if err != nil || len(res.Findings) != 1 || res.Findings[0].Path != "caf\uFFFD.py" ||
			len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "UTF-8") {
			t.Errorf("err %v findings %+v warnings %v", err, res.Findings, res.Warnings)
		}
	})
	t.Run("shallow clone", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "shallow")
		gitRun(t, "", nil, "clone", "-q", "--depth", "1", "--no-local", "file://"+repo, dir)
		res, err := Scan(ctx, dir, Options{})
		if err != nil || res.Stats.Commits != 1 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "shallow clone") {
			t.Errorf("err %v stats %+v warnings %v", err, res.Stats, res.Warnings)
		}
	})
}

// A hostile repository's configuration must not run anything: fsmonitor,
// hooks, pager, textconv, external diff and filters all point at a script
// that would leave a mark.
func TestHostileConfigRunsNothing(t *testing.T) {
	km := newKeyMaker(5)
	repo := smallRepo(t,
		map[string]string{"a.py": "KEY = \"" + km.key(1) + "\"\n", ".gitattributes": "* diff=evil filter=evil\n"},
		map[string]string{"a.py": "KEY = 1\n"},
	)
	mark := filepath.Join(t.TempDir(), "ran")
	script := filepath.Join(t.TempDir(), "evil.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho ran >> "+mark+"\ncat\n"), 0o755)
	for _, kv := range [][2]string{
		{"core.fsmonitor", script}, {"core.hooksPath", filepath.Dir(script)}, {"core.pager", script},
		{"diff.external", script}, {"diff.evil.textconv", script}, {"filter.evil.clean", script},
		{"filter.evil.smudge", script}, {"core.sshCommand", script}, {"log.showSignature", "true"}, {"gpg.program", script},
	} {
		gitRun(t, repo, nil, "config", kv[0], kv[1])
	}
	res, err := Scan(context.Background(), repo, Options{})
	if err != nil || len(res.Findings) != 1 {
		t.Fatalf("err %v findings %d", err, len(res.Findings))
	}
	if _, err := os.Stat(mark); err == nil {
		t.Errorf("the repository's configuration ran a program")
	}
	// Positive control: plain git with this configuration does run it.
	gitRun(t, repo, nil, "log", "-p", "-1")
	if _, err := os.Stat(mark); err != nil {
		t.Errorf("control: plain git log -p did not run the textconv script; the test proves nothing")
	}
}

// A corrupt packed object kills `git cat-file --batch` in the middle of
// its answer: the scan loses that blob, restarts cat-file and goes on.
func TestCorruptPackRestartsCatFile(t *testing.T) {
	km := newKeyMaker(9)
	r := newRepoModel(t, 9)
	files := map[string]string{}
	keys := map[string]string{}
	for i := range 4 {
		p := fmt.Sprintf("f%d.py", i)
		keys[p] = km.key(i)
		var b strings.Builder
		fmt.Fprintf(&b, "KEY = \"%s\"\n", keys[p])
		for j := range 3000 {
			fmt.Fprintf(&b, "line %d %s\n", j, r.words(4)) // big enough to be worth compressing
		}
		files[p] = b.String()
	}
	dir := smallRepo(t, files)
	gitRun(t, dir, nil, "repack", "-q", "-a", "-d")
	packs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.pack"))
	if len(packs) != 1 {
		t.Fatalf("packs %v", packs)
	}
	victim := "f2.py"
	id := strings.TrimSpace(gitRun(t, dir, nil, "rev-parse", "main:"+victim))
	var offset int
	for _, line := range strings.Split(gitRun(t, dir, nil, "verify-pack", "-v", packs[0]), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && f[0] == id {
			fmt.Sscan(f[4], &offset)
		}
	}
	if offset == 0 {
		t.Fatal("victim blob not found in the pack")
	}
	data, _ := os.ReadFile(packs[0])
	for i := offset + 100; i < offset+160; i++ {
		data[i] ^= 0xff
	}
	os.Chmod(packs[0], 0o644)
	if err := os.WriteFile(packs[0], data, 0o644); err != nil {
		t.Fatal(err)
	}

	res, err := Scan(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range res.Findings {
		found[f.Path] = true
	}
	t.Logf("warnings: %v", res.Warnings)
	if len(found) != 3 || found[victim] || res.Stats.Missing != 1 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "corrupt") {
		t.Errorf("found %v, stats %+v, warnings %v", found, res.Stats, res.Warnings)
	}
}

// A blobless partial clone: old blobs are not there. The scan reports them
// missing and never fetches them (that would be network, and a hostile
// remote); with no blob at all it is an error.
func TestPartialClone(t *testing.T) {
	km := newKeyMaker(11)
	src := smallRepo(t,
		map[string]string{"a.py": "KEY = \"" + km.key(0) + "\"\n"},
		map[string]string{"a.py": "KEY = \"" + km.key(1) + "\"\n"},
		map[string]string{"a.py": "KEY = \"" + km.key(2) + "\"\n"},
	)
	gitRun(t, src, nil, "config", "uploadpack.allowFilter", "true")
	objects := func(dir string) string {
		return gitRun(t, dir, nil, "count-objects", "-v")
	}

	clone := filepath.Join(t.TempDir(), "clone")
	gitRun(t, "", nil, "clone", "-q", "--filter=blob:none", "file://"+src, clone)
	before := objects(clone)
	res, err := Scan(context.Background(), clone, Options{})
	if err != nil || res.Stats.Missing != 2 || len(res.Findings) != 1 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "not in this partial clone") {
		t.Errorf("err %v stats %+v findings %d warnings %v", err, res.Stats, len(res.Findings), res.Warnings)
	}
	if after := objects(clone); after != before {
		t.Errorf("the scan fetched objects:\n%s\n%s", before, after)
	}

	bare := filepath.Join(t.TempDir(), "bare")
	gitRun(t, "", nil, "clone", "-q", "--bare", "--filter=blob:none", "file://"+src, bare)
	if _, err := Scan(context.Background(), bare, Options{}); err == nil || !strings.Contains(err.Error(), "could be read") {
		t.Errorf("no blob at all: err %v", err)
	}

	// Treeless: git log itself cannot walk it; a clear error, no fetch.
	treeless := filepath.Join(t.TempDir(), "treeless")
	gitRun(t, "", nil, "clone", "-q", "--bare", "--filter=tree:0", "file://"+src, treeless)
	before = objects(treeless)
	if _, err := Scan(context.Background(), treeless, Options{}); err == nil || !strings.Contains(err.Error(), "partial clone") || !strings.Contains(err.Error(), "fatal:") {
		t.Errorf("treeless: err %v", err)
	}
	if after := objects(treeless); after != before {
		t.Errorf("the scan fetched objects of a treeless clone")
	}
}
