package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/walk"
)

const key = "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"

func result(t *testing.T) walk.Result {
	fs := diagnostics.Default.Scan("src/app.py", []byte("x = 1\nGROQ_API_KEY = \""+key+"\"\n"))
	fs = append(fs, diagnostics.Default.Scan("web/Chat.tsx", []byte(`const k = "`+key+`";`))...)
	if len(fs) != 2 {
		t.Fatalf("setup: %d findings", len(fs))
	}
	return walk.Result{Findings: fs, Stats: walk.Stats{Files: 2, Bytes: 100, MS: 1}}
}

func render(t *testing.T, f Format, res walk.Result, opts Options) string {
	var b bytes.Buffer
	if err := Write(&b, f, res, opts); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, key[8:len(key)-4]) {
		t.Fatalf("%s output contains the full key", f)
	}
	return out
}

func TestText(t *testing.T) {
	got := render(t, Text, result(t), Options{})
	want := "src/app.py:2:17: groq groq-api-key gsk_Iw…TiYs\nweb/Chat.tsx:1:12: groq client-side-key gsk_Iw…TiYs\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if colored := render(t, Text, result(t), Options{Color: true}); !strings.Contains(colored, "\x1b[") {
		t.Errorf("no colour codes with Color set")
	}
}

func TestJSONContract(t *testing.T) {
	out := render(t, JSON, result(t), Options{})
	var doc struct {
		Findings []map[string]any `json:"findings"`
		Stats    map[string]any   `json:"stats"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"path", "line", "column", "endLine", "endColumn", "provider", "rule", "secret", "fingerprint"} {
		if _, ok := doc.Findings[0][k]; !ok {
			t.Errorf("finding lacks %q", k)
		}
	}
	for _, k := range []string{"files", "bytes", "ms"} {
		if _, ok := doc.Stats[k]; !ok {
			t.Errorf("stats lack %q", k)
		}
	}
	if doc.Findings[1]["rule"] != "client-side-key" || doc.Findings[0]["secret"] != "gsk_Iw…TiYs" {
		t.Errorf("unexpected values: %v", doc.Findings)
	}
	empty := render(t, JSON, walk.Result{}, Options{})
	if !strings.Contains(empty, `"findings": []`) {
		t.Errorf("empty findings must be [], got %s", empty)
	}
}

// TestSARIFShape checks what GitHub code scanning requires of an upload
// (docs: "SARIF support for code scanning"): version 2.1.0, a driver name,
// rules with ids and descriptions, results with ruleId, message.text, a
// relative artifact URI and a region whose startLine ≥ 1, and
// partialFingerprints so alerts survive line moves.
func TestSARIFShape(t *testing.T) {
	out := render(t, SARIF, result(t), Options{Version: "1.2.3"})
	var log map[string]any
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if log["version"] != "2.1.0" || !strings.Contains(log["$schema"].(string), "sarif") {
		t.Fatalf("version/schema: %v %v", log["version"], log["$schema"])
	}
	runs := log["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	run := runs[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	if driver["name"] != "keyguard" || driver["version"] != "1.2.3" {
		t.Errorf("driver %v", driver)
	}
	ruleIDs := map[string]int{}
	for i, r := range driver["rules"].([]any) {
		rule := r.(map[string]any)
		id := rule["id"].(string)
		ruleIDs[id] = i
		if rule["shortDescription"].(map[string]any)["text"] == "" || rule["helpUri"] == "" {
			t.Errorf("rule %s lacks descriptions", id)
		}
		level := rule["defaultConfiguration"].(map[string]any)["level"]
		if level != "error" && level != "warning" && level != "note" {
			t.Errorf("rule %s level %v", id, level)
		}
	}
	results := run["results"].([]any)
	if len(results) != 2 {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		res := r.(map[string]any)
		id := res["ruleId"].(string)
		if idx, ok := ruleIDs[id]; !ok || int(res["ruleIndex"].(float64)) != idx {
			t.Errorf("result rule %s not in driver.rules at ruleIndex", id)
		}
		if res["message"].(map[string]any)["text"] == "" {
			t.Errorf("empty message")
		}
		loc := res["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
		uri := loc["artifactLocation"].(map[string]any)["uri"].(string)
		if strings.HasPrefix(uri, "/") || strings.Contains(uri, "\\") {
			t.Errorf("uri %q must be relative with forward slashes", uri)
		}
		region := loc["region"].(map[string]any)
		if region["startLine"].(float64) < 1 || region["startColumn"].(float64) < 1 {
			t.Errorf("region %v", region)
		}
		if fp := res["partialFingerprints"].(map[string]any); len(fp) == 0 {
			t.Errorf("no partialFingerprints")
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, ok := range []string{"text", "json", "sarif"} {
		if _, err := ParseFormat(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("xml accepted")
	}
}

func TestSARIFURI(t *testing.T) {
	tests := []struct{ path, want string }{
		{"app/main.py", "app/main.py"},
		{"./web/a b#1.ts", "web/a%20b%231.ts"},
		{"x?y/z%.go", "x%3Fy/z%25.go"},
		{"a:b.py", "a%3Ab.py"},
		{"dir/a:b.py", "dir/a:b.py"},
	}
	for _, tt := range tests {
		if got := sarifURI(tt.path); got != tt.want {
			t.Errorf("sarifURI(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// Extras (history and --verify facts) appear in every format, and only
// when set: working-tree output keeps its exact contract shape.
func TestExtras(t *testing.T) {
	commit := strings.Repeat("ab", 20)
	opts := Options{Extras: []Extra{
		{Commit: commit, Date: "2024-05-01T10:00:00+02:00", Verdict: "valid", Detail: "works", Live: true},
		{Verdict: "revoked", Detail: "dead"},
	}}
	text := render(t, Text, result(t), opts)
	want := "src/app.py:2:17: groq groq-api-key gsk_Iw…TiYs (commit abababababab, 2024-05-01) LIVE: valid — rotate it now\n" +
		"web/Chat.tsx:1:12: groq client-side-key gsk_Iw…TiYs revoked\n"
	if text != want {
		t.Errorf("text got\n%s\nwant\n%s", text, want)
	}

	var doc struct{ Findings []map[string]any }
	if err := json.Unmarshal([]byte(render(t, JSON, result(t), opts)), &doc); err != nil {
		t.Fatal(err)
	}
	if f := doc.Findings[0]; f["commit"] != commit || f["date"] != "2024-05-01T10:00:00+02:00" || f["verdict"] != "valid" || f["detail"] != "works" {
		t.Errorf("json finding 0: %v", f)
	}
	if f := doc.Findings[1]; f["commit"] != nil || f["verdict"] != "revoked" {
		t.Errorf("json finding 1: %v", f)
	}
	var plain struct{ Findings []map[string]any }
	json.Unmarshal([]byte(render(t, JSON, result(t), Options{})), &plain)
	for _, k := range []string{"commit", "date", "verdict", "detail"} {
		if _, ok := plain.Findings[0][k]; ok {
			t.Errorf("working-tree JSON has %q", k)
		}
	}

	var log struct {
		Runs []struct {
			Results []struct {
				PartialFingerprints map[string]string
				Properties          map[string]string
			}
		}
	}
	if err := json.Unmarshal([]byte(render(t, SARIF, result(t), opts)), &log); err != nil {
		t.Fatal(err)
	}
	r := log.Runs[0].Results
	if r[0].Properties["commit"] != commit || r[0].Properties["verdict"] != "valid" || r[0].PartialFingerprints["keyguard/commit/v1"] != commit {
		t.Errorf("sarif result 0: %+v", r[0])
	}
	if r[1].Properties["verdict"] != "revoked" || r[1].PartialFingerprints["keyguard/commit/v1"] != "" {
		t.Errorf("sarif result 1: %+v", r[1])
	}
}
