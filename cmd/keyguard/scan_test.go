package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var scanKeys = []string{
	"sk-proj-Jq8s2LkR7vTn4WcXbA1mZ0pY5uGdHe3iQfKoNrSt6VwBT3BlbkFJ9xCzD2yEaF7gHjK4lM1nP0qRsT5uVwXyZ8bAcD3eFgH",
	"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",
}

func scanTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	// assets/blob.bin: binary files are searched with prefix rules only
	// (TestScanCompiledPython); a generic assignment there is noise.
	files := map[string]string{
		"app/main.py":     "import os\nOPENAI_API_KEY = \"" + scanKeys[0] + "\"\n",
		"web/Chat.tsx":    "const k = \"" + scanKeys[1] + "\";\n",
		"docs/README.md":  "Set OPENAI_API_KEY=your-api-key in .env\n",
		".env":            "OPENAI_API_KEY=" + scanKeys[0] + "\n",
		".gitignore":      "ignored/\n",
		"ignored/old.py":  "k = \"" + scanKeys[1] + "\"\n",
		".git/HEAD":       "k = \"" + scanKeys[1] + "\"\n",
		"assets/blob.bin": "\x00\x01api_key = \"Zq8Lk2Rv7Tn4WcXbA1mZ0pY5uGdHe3iQ\"\n",
	}
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func assertNoFullKey(t *testing.T, outputs ...string) {
	t.Helper()
	for _, out := range outputs {
		for _, k := range scanKeys {
			if strings.Contains(out, k) || strings.Contains(out, k[6:len(k)-4]) {
				t.Fatalf("output contains a full key:\n%s", out)
			}
		}
	}
}

func TestScanText(t *testing.T) {
	root := scanTree(t)
	out, errOut, code := runKeyguard(t, root, "scan")
	assertNoFullKey(t, out, errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, errOut)
	}
	want := "app/main.py:2:19: openai openai-project-key sk-pro…eFgH\nweb/Chat.tsx:1:12: groq client-side-key gsk_Iw…TiYs\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// Flags after paths, --no-ignore.
	out, _, code = runKeyguard(t, root, "scan", ".", "--no-ignore")
	if code != 1 || !strings.Contains(out, "ignored/old.py") {
		t.Errorf("--no-ignore: exit %d\n%s", code, out)
	}
	if strings.Contains(out, ".git/") || strings.Contains(out, "blob.bin") || strings.Contains(out, ".env:") {
		t.Errorf("scanned VCS dir, binary or .env:\n%s", out)
	}
}

func TestScanJSON(t *testing.T) {
	root := scanTree(t)
	out, errOut, code := runKeyguard(t, root, "scan", "--format", "json", "app", "web")
	assertNoFullKey(t, out, errOut)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Findings []struct {
			Path, Provider, Rule, Secret, Fingerprint string
			Line, Column, EndLine, EndColumn          int
		}
		Stats struct{ Files, Bytes, MS int64 }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	if len(doc.Findings) != 2 || doc.Stats.Files != 2 {
		t.Fatalf("findings %d files %d", len(doc.Findings), doc.Stats.Files)
	}
	f := doc.Findings[0]
	if f.Path != "app/main.py" || f.Line != 2 || f.Column != 19 || f.EndLine != 2 || f.EndColumn != 19+len(scanKeys[0]) ||
		f.Provider != "openai" || f.Rule != "openai-project-key" || f.Secret != "sk-pro…eFgH" || len(f.Fingerprint) != 16 {
		t.Errorf("finding %+v", f)
	}
	if doc.Findings[1].Rule != "client-side-key" {
		t.Errorf("tsx finding rule %q", doc.Findings[1].Rule)
	}
}

func TestScanSARIF(t *testing.T) {
	root := scanTree(t)
	out, errOut, code := runKeyguard(t, root, "scan", "--format=sarif")
	assertNoFullKey(t, out, errOut)
	var log struct {
		Version string
		Runs    []struct {
			Results []struct{ RuleID string }
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || code != 1 || log.Version != "2.1.0" || len(log.Runs[0].Results) != 2 {
		t.Errorf("sarif: exit %d err %v log %+v", code, err, log)
	}
}

func TestScanExitCodes(t *testing.T) {
	clean := t.TempDir()
	os.WriteFile(filepath.Join(clean, "a.py"), []byte("print('hi')\n"), 0o644)
	if out, errOut, code := runKeyguard(t, clean, "scan"); code != 0 || out != "" {
		t.Errorf("clean tree: exit %d out %q err %q", code, out, errOut)
	}
	if _, errOut, code := runKeyguard(t, clean, "scan", "missing-dir"); code != 2 || !strings.Contains(errOut, "missing-dir") {
		t.Errorf("missing path: exit %d, stderr %q", code, errOut)
	}
	// One bad path among good ones: reported, the scan goes on.
	if _, errOut, code := runKeyguard(t, clean, "scan", ".", "missing-dir"); code != 0 || !strings.Contains(errOut, "missing-dir") {
		t.Errorf("partly bad paths: exit %d, stderr %q", code, errOut)
	}
	if _, _, code := runKeyguard(t, clean, "scan", "--format", "xml"); code != 2 {
		t.Errorf("bad format: exit %d", code)
	}
	if _, _, code := runKeyguard(t, clean, "scan", "--bogus"); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
}

// The README's first command: the bundled example tree has findings.
func TestScanExamples(t *testing.T) {
	out, errOut, code := runKeyguard(t, "../..", "scan", "./examples")
	if code != 1 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	// examples/python-app/.env is tracked by this repository: a committed
	// .env is reported.
	for _, want := range []string{"examples/python-app/app.py", "client-side-key", "examples/python-app/.env.example", "anthropic-api-key", "examples/python-app/.env:1:16: openai committed-env-key"} {
		if !strings.Contains(out, want) {
			t.Errorf("example scan lacks %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"scratch", "logo.png", "README.md"} {
		if strings.Contains(out, not) {
			t.Errorf("example scan should skip %q:\n%s", not, out)
		}
	}
}
