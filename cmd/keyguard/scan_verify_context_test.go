package main

import (
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan/fakeprovider"
)

// sharedShapeKey builds, at run time, a key of a shape several services
// share (rule: deepseek-api-key, sk- + 32 lower-case alphanumerics; or
// sk-48-key, sk- + 48 alphanumerics) that the detector accepts on its own.
func sharedShapeKey(t *testing.T, r *rand.Rand, rule string) string {
	t.Helper()
	alphabet, n := "abcdefghijklmnopqrstuvwxyz0123456789", 32
	if rule == "sk-48-key" {
		alphabet, n = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 48
	}
	for range 100 {
		b := []byte("sk-")
		for range n {
			b = append(b, alphabet[r.IntN(len(alphabet))])
		}
		k := string(b)
		if m, ok := diagnostics.Default.Identify(k); ok && m.Rule == rule {
			return k
		}
	}
	t.Fatalf("no %s key the detector accepts", rule)
	return ""
}

// verifyJSON is scan's JSON output, each finding as its fields.
func verifyJSON(t *testing.T, out string) []map[string]any {
	t.Helper()
	var doc struct {
		Findings []map[string]any `json:"findings"`
		Stats    map[string]any   `json:"stats"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Stats == nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	return doc.Findings
}

// assertVerifyShape checks a finding's fields against design.md's scan JSON
// contract with --verify's verdict and detail (and history's commit and
// date): the line that routed the probe is never one of them.
func assertVerifyShape(t *testing.T, f map[string]any, history bool) {
	t.Helper()
	want := []string{"code", "column", "detail", "endColumn", "endLine", "fingerprint", "format", "line", "path", "provider", "rule", "secret", "severity", "verdict"}
	if history {
		want = append(want, "commit", "date")
	}
	slices.Sort(want)
	var got []string
	for k := range f {
		got = append(got, k)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("finding fields %v, want %v", got, want)
	}
}

// A key of a shared shape found by `scan --verify` is routed by its line,
// as the language server routes a hardcoded key: probed where the line
// names the provider, skipped with the shared-shape reason (and sent
// nowhere) where it does not. Before scan passed the line, every such key
// was skipped.
func TestScanVerifySharedShapeByLine(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	r := rand.New(rand.NewPCG(31, 7))
	const sharedReason = "shape is shared by several services"

	tests := []struct {
		name  string
		rule  string
		files map[string]string // KEY stands for the key
		// sent: the key reaches the loopback provider, once, and every
		// finding of it has the provider's verdict; else none is sent
		// and every finding is skipped with the shared-shape reason.
		sent bool
	}{
		// DeepSeek's own docs call it through the OpenAI SDK: the base
		// URL on the line names the provider.
		{"openai sdk with deepseek base url", "deepseek-api-key",
			map[string]string{"app.py": "client = OpenAI(api_key=\"KEY\", base_url=\"https://api.deepseek.com\")\n"}, true},
		{"deepseek client", "deepseek-api-key",
			map[string]string{"app.ts": "const client = new DeepSeek({ apiKey: \"KEY\" });\n"}, true},
		{"neutral line", "deepseek-api-key",
			map[string]string{"gw.py": "gateway_token = \"KEY\"\n"}, false},
		// One key, many lines: any one naming the provider routes it,
		// still with one request; whichever file the walk reaches first.
		{"neutral and naming lines", "deepseek-api-key",
			map[string]string{"a.py": "token = \"KEY\"\n", "b.py": "x = 1\ndeepseek_key = \"KEY\"\n", "c.go": "var k = \"KEY\"\n"}, true},
		{"two neutral lines", "deepseek-api-key",
			map[string]string{"a.py": "token = \"KEY\"\n", "c.go": "var k = \"KEY\"\n"}, false},
		// The provider named on another line of the file does not count.
		{"provider on another line", "deepseek-api-key",
			map[string]string{"a.py": "# DeepSeek settings\ntoken = \"KEY\"\n"}, false},
		// sk- + 48 beside the OpenAI SDK is not OpenAI's to take:
		// Braintrust's proxy is called through the OpenAI SDK with its own
		// sk- + 48 key (envscan.RouteKey); the editor skips it too.
		{"sk-48 on an openai line", "sk-48-key",
			map[string]string{"app.py": "client = OpenAI(api_key=\"KEY\")\n"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := sharedShapeKey(t, r, tt.rule)
			fp.Set(key, fp.Scenario("openai", "valid"))
			dir := t.TempDir()
			for p, c := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, p), []byte(strings.ReplaceAll(c, "KEY", key)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out, errOut, code := runKeyguard(t, dir, "scan", "--verify", "--format", "json",
				"--endpoint", "deepseek="+srv.URL+"/v1", "--endpoint", "openai="+srv.URL+"/v1")
			noKeyIn(t, []string{key}, out, errOut)
			if code != 1 {
				t.Errorf("exit %d, want 1 (findings)\n%s", code, errOut)
			}
			fs := verifyJSON(t, out)
			if len(fs) != len(tt.files) {
				t.Fatalf("%d findings for %d files\n%s", len(fs), len(tt.files), out)
			}
			want := 0
			if tt.sent {
				want = 1
			}
			if n := fp.Count(key); n != want {
				t.Errorf("%d requests reached the loopback provider, want %d", n, want)
			}
			// --fail-on live: a live key fails the job; a skipped one is
			// not known to be live (docs/ci.md says so).
			wantCode := 0
			if tt.sent {
				wantCode = 1
			}
			_, errLive, codeLive := runKeyguard(t, dir, "scan", "--verify", "--fail-on", "live",
				"--endpoint", "deepseek="+srv.URL+"/v1", "--endpoint", "openai="+srv.URL+"/v1")
			if codeLive != wantCode {
				t.Errorf("--fail-on live: exit %d, want %d\n%s", codeLive, wantCode, errLive)
			}
			for _, f := range fs {
				assertVerifyShape(t, f, false)
				detail, _ := f["detail"].(string)
				if tt.sent && f["verdict"] != "valid" {
					t.Errorf("%v: verdict %v (%s), want the provider's, valid", f["path"], f["verdict"], detail)
				}
				if !tt.sent && (f["verdict"] != "skipped" || !strings.Contains(detail, sharedReason)) {
					t.Errorf("%v: verdict %v (%s), want skipped with the shared-shape reason", f["path"], f["verdict"], detail)
				}
			}
		})
	}
}

// The same in git's index (`scan --staged --verify`) and in history
// (`scan --git --verify`): a key is routed by its line in the blob that
// held it, though the work tree no longer has it.
func TestScanGitVerifySharedShapeByLine(t *testing.T) {
	needGit(t)
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	r := rand.New(rand.NewPCG(31, 8))
	named, neutral := sharedShapeKey(t, r, "deepseek-api-key"), sharedShapeKey(t, r, "deepseek-api-key")
	fp.Set(named, fp.Scenario("openai", "valid"))
	fp.Set(neutral, fp.Scenario("openai", "valid"))

	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "app.py"), []byte("client = OpenAI(api_key=\""+named+"\", base_url=\"https://api.deepseek.com\")\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "gw.py"), []byte("gateway_token = \""+neutral+"\"\n"), 0o644)
	git(t, dir, "add", ".")
	check := func(args []string, history bool, wantNamed int) {
		t.Helper()
		out, errOut, code := runKeyguard(t, dir, append(args, "--verify", "--format", "json", "--endpoint", "deepseek="+srv.URL+"/v1")...)
		noKeyIn(t, []string{named, neutral}, out, errOut)
		if code != 1 {
			t.Errorf("%v: exit %d\n%s", args, code, errOut)
		}
		if n, m := fp.Count(named), fp.Count(neutral); n != wantNamed || m != 0 {
			t.Errorf("%v: requests: %d in all for the key on a line naming DeepSeek (want %d), %d for the key on a neutral line (want 0)", args, n, wantNamed, m)
		}
		checkSharedShapeVerdicts(t, verifyJSON(t, out), history)
	}
	// The index, for a pre-commit hook.
	check([]string{"scan", "--staged"}, false, 1)
	git(t, dir, "commit", "-qm", "keys")
	git(t, dir, "rm", "-q", "app.py", "gw.py")
	git(t, dir, "commit", "-qm", "no keys")
	check([]string{"scan", "--git"}, true, 2)
}

// checkSharedShapeVerdicts: app.py's key (its line names DeepSeek) has the
// provider's verdict, gw.py's (a neutral line) is skipped with the reason.
func checkSharedShapeVerdicts(t *testing.T, fs []map[string]any, history bool) {
	t.Helper()
	if len(fs) != 2 {
		t.Fatalf("%d findings: %v", len(fs), fs)
	}
	for _, f := range fs {
		assertVerifyShape(t, f, history)
		detail, _ := f["detail"].(string)
		switch f["path"] {
		case "app.py":
			if f["verdict"] != "valid" {
				t.Errorf("app.py: verdict %v (%s), want valid", f["verdict"], detail)
			}
		case "gw.py":
			if f["verdict"] != "skipped" || !strings.Contains(detail, "shape is shared by several services") {
				t.Errorf("gw.py: verdict %v (%s), want skipped with the shared-shape reason", f["verdict"], detail)
			}
		default:
			t.Errorf("finding in %v", f["path"])
		}
	}
}
