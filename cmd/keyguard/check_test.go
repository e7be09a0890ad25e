package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan/fakeprovider"
)

// Realistic-looking fake keys (never real): the detector, once built,
// recognises these shapes; until then keyguard check falls back on the
// provider's variable name.
const (
	checkOpenAIKey    = "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"
	checkAnthropicKey = "sk-ant-api03-Zx8vK2mQ9rT4wL7nB1cF6hJ3pS5dG0yU8eA2iO4kM7tR9vX1zC3bN6qW8sE5fH0jL2gP4uY7rT1mK9xV3cB6nZ8qWkLmAA"
)

func writeEnv(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// noFullKey fails if any output holds a whole key.
func noFullKey(t *testing.T, outputs ...string) {
	t.Helper()
	for _, out := range outputs {
		for _, k := range []string{checkOpenAIKey, checkAnthropicKey} {
			if strings.Contains(out, k) {
				t.Fatalf("output holds a full key:\n%s", out)
			}
		}
	}
}

func TestCheckJSONAgainstFakeProvider(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	fp.Set(checkOpenAIKey, fp.Scenario("openai", "valid"))
	fp.Set(checkAnthropicKey, fp.Scenario("anthropic", "invalid key"))

	dir := t.TempDir()
	writeEnv(t, dir, ".env", "# app\nOPENAI_API_KEY="+checkOpenAIKey+"\nOPENAI_PROJECT_ID=proj_1\nANTHROPIC_API_KEY=\""+checkAnthropicKey+"\"\nOPENAI_BASE_URL=https://evil.example/v1\n")
	stdout, stderr, code := runKeyguard(t, dir, "check", "--format", "json",
		"--endpoint", "openai="+srv.URL+"/v1", "--endpoint", "anthropic="+srv.URL)
	noFullKey(t, stdout, stderr)
	if code != 1 {
		t.Errorf("exit %d, want 1 (an invalid key); stderr %s", code, stderr)
	}

	var raw map[string][]map[string]any
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if len(raw) != 2 || raw["results"] == nil || raw["issues"] == nil {
		t.Fatalf("top level keys: %v", stdout)
	}
	verdicts := map[string]string{}
	for _, r := range raw["results"] {
		for _, k := range []string{"file", "line", "var", "provider", "verdict", "status", "detail", "requestId"} {
			if _, ok := r[k]; !ok {
				t.Errorf("result lacks %q: %v", k, r)
			}
		}
		verdicts[r["var"].(string)] = r["verdict"].(string)
		if r["file"] != ".env" {
			t.Errorf("file %v", r["file"])
		}
	}
	if verdicts["OPENAI_API_KEY"] != "valid" || verdicts["ANTHROPIC_API_KEY"] != "invalid" {
		t.Errorf("verdicts %v", verdicts)
	}
	for _, is := range raw["issues"] {
		for _, k := range []string{"file", "line", "code", "message"} {
			if _, ok := is[k]; !ok {
				t.Errorf("issue lacks %q: %v", k, is)
			}
		}
	}
	// The probe went to the configured endpoint, with the project header,
	// and the key was never in a URL.
	for _, r := range fp.Requests() {
		if strings.Contains(r.Query, "sk-") || strings.Contains(r.Path, "sk-") {
			t.Errorf("key in URL: %s?%s", r.Path, r.Query)
		}
		if r.Key == checkOpenAIKey && r.Header.Get("OpenAI-Project") != "proj_1" {
			t.Errorf("no OpenAI-Project header")
		}
	}
	if n := fp.Count(""); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestCheckText(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	fp.Set(checkOpenAIKey, fp.Scenario("openai", "valid"))
	dir := t.TempDir()
	writeEnv(t, dir, ".env", "OPENAI_API_KEY="+checkOpenAIKey+"\n")
	stdout, stderr, code := runKeyguard(t, dir, "check", "--endpoint", "openai="+srv.URL+"/v1")
	noFullKey(t, stdout, stderr)
	if code != 0 || !strings.Contains(stdout, "valid") || !strings.Contains(stdout, diagnostics.Mask(checkOpenAIKey)) || strings.Contains(stdout, "\x1b[") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

func TestCheckNoProbe(t *testing.T) {
	dir := t.TempDir()
	writeEnv(t, dir, "prod.env", "OPENAI_API_KEY="+checkOpenAIKey+"\n")
	stdout, stderr, code := runKeyguard(t, dir, "check", "--no-probe", "--env-file", "prod.env", "--format", "json")
	noFullKey(t, stdout, stderr)
	var rep struct {
		Results []struct{ Verdict, Var string }
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if code != 0 || len(rep.Results) != 1 || rep.Results[0].Verdict != "skipped" {
		t.Errorf("exit %d, %+v, stderr %s", code, rep, stderr)
	}
}

func TestCheckHygieneErrorExits1(t *testing.T) {
	dir := t.TempDir()
	writeEnv(t, dir, ".env", "OPENAI_API_KEY=Bearer "+checkOpenAIKey+"\n")
	stdout, stderr, code := runKeyguard(t, dir, "check", "--no-probe")
	noFullKey(t, stdout, stderr)
	if code != 1 || !strings.Contains(stdout, "bearer-prefix") {
		t.Errorf("exit %d\n%s", code, stdout)
	}
}

func TestCheckErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".env"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeEnv(t, dir, "ok.env", "A=1\n")
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"directory named .env", []string{"check", "--no-probe"}, "is a directory"},
		{"missing file", []string{"check", "--env-file", "nope.env"}, "nope.env: no such file"},
		{"bad flag", []string{"check", "--frobnicate"}, "flag provided but not defined"},
		{"http endpoint off loopback", []string{"check", "--env-file", "ok.env", "--endpoint", "openai=http://example.com/v1"}, "loopback"},
		{"endpoint without provider", []string{"check", "--env-file", "ok.env", "--endpoint", "http://127.0.0.1/v1"}, "PROVIDER=URL"},
		{"bad format", []string{"check", "--env-file", "ok.env", "--format", "xml"}, "text or json"},
		{"stray argument", []string{"check", "ok.env"}, "--env-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runKeyguard(t, dir, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
	// A bad file does not hide the good one's report.
	stdout, _, code := runKeyguard(t, dir, "check", "--no-probe", "--format", "json", "--env-file", "nope.env", "--env-file", "ok.env")
	if code != 2 || !json.Valid([]byte(stdout)) {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
}

func TestCheckDoesNotFollowHostileBaseURL(t *testing.T) {
	evil := fakeprovider.New()
	evilSrv := httptest.NewServer(evil)
	defer evilSrv.Close()
	official := fakeprovider.New()
	officialSrv := httptest.NewServer(official)
	defer officialSrv.Close()
	official.Set(checkOpenAIKey, official.Scenario("openai", "valid"))
	dir := t.TempDir()
	// The .env points the SDK at a local listener; without --allow-host the
	// probe must ignore it. The official host is stood in for by
	// --endpoint (user-level, trusted).
	writeEnv(t, dir, ".env", "OPENAI_BASE_URL="+evilSrv.URL+"/v1\nOPENAI_API_KEY="+checkOpenAIKey+"\n")
	stdout, stderr, _ := runKeyguard(t, dir, "check", "--endpoint", "openai="+officialSrv.URL+"/v1", "--format", "json")
	noFullKey(t, stdout, stderr)
	if evil.Count("") != 0 {
		t.Fatalf("the .env's base URL received %d requests", evil.Count(""))
	}
	if official.Count(checkOpenAIKey) != 1 {
		t.Errorf("official endpoint got %d requests", official.Count(checkOpenAIKey))
	}
	if !slices.Contains(strings.Fields(stdout), `"valid",`) {
		t.Errorf("stdout %s", stdout)
	}
}
