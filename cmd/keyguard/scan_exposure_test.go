package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan/fakeprovider"
)

// exposureKey builds a key-shaped string at run time (no committed source
// holds one) that the detector accepts.
func exposureKey(t *testing.T, r *rand.Rand, provider string) string {
	t.Helper()
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	alnum := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = chars[r.IntN(len(chars))]
		}
		return string(b)
	}
	for range 100 {
		var k string
		switch provider {
		case "anthropic":
			k = "sk-ant-api03-" + alnum(93) + "AA"
		case "groq":
			k = "gsk_" + alnum(52)
		default:
			k = "sk-proj-" + alnum(74) + "T3BlbkFJ" + alnum(74)
		}
		if fs := diagnostics.Default.Scan("k.py", []byte("x = \""+k+"\"\n")); len(fs) == 1 && fs[0].Key == k {
			return k
		}
	}
	t.Fatal("no key the detector accepts")
	return ""
}

// git runs git in dir for a test, with a fixed identity and date and no
// user or system config.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME="+dir,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_AUTHOR_DATE=2024-03-01T10:00:00+01:00", "GIT_COMMITTER_DATE=2024-03-01T10:00:00+01:00")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out.String())
	}
	return strings.TrimSpace(out.String())
}

// historyRepo commits keys and removes them again: the work tree is clean,
// the history is not. It returns the repository and the commits that
// added keys[0] (in app.py) and keys[1] (in .env).
func historyRepo(t *testing.T, keys []string) (dir, addedApp, addedEnv string) {
	dir = t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write := func(p, c string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		git(t, dir, "add", p)
	}
	write("README.md", "hello\n")
	git(t, dir, "commit", "-qm", "init")
	write("app.py", "import os\nOPENAI_API_KEY = \""+keys[0]+"\"\n")
	git(t, dir, "commit", "-qm", "add key")
	addedApp = git(t, dir, "rev-parse", "HEAD")
	write(".env", "ANTHROPIC_API_KEY="+keys[1]+"\n")
	write("app.py", "import os\nOPENAI_API_KEY = os.environ[\"OPENAI_API_KEY\"]\n")
	git(t, dir, "commit", "-qm", "move key to .env (and commit it)")
	addedEnv = git(t, dir, "rev-parse", "HEAD")
	git(t, dir, "rm", "-q", "--cached", ".env")
	os.Remove(filepath.Join(dir, ".env"))
	git(t, dir, "commit", "-qm", "untrack .env")
	return dir, addedApp, addedEnv
}

func noKeyIn(t *testing.T, keys []string, outputs ...string) {
	t.Helper()
	for _, out := range outputs {
		for _, k := range keys {
			if strings.Contains(out, k) || strings.Contains(out, k[6:len(k)-4]) {
				t.Fatalf("output holds a full key:\n%s", out)
			}
		}
	}
}

func TestScanGit(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1))
	keys := []string{exposureKey(t, r, "openai"), exposureKey(t, r, "anthropic")}
	dir, addedApp, addedEnv := historyRepo(t, keys)

	// The work tree is clean.
	if out, errOut, code := runKeyguard(t, dir, "scan"); code != 0 {
		t.Fatalf("work tree: exit %d\n%s%s", code, out, errOut)
	}

	out, errOut, code := runKeyguard(t, dir, "scan", "--git")
	noKeyIn(t, keys, out, errOut)
	want := fmt.Sprintf("app.py:2:19: openai openai-project-key %s (commit %s, 2024-03-01)\n.env:1:19: anthropic committed-env-key %s (commit %s, 2024-03-01)\n",
		diagnostics.Mask(keys[0]), addedApp[:12], diagnostics.Mask(keys[1]), addedEnv[:12])
	if code != 1 || out != want {
		t.Errorf("text: exit %d\ngot\n%swant\n%sstderr %s", code, out, want, errOut)
	}
	if !strings.Contains(errOut, "4 commits") {
		t.Errorf("stderr lacks the summary: %s", errOut)
	}

	out, errOut, code = runKeyguard(t, dir, "scan", "--git", "--format", "json")
	noKeyIn(t, keys, out, errOut)
	var doc struct {
		Findings []map[string]any
		Stats    map[string]int
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 1 || len(doc.Findings) != 2 {
		t.Fatalf("json: exit %d err %v\n%s", code, err, out)
	}
	f := doc.Findings[0]
	if f["commit"] != addedApp || f["date"] != "2024-03-01T10:00:00+01:00" || f["path"] != "app.py" || f["line"] != 2.0 || f["code"] != "hardcoded-key" {
		t.Errorf("json finding %v", f)
	}
	if doc.Findings[1]["rule"] != "committed-env-key" || doc.Findings[1]["code"] != "committed-env-key" {
		t.Errorf("json .env finding %v", doc.Findings[1])
	}

	out, _, code = runKeyguard(t, dir, "scan", "--git", "--format=sarif")
	var log struct {
		Runs []struct {
			Results []struct {
				PartialFingerprints map[string]string
				Properties          map[string]string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || code != 1 || len(log.Runs[0].Results) != 2 ||
		log.Runs[0].Results[0].Properties["commit"] != addedApp || log.Runs[0].Results[0].PartialFingerprints["keyguard/commit/v1"] != addedApp {
		t.Errorf("sarif: exit %d err %v\n%s", code, err, out)
	}

	// A range: only the last commit, which adds nothing.
	if out, errOut, code := runKeyguard(t, dir, "scan", "--git", "HEAD~1..HEAD"); code != 0 || out != "" {
		t.Errorf("range: exit %d out %q err %q", code, out, errOut)
	}
	// The repository as a path, from elsewhere; and --git=RANGE.
	if out, _, code := runKeyguard(t, t.TempDir(), "scan", "--git="+addedApp, dir); code != 1 || strings.Count(out, "\n") != 1 {
		t.Errorf("--git=REV PATH: exit %d\n%s", code, out)
	}
	// A bare clone.
	bare := filepath.Join(t.TempDir(), "bare.git")
	git(t, dir, "clone", "-q", "--bare", dir, bare)
	if out, errOut, code := runKeyguard(t, bare, "scan", "--git"); code != 1 || out != want {
		t.Errorf("bare: exit %d\n%s%s", code, out, errOut)
	}
}

func TestScanGitErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 1))
	dir, _, _ := historyRepo(t, []string{exposureKey(t, r, "openai"), exposureKey(t, r, "groq")})
	for _, tc := range []struct {
		name string
		dir  string
		args []string
		want string
	}{
		{"not a repository", t.TempDir(), []string{"scan", "--git"}, "not a git repository"},
		{"bad range", dir, []string{"scan", "--git", "nosuch..HEAD"}, "bad revision range"},
		{"two repositories", dir, []string{"scan", "--git", ".", "."}, "one repository"},
		{"fail-on without verify", dir, []string{"scan", "--git", "--fail-on", "live"}, "needs --verify"},
		{"bad fail-on", dir, []string{"scan", "--fail-on", "some"}, "live or any"},
	} {
		out, errOut, code := runKeyguard(t, tc.dir, tc.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d out %q stderr %q, want exit 2 and %q", tc.name, code, out, errOut, tc.want)
		}
	}
}

func TestScanBaseline(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 1))
	keys := []string{exposureKey(t, r, "openai"), exposureKey(t, r, "anthropic"), exposureKey(t, r, "groq")}
	dir, _, _ := historyRepo(t, keys)
	base := filepath.Join(t.TempDir(), "baseline.json")

	out, errOut, code := runKeyguard(t, dir, "scan", "--git", "--write-baseline", base)
	if code != 1 || strings.Count(out, "\n") != 2 || !strings.Contains(errOut, "wrote 2 finding(s) to baseline") {
		t.Fatalf("write: exit %d\n%s%s", code, out, errOut)
	}
	data, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	noKeyIn(t, keys, string(data))
	if strings.Contains(string(data), "…") {
		t.Errorf("baseline holds masked keys:\n%s", data)
	}
	var file struct {
		Version  int
		Findings []struct {
			Fingerprint, Path, Rule, Commit string
			Line                            int
		}
	}
	if err := json.Unmarshal(data, &file); err != nil || file.Version != 1 || len(file.Findings) != 2 ||
		file.Findings[0].Fingerprint != diagnostics.Fingerprint(keys[1]) || file.Findings[0].Path != ".env" || file.Findings[0].Commit == "" {
		t.Fatalf("baseline file: err %v\n%s", err, data)
	}

	// Everything is in the baseline: nothing to report, exit 0.
	out, errOut, code = runKeyguard(t, dir, "scan", "--git", "--baseline", base)
	if code != 0 || out != "" || !strings.Contains(errOut, "2 finding(s) in the baseline") {
		t.Errorf("baselined: exit %d out %q err %q", code, out, errOut)
	}

	// A new key, and an old key in a new place: both reported.
	os.WriteFile(filepath.Join(dir, "new.py"), []byte("k = \""+keys[2]+"\"\nj = \""+keys[0]+"\"\n"), 0o644)
	git(t, dir, "add", "new.py")
	git(t, dir, "commit", "-qm", "new key")
	out, errOut, code = runKeyguard(t, dir, "scan", "--git", "--baseline", base, "--format", "json")
	noKeyIn(t, keys, out, errOut)
	var doc struct{ Findings []map[string]any }
	json.Unmarshal([]byte(out), &doc)
	if code != 1 || len(doc.Findings) != 2 || doc.Findings[0]["path"] != "new.py" || doc.Findings[1]["path"] != "new.py" {
		t.Errorf("new findings: exit %d\n%s", code, out)
	}

	// The working tree honours baselines too.
	out, _, code = runKeyguard(t, dir, "scan", "--write-baseline", base)
	if code != 1 || strings.Count(out, "\n") != 2 {
		t.Errorf("work tree write: exit %d\n%s", code, out)
	}
	if out, errOut, code := runKeyguard(t, dir, "scan", "--baseline", base); code != 0 || out != "" {
		t.Errorf("work tree baselined: exit %d\n%s%s", code, out, errOut)
	}

	// A bad baseline is an error, not an empty one.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"version": 9, "findings": []}`), 0o644)
	for _, b := range []string{bad, filepath.Join(t.TempDir(), "missing.json")} {
		if _, errOut, code := runKeyguard(t, dir, "scan", "--baseline", b); code != 2 || errOut == "" {
			t.Errorf("baseline %s: exit %d %q", b, code, errOut)
		}
	}
}

// TestScanVerify: N distinct keys, found in several places each, cost N
// requests to the loopback fake, at most 4 at once; live keys come first
// and decide --fail-on live; no output holds a key.
func TestScanVerify(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()

	r := rand.New(rand.NewPCG(17, 1))
	var keys []string
	for i := range 10 {
		k := exposureKey(t, r, "openai")
		if i >= 8 {
			k = exposureKey(t, r, "anthropic")
		}
		keys = append(keys, k)
		answer := fp.Scenario("openai", "invalid key")
		switch {
		case i == 3:
			answer = fp.Scenario("openai", "valid")
		case i == 6:
			answer = fp.Scenario("openai", "restricted key missing scope")
		case i >= 8:
			answer = fp.Scenario("anthropic", "invalid key")
		}
		fp.Set(k, fakeprovider.Slow(150*time.Millisecond, answer))
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	// Each key in two files, then all gone but one.
	var a, b strings.Builder
	for i, k := range keys {
		fmt.Fprintf(&a, "KEY_%d = \"%s\"\n", i, k)
		fmt.Fprintf(&b, "const k%d = \"%s\";\n", i, k)
	}
	os.WriteFile(filepath.Join(dir, "a.py"), []byte(a.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "b.ts"), []byte(b.String()), 0o644)
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-qm", "keys")
	os.WriteFile(filepath.Join(dir, "a.py"), []byte("KEY = \""+keys[3]+"\"\n"), 0o644)
	os.Remove(filepath.Join(dir, "b.ts"))
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-qm", "fewer keys")

	endpoints := []string{"--endpoint", "openai=" + srv.URL + "/v1", "--endpoint", "anthropic=" + srv.URL}
	out, errOut, code := runKeyguard(t, dir, append([]string{"scan", "--git", "--verify", "--format", "json"}, endpoints...)...)
	noKeyIn(t, keys, out, errOut)
	if code != 1 {
		t.Errorf("exit %d; stderr %s", code, errOut)
	}
	for _, k := range keys {
		if n := fp.Count(k); n != 1 {
			t.Errorf("key %s probed %d times, want 1", diagnostics.Mask(k), n)
		}
	}
	if n := fp.Count(""); n != len(keys) {
		t.Errorf("%d requests for %d distinct keys", n, len(keys))
	}
	if m := fp.MaxInFlight(); m > 4 || m < 2 {
		t.Errorf("max in flight %d, want 2..4", m)
	}
	t.Logf("max in flight %d", fp.MaxInFlight())
	for _, req := range fp.Requests() {
		if strings.Contains(req.Path+req.Query, req.Key[8:20]) {
			t.Errorf("key in URL %s?%s", req.Path, req.Query)
		}
	}
	var doc struct{ Findings []map[string]any }
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Findings) != 20 {
		t.Fatalf("json: err %v, %d findings\n%s", err, len(doc.Findings), out)
	}
	for i, f := range doc.Findings {
		live := f["verdict"] == "valid" || f["verdict"] == "restricted"
		if (i < 4) != live || f["detail"] == "" || f["verdict"] == nil {
			t.Errorf("finding %d: verdict %v detail %v (live keys first)", i, f["verdict"], f["detail"])
		}
	}

	// Text marks live keys, and lists them first; --fail-on live fails.
	out, errOut, code = runKeyguard(t, dir, append([]string{"scan", "--git", "--verify", "--fail-on", "live"}, endpoints...)...)
	noKeyIn(t, keys, out, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 20 || !strings.Contains(lines[0], "LIVE: valid") || !strings.Contains(lines[3], "LIVE: restricted") || strings.Contains(lines[4], "LIVE") {
		t.Errorf("text: exit %d\n%s", code, out)
	}

	// The work tree: one key, live.
	out, _, code = runKeyguard(t, dir, append([]string{"scan", "--verify", "--fail-on", "live"}, endpoints...)...)
	if code != 1 || !strings.Contains(out, "a.py:1:8: openai openai-project-key "+diagnostics.Mask(keys[3])+" LIVE: valid") {
		t.Errorf("work tree: exit %d\n%s", code, out)
	}

	// Only dead keys: --fail-on live passes, --fail-on any does not.
	rng := "HEAD~1..HEAD"
	git(t, dir, "commit", "-qm", "dead key", "--allow-empty")
	os.WriteFile(filepath.Join(dir, "a.py"), []byte("KEY = \""+keys[0]+"\"\n"), 0o644)
	git(t, dir, "commit", "-qam", "dead key")
	if out, errOut, code := runKeyguard(t, dir, append([]string{"scan", "--git", rng, "--verify", "--fail-on", "live"}, endpoints...)...); code != 0 || !strings.Contains(out, "invalid") {
		t.Errorf("dead key, --fail-on live: exit %d\n%s%s", code, out, errOut)
	}
	if _, _, code := runKeyguard(t, dir, append([]string{"scan", "--git", rng, "--verify", "--fail-on", "any"}, endpoints...)...); code != 1 {
		t.Errorf("dead key, --fail-on any: exit %d", code)
	}
}

// A key whose probe cannot tell (the provider keeps failing) counts as
// live under --fail-on live: a CI gate must not open because a provider
// is down.
func TestScanVerifyUndecidedFailsClosed(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	r := rand.New(rand.NewPCG(18, 1))
	key := exposureKey(t, r, "openai")
	fp.Set(key, fakeprovider.Status(503, "upstream down"))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.py"), []byte("KEY = \""+key+"\"\n"), 0o644)
	out, errOut, code := runKeyguard(t, dir, "scan", "--verify", "--fail-on", "live", "--endpoint", "openai="+srv.URL+"/v1")
	noKeyIn(t, []string{key}, out, errOut)
	if code != 1 || !strings.Contains(out, " unknown") || !strings.Contains(errOut, "1 key(s) could not be verified") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}
