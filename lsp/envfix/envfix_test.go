package envfix

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyguard/keyguard/diagnostics"
)

func TestSupported(t *testing.T) {
	cases := []struct {
		id, path string
		want     bool
	}{
		{"python", "", true},
		{"javascriptreact", "a.jsx", true},
		{"plaintext", "/w/a.go", true}, // plaintext falls back to the extension
		{"", "/w/main.rs", true},
		{"", "/w/a.MJS", true},
		{"markdown", "/w/README.md", false},
		{"plaintext", "/w/notes.txt", false},
		{"yaml", "/w/k8s/deploy.yaml", false},
		{"yaml", "/w/docker-compose.override.yml", true},
		{"yaml", "/w/.github/workflows/ci.yaml", true},
		{"github-actions-workflow", "/w/x.yml", true},
		{"dockercompose", "/w/x.yml", true},
		{"", "/w/.env", false},
	}
	for _, tc := range cases {
		if got := Supported(tc.id, tc.path); got != tc.want {
			t.Errorf("Supported(%q, %q) = %v, want %v", tc.id, tc.path, got, tc.want)
		}
	}
}

// TestComposeByContent: a compose file with another name is recognised by
// its top-level services: key.
func TestComposeByContent(t *testing.T) {
	content, f := plant(t, "services:\n  api:\n    build: .\n    environment:\n      K: {{KEY}}\n", "openai", "")
	if _, err := MoveToEnv(Request{LanguageID: "yaml", Path: "/w/stack.yml", Content: content, Finding: f}); err != nil {
		t.Fatal(err)
	}
	content, f = plant(t, "apiVersion: v1\ndata:\n  K: {{KEY}}\n", "openai", "")
	if _, err := MoveToEnv(Request{LanguageID: "yaml", Path: "/w/secret.yml", Content: content, Finding: f}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("k8s YAML: err = %v, want ErrUnsupported", err)
	}
}

func TestBadFindings(t *testing.T) {
	content := []byte("k = \"" + testKey + "\"\n")
	good := diagnostics.Finding{Start: 5, End: 5 + len(testKey), Key: testKey, Provider: "openai"}
	cases := map[string]diagnostics.Finding{
		"past the end":   {Start: 5, End: len(content) + 1, Key: testKey},
		"negative":       {Start: -1, End: 3},
		"empty":          {Start: 5, End: 5},
		"stale document": {Start: 4, End: 4 + len(testKey), Key: testKey},
	}
	for name, f := range cases {
		if _, err := MoveToEnv(Request{LanguageID: "python", Content: content, Finding: f}); !errors.Is(err, ErrUnsafe) {
			t.Errorf("%s: err = %v, want ErrUnsafe", name, err)
		}
	}
	if _, err := MoveToEnv(Request{LanguageID: "python", Content: content, Finding: good}); err != nil {
		t.Errorf("good finding: %v", err)
	}
}

// TestWholePlan checks all four files of one fix together.
func TestWholePlan(t *testing.T) {
	content, f := plant(t, "from openai import OpenAI\nclient = OpenAI(api_key=\"{{KEY}}\")\n", "openai", "api_key")
	env := []byte("OPENAI_API_KEY=sk-proj-someoneelseskey0000000000000000000000\r\nDEBUG=1")
	gi := []byte("__pycache__/\n.env.*\n")
	ex := []byte("OPENAI_API_KEY=\n")
	plan, err := MoveToEnv(Request{LanguageID: "python", Path: "/w/app.py", Content: content, Finding: f, Env: env, Gitignore: gi, EnvExample: ex})
	if err != nil {
		t.Fatal(err)
	}
	src, _ := Apply(content, plan.Source)
	checks := []struct{ name, got, want string }{
		{"VarName", plan.VarName, "OPENAI_API_KEY_2"},
		{"source", string(src), "import os\nfrom openai import OpenAI\nclient = OpenAI(api_key=os.environ[\"OPENAI_API_KEY_2\"])\n"},
		{".env", applyChange(t, env, plan.Env), string(env) + "\r\nOPENAI_API_KEY_2=" + testKey + "\r\n"},
		{".gitignore", applyChange(t, gi, plan.Gitignore), "__pycache__/\n.env.*\n.env\n"},
		{".env.example", applyChange(t, ex, plan.EnvExample), "OPENAI_API_KEY=\nOPENAI_API_KEY_2=\n"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if plan.Note != "" || plan.Reused {
		t.Errorf("Note %q, Reused %v", plan.Note, plan.Reused)
	}
}

func TestWorkflowPlan(t *testing.T) {
	content, f := plant(t, "jobs:\n  t:\n    env:\n      GITHUB_LLM_KEY: {{KEY}}\n", "openai", "GITHUB_LLM_KEY")
	plan, err := MoveToEnv(Request{LanguageID: "yaml", Path: "/w/.github/workflows/ci.yml", Content: content, Finding: f, Env: []byte("A=1\n")})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Env != nil || plan.Gitignore != nil || plan.EnvExample != nil {
		t.Errorf("a workflow fix must not touch .env files: %+v", plan)
	}
	// GitHub reserves the GITHUB_ prefix for its own variables.
	if plan.VarName != "GH_LLM_KEY" || !strings.Contains(plan.Note, "gh secret set GH_LLM_KEY") {
		t.Errorf("VarName %q, Note %q", plan.VarName, plan.Note)
	}
	if strings.Contains(plan.Note, testKey) {
		t.Errorf("the note shows the key")
	}
}

// TestEnvWithOpenQuote: a .env whose last value never closes its quote is
// already broken (godotenv rejects the whole file; envscan reports it and
// reads on, as the hygiene diagnostics show). The fix still appends on a
// line of its own, keeps the broken bytes, and the key reads back.
func TestEnvWithOpenQuote(t *testing.T) {
	content, f := plant(t, "k = \"{{KEY}}\"\n", "openai", "")
	env := []byte("CERT=\"-----BEGIN")
	plan, err := MoveToEnv(Request{LanguageID: "python", Content: content, Finding: f, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := applyChange(t, env, plan.Env), string(env)+"\nOPENAI_API_KEY="+testKey+"\n"; got != want {
		t.Errorf(".env = %q, want %q", got, want)
	}
}

func BenchmarkMoveToEnvLargePython(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("\"\"\"Module.\"\"\"\nimport json\n\n")
	for i := 0; i < 10000; i++ {
		sb.WriteString("x_" + strings.Repeat("a", i%7) + " = f\"{json.dumps({'a': 1})} value\"  # comment\n")
	}
	sb.WriteString("KEY = \"" + testKey + "\"\n")
	content := []byte(sb.String())
	i := strings.Index(sb.String(), testKey)
	req := Request{LanguageID: "python", Content: content, Env: []byte("A=1\n"),
		Finding: diagnostics.Finding{Start: i, End: i + len(testKey), Key: testKey, Provider: "openai"}}
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		if _, err := MoveToEnv(req); err != nil {
			b.Fatal(err)
		}
	}
}

// A raw .ipynb: the key's cell is rewritten as Python and written back as
// JSON strings; the notebook stays valid JSON and the cell imports os.
func TestNotebook(t *testing.T) {
	nb := `{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": null,
   "metadata": {},
   "outputs": [],
   "source": [
    "from openai import OpenAI\n",
    "client = OpenAI(api_key=\"{{KEY}}\")\n",
    "print(\"<ok>\")"
   ]
  }
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 5
}
`
	for _, tc := range []struct {
		name    string
		project Project
		want    []string
	}{
		{"no loader", Project{Files: map[string][]byte{}}, []string{"import os\n", "from openai import OpenAI\n", "client = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])\n", "print(\"<ok>\")"}},
		{"python-dotenv declared", Project{Files: map[string][]byte{"requirements.txt": []byte("python-dotenv\n")}},
			[]string{"%load_ext dotenv\n", "%dotenv\n", "import os\n", "from openai import OpenAI\n", "client = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])\n", "print(\"<ok>\")"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content, f := plant(t, nb, "openai", "api_key")
			plan, err := MoveToEnv(Request{LanguageID: "json", Path: "/w/explore.ipynb", Content: content, Finding: f, Project: tc.project})
			if err != nil {
				t.Fatal(err)
			}
			out, err := Apply(content, plan.Source)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Cells []struct {
					Source []string `json:"source"`
				} `json:"cells"`
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatalf("not JSON any more: %v\n%s", err, out)
			}
			if diff := cmp.Diff(tc.want, doc.Cells[0].Source); diff != "" {
				t.Errorf("cell source (-want +got):\n%s\n%s", diff, out)
			}
			if strings.Contains(string(out), testKey) {
				t.Error("key still in the notebook")
			}
			if (tc.name == "no loader") != (plan.Setup != "") {
				t.Errorf("Setup = %q, LoaderAdded = %q", plan.Setup, plan.LoaderAdded)
			}
		})
	}
}
