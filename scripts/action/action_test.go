// Package action tests the GitHub Action in /action.yml by running its own
// shell steps here, the way a runner would: each `run:` with its `env:`
// (expressions resolved from the inputs and earlier steps' outputs),
// GITHUB_ENV and GITHUB_OUTPUT files, `if:` conditions, and the
// upload-sarif step checked for what it would upload. The SARIF written is
// validated against the SARIF 2.1.0 JSON schema (testdata, from OASIS) and
// against GitHub code scanning's own rules.
package action

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name  string            `yaml:"name"`
			ID    string            `yaml:"id"`
			If    string            `yaml:"if"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			Run   string            `yaml:"run"`
			Uses  string            `yaml:"uses"`
			With  map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// result is what one run of the action did.
type result struct {
	exit    int               // the job's result: first failing step's code
	outputs map[string]string // the action's outputs
	log     string            // everything the steps printed
	uploads []string          // SARIF files the upload step would send
}

var repoRoot = func() string {
	wd, _ := os.Getwd()
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}()

var exprRE = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// runAction runs action.yml on workspace with inputs, as a runner would.
func runAction(t *testing.T, workspace string, inputs map[string]string) result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", a.Runs.Using)
	}
	in := map[string]string{}
	for k, v := range a.Inputs {
		in[k] = v.Default
	}
	for k, v := range inputs {
		if _, ok := a.Inputs[k]; !ok {
			t.Fatalf("action.yml has no input %q", k)
		}
		in[k] = v
	}
	tmp := t.TempDir()
	runnerTemp := filepath.Join(os.TempDir(), "keyguard-action-test") // shared: the build is cached
	envFile := filepath.Join(tmp, "github_env")
	os.WriteFile(envFile, nil, 0o644)
	stepOutputs := map[string]map[string]string{}
	var res result
	var log bytes.Buffer
	failed := false

	lookup := func(expr string) string {
		switch {
		case expr == "github.action_path":
			return repoRoot
		case strings.HasPrefix(expr, "inputs."):
			return in[strings.TrimPrefix(expr, "inputs.")]
		case strings.HasPrefix(expr, "steps."):
			parts := strings.SplitN(expr, ".", 4) // steps.ID.outputs.NAME
			if len(parts) == 4 && parts[2] == "outputs" {
				return stepOutputs[parts[1]][parts[3]]
			}
		}
		t.Fatalf("expression the test runner does not know: %q", expr)
		return ""
	}
	subst := func(s string) string {
		return exprRE.ReplaceAllStringFunc(s, func(m string) string { return lookup(exprRE.FindStringSubmatch(m)[1]) })
	}
	// cond evaluates the `if:` forms action.yml uses: terms joined by &&,
	// each always(), or X == 'lit' / X != 'lit'.
	cond := func(s string) bool {
		s = strings.TrimSpace(s)
		if m := exprRE.FindStringSubmatch(s); m != nil {
			s = m[1]
		}
		if s == "" {
			return !failed
		}
		ok, always := true, false
		for _, term := range strings.Split(s, "&&") {
			term = strings.TrimSpace(term)
			switch {
			case term == "always()":
				always = true
			case strings.Contains(term, "=="), strings.Contains(term, "!="):
				op := "=="
				if strings.Contains(term, "!=") {
					op = "!="
				}
				lhs, rhs, _ := strings.Cut(term, op)
				got := lookup(strings.TrimSpace(lhs))
				want := strings.Trim(strings.TrimSpace(rhs), "'")
				if (got == want) != (op == "==") {
					ok = false
				}
			default:
				t.Fatalf("if: term the test runner does not know: %q", term)
			}
		}
		return ok && (always || !failed)
	}

	for _, st := range a.Runs.Steps {
		if !cond(st.If) {
			continue
		}
		if st.Uses != "" {
			if !strings.HasPrefix(st.Uses, "github/codeql-action/upload-sarif@") {
				t.Fatalf("step %q uses %s: the test runner only knows upload-sarif", st.Name, st.Uses)
			}
			res.uploads = append(res.uploads, subst(st.With["sarif_file"]))
			continue
		}
		if st.Shell != "bash" {
			t.Fatalf("step %q: shell %q, want bash (composite steps must name one)", st.Name, st.Shell)
		}
		outFile := filepath.Join(tmp, "output-"+st.ID+fmt.Sprint(len(stepOutputs)))
		os.WriteFile(outFile, nil, 0o644)
		env := append(os.Environ(), "GITHUB_WORKSPACE="+workspace, "RUNNER_TEMP="+runnerTemp,
			"GITHUB_ENV="+envFile, "GITHUB_OUTPUT="+outFile, "GITHUB_ACTION_PATH="+repoRoot)
		envData, _ := os.ReadFile(envFile)
		for _, line := range strings.Split(strings.TrimSpace(string(envData)), "\n") {
			if line != "" {
				env = append(env, line)
			}
		}
		for k, v := range st.Env {
			env = append(env, k+"="+subst(v))
		}
		// GitHub's bash: `bash --noprofile --norc -eo pipefail {0}`.
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", subst(st.Run))
		cmd.Dir = workspace
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = &log, &log
		err := cmd.Run()
		outs := map[string]string{}
		od, _ := os.ReadFile(outFile)
		for _, line := range strings.Split(string(od), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				outs[k] = v
			}
		}
		if st.ID != "" {
			stepOutputs[st.ID] = outs
		}
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			if !failed {
				res.exit = ee.ExitCode()
			}
			failed = true
		case err != nil:
			t.Fatalf("step %q: %v", st.Name, err)
		}
	}
	res.outputs = map[string]string{}
	for k, v := range a.Outputs {
		res.outputs[k] = subst(v.Value)
	}
	res.log = log.String()
	return res
}

// key returns a fresh Groq-shaped key: random, so no test source holds one.
func key(t *testing.T) string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := []byte("gsk_")
	for len(b) < 56 {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alnum))))
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, alnum[n.Int64()])
	}
	return string(b)
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestActionFindings(t *testing.T) {
	k1, k2 := key(t), key(t)
	ws := writeTree(t, map[string]string{
		"app/main.py":      "import groq\nclient = groq.Groq(api_key=\"" + k1 + "\")\n",
		"web/src/a b#1.ts": "export const apiKey = \"" + k2 + "\";\n",
		"README.md":        "Set GROQ_API_KEY in .env\n",
	})
	git(t, ws, "init", "-q")
	git(t, ws, "add", ".")
	git(t, ws, "commit", "-qm", "init")
	res := runAction(t, ws, map[string]string{"upload-sarif": "true"})
	noFullKey(t, res.log, k1, k2)
	if res.exit != 1 || res.outputs["exit-code"] != "1" || res.outputs["findings"] != "2" {
		t.Fatalf("exit %d, outputs %v; log:\n%s", res.exit, res.outputs, res.log)
	}
	if !strings.Contains(res.log, "::error title=keyguard::2 hardcoded API key(s) found") {
		t.Errorf("no error annotation in the log:\n%s", res.log)
	}
	report := filepath.Join(ws, res.outputs["report"])
	if len(res.uploads) != 1 || res.uploads[0] != res.outputs["report"] {
		t.Fatalf("upload step sent %v, want the report %q", res.uploads, res.outputs["report"])
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	noFullKey(t, string(data), k1, k2)
	checkSARIF(t, data, 2)
	// The URIs name the files: "a b#1.ts" must not become a fragment.
	var paths []string
	for _, m := range regexp.MustCompile(`"uri": "([^"]*)"`).FindAllStringSubmatch(string(data), -1) {
		u, err := url.Parse(m[1])
		if err != nil || u.Fragment != "" || u.RawQuery != "" {
			t.Errorf("URI %q: %v, fragment %q", m[1], err, u.Fragment)
			continue
		}
		paths = append(paths, u.Path)
	}
	sort.Strings(paths)
	if want := []string{"app/main.py", "web/src/a b#1.ts"}; fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("SARIF URIs name %q, want %q", paths, want)
	}
}

func TestActionNoFindings(t *testing.T) {
	ws := writeTree(t, map[string]string{"main.go": "package main\n\nfunc main() {}\n"})
	git(t, ws, "init", "-q")
	git(t, ws, "add", ".")
	git(t, ws, "commit", "-qm", "init")
	res := runAction(t, ws, map[string]string{"upload-sarif": "true"})
	if res.exit != 0 || res.outputs["exit-code"] != "0" || res.outputs["findings"] != "0" {
		t.Fatalf("exit %d, outputs %v; log:\n%s", res.exit, res.outputs, res.log)
	}
	// An empty SARIF is still uploaded: it closes the alerts of keys removed since.
	if len(res.uploads) != 1 {
		t.Fatalf("uploads %v, want the empty report", res.uploads)
	}
	data, err := os.ReadFile(filepath.Join(ws, res.uploads[0]))
	if err != nil {
		t.Fatal(err)
	}
	checkSARIF(t, data, 0)
}

func TestActionInputs(t *testing.T) {
	k := key(t)
	tests := []struct {
		name      string
		files     map[string]string
		gitInit   bool
		inputs    map[string]string
		exit      int
		findings  string
		logWants  string
		uploads   int
		reportHas string
	}{
		{name: "path does not exist", files: map[string]string{"a.txt": "x\n"}, inputs: map[string]string{"path": "nope"},
			exit: 2, findings: "0", logWants: "::error title=keyguard::path 'nope' does not exist"},
		{name: "repository with no commits", files: map[string]string{"cfg.py": "KEY = \"" + k + "\"\n"}, gitInit: true,
			exit: 1, findings: "1"},
		{name: "empty repository", files: map[string]string{}, gitInit: true, exit: 0, findings: "0"},
		{name: "fail-on never reports only", files: map[string]string{"cfg.py": "KEY = \"" + k + "\"\n"},
			inputs: map[string]string{"fail-on": "never"}, exit: 0, findings: "1"},
		{name: "json report", files: map[string]string{"cfg.py": "KEY = \"" + k + "\"\n"},
			inputs: map[string]string{"format": "json", "output": "out/kg.json"}, exit: 1, findings: "1", reportHas: `"fingerprint"`},
		{name: "json report in workspace", files: map[string]string{"cfg.py": "KEY = \"" + k + "\"\n"},
			inputs: map[string]string{"format": "json"}, exit: 1, findings: "1", reportHas: `"fingerprint"`},
		{name: "text report", files: map[string]string{"cfg.py": "KEY = \"" + k + "\"\n"},
			inputs: map[string]string{"format": "text"}, exit: 1, findings: "1", logWants: "cfg.py:1:8: groq"},
		{name: "bad format", files: map[string]string{}, inputs: map[string]string{"format": "xml"},
			exit: 2, findings: "0", logWants: "input format must be sarif, json or text"},
		{name: "bad fail-on", files: map[string]string{}, inputs: map[string]string{"fail-on": "sometimes"},
			exit: 2, findings: "0", logWants: "input fail-on must be any, live or never"},
		{name: "upload needs sarif", files: map[string]string{}, inputs: map[string]string{"format": "json", "upload-sarif": "true"},
			exit: 2, findings: "0", logWants: "upload-sarif needs format: sarif"},
		{name: "args reach scan", files: map[string]string{".gitignore": "gen/\n", "gen/k.py": "KEY = \"" + k + "\"\n"}, gitInit: true,
			inputs: map[string]string{"args": "--no-ignore"}, exit: 1, findings: "1"},
		{name: "ignored file skipped without args", files: map[string]string{".gitignore": "gen/\n", "gen/k.py": "KEY = \"" + k + "\"\n"}, gitInit: true,
			exit: 0, findings: "0"},
		{name: "bad args are an error", files: map[string]string{}, inputs: map[string]string{"args": "--frobnicate"},
			exit: 2, findings: "0", logWants: "keyguard scan failed (exit 2)"},
		{name: "subdirectory path", files: map[string]string{"svc/cfg.py": "KEY = \"" + k + "\"\n", "other/cfg.py": "KEY = \"" + k + "\"\n"},
			inputs: map[string]string{"path": "svc"}, exit: 1, findings: "1", reportHas: `"uri": "svc/cfg.py"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := writeTree(t, tt.files)
			if tt.gitInit {
				git(t, ws, "init", "-q")
			}
			res := runAction(t, ws, tt.inputs)
			noFullKey(t, res.log, k)
			if res.exit != tt.exit || res.outputs["findings"] != tt.findings {
				t.Fatalf("exit %d findings %q, want %d %q; outputs %v; log:\n%s", res.exit, res.outputs["findings"], tt.exit, tt.findings, res.outputs, res.log)
			}
			if tt.logWants != "" && !strings.Contains(res.log, tt.logWants) {
				t.Errorf("log lacks %q:\n%s", tt.logWants, res.log)
			}
			if tt.reportHas != "" {
				data, _ := os.ReadFile(filepath.Join(ws, res.outputs["report"]))
				if !strings.Contains(string(data), tt.reportHas) {
					t.Errorf("report lacks %q:\n%s", tt.reportHas, data)
				}
			}
			if len(res.uploads) != tt.uploads {
				t.Errorf("uploads %v, want %d", res.uploads, tt.uploads)
			}
		})
	}
}

func noFullKey(t *testing.T, s string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if strings.Contains(s, k) || strings.Contains(s, k[6:len(k)-4]) {
			t.Fatalf("a full key was printed:\n%s", s)
		}
	}
}

// checkSARIF validates data against the SARIF 2.1.0 schema and GitHub code
// scanning's rules: one rules entry per rule used (ruleIndex pointing at it),
// partialFingerprints on every result, relative URIs.
func checkSARIF(t *testing.T, data []byte, wantResults int) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(filepath.Join(repoRoot, "scripts", "action", "testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("SARIF does not match the 2.1.0 schema: %v", err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID              string            `json:"ruleId"`
				RuleIndex           *int              `json:"ruleIndex"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
				Locations           []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "keyguard" {
		t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	if len(run.Results) != wantResults {
		t.Fatalf("%d results, want %d", len(run.Results), wantResults)
	}
	used := map[string]bool{}
	seen := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		if seen[r.ID] {
			t.Errorf("rule %q listed twice", r.ID)
		}
		seen[r.ID] = true
	}
	for _, r := range run.Results {
		used[r.RuleID] = true
		if r.RuleIndex == nil || *r.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[*r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %q: ruleIndex does not point at its rule", r.RuleID)
		}
		if len(r.PartialFingerprints) == 0 {
			t.Errorf("result %q: no partialFingerprints", r.RuleID)
		}
		if len(r.Locations) != 1 {
			t.Fatalf("result %q: %d locations", r.RuleID, len(r.Locations))
		}
		uri := r.Locations[0].PhysicalLocation.ArtifactLocation.URI
		if uri == "" || strings.HasPrefix(uri, "/") || strings.Contains(uri, "://") || strings.HasPrefix(uri, "..") || strings.Contains(uri, `\`) {
			t.Errorf("result %q: URI %q is not relative to the checkout", r.RuleID, uri)
		}
		if r.Locations[0].PhysicalLocation.Region.StartLine < 1 {
			t.Errorf("result %q: no start line", r.RuleID)
		}
	}
	for id := range seen {
		if !used[id] {
			t.Errorf("rule %q listed but not used", id)
		}
	}
}
