package lsp_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

// Tests for what editors send beyond files of known languages (issue #12,
// VS Code): notebook cells, untitled buffers, files of no language.

// A notebook cell is fixed like a file at its notebook's path: `import os`
// goes into the cell, the key into the .env beside the notebook — also for
// a notebook outside every workspace folder (it used to go to the first
// folder's .env, far from the notebook).
func TestMoveToEnvNotebookCell(t *testing.T) {
	outside := t.TempDir()
	for _, tc := range []struct {
		name, dir string
	}{
		{"in the workspace", ""},
		{"outside the workspace folders", outside},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := New(t, "-- README.md --\nnotebooks\n")
			env.Initialize()
			dir := tc.dir
			if dir == "" {
				dir = env.Dir
			}
			cell := "vscode-notebook-cell:" + filepath.ToSlash(filepath.Join(dir, "analysis.ipynb")) + "#W0sZmlsZQ%3D%3D"
			env.OpenURI(cell, "python", "client = OpenAI(api_key=\""+Key("openai")+"\")\n")
			env.Await(Diagnostics(cell, Code("hardcoded-key")))
			acts := env.CodeActions(cell, env.Diagnostics(cell)[0].Range)
			env.ApplyEdit(env.Action(acts, lsp.MoveTitlePrefix).Edit)
			if got, want := env.Text(cell), "import os\n\nclient = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])\n"; got != want {
				t.Errorf("cell text = %q, want %q", got, want)
			}
			b, err := os.ReadFile(filepath.Join(dir, ".env"))
			if err != nil || string(b) != "OPENAI_API_KEY="+Key("openai")+"\n" {
				t.Errorf(".env beside the notebook = %q, %v", b, err)
			}
			if dir != env.Dir {
				if _, err := os.Stat(env.Path(".env")); err == nil {
					t.Error("the key went to the workspace folder's .env, not beside the notebook")
				}
			}
			env.Await(NoMatchingDiagnostics(cell, Code("hardcoded-key")))
		})
	}
}

// Any language, and no language at all: a key pasted into an untitled
// plain-text buffer or a Makefile gets its diagnostic and a quick fix.
func TestKeysInUntitledAndUnlistedLanguages(t *testing.T) {
	env := New(t, "-- Makefile --\nOPENAI_API_KEY = {{openai}}\n\nrun:\n\tpython app.py\n")
	env.Initialize()
	env.Open("Makefile")
	u := "untitled:Untitled-1"
	env.OpenURI(u, "plaintext", "my key: "+Key("anthropic")+"\n")
	env.Await(Diagnostics("Makefile", Code("hardcoded-key")), Diagnostics(u, Code("hardcoded-key")))
	for _, doc := range []string{"Makefile", u} {
		acts := env.CodeActions(doc, env.Diagnostics(doc)[0].Range)
		if len(acts) == 0 {
			t.Errorf("%s: no quick fix", doc)
		}
		for _, a := range acts {
			if strings.Contains(a.Title, Key("anthropic")) || strings.Contains(a.Title, Key("openai")) {
				t.Errorf("%s: title holds the key: %q", doc, a.Title)
			}
		}
	}
}

// Check .env keys (the status-bar click) probes again: a key that opening
// .env found valid and that was revoked since shows as invalid at once,
// not after the cache's 10 minutes.
func TestCheckEnvProbesAgain(t *testing.T) {
	fp, settings := fake(t, map[string]string{"openai": "openai/valid"})
	env := New(t, "-- .gitignore --\n.env\n-- .env --\nOPENAI_API_KEY={{openai}}\n", WithInitializationOptions(settings))
	env.Initialize()
	env.Open(".env")
	env.Await(ProbeResult("valid"))
	fp.Set(Key("openai"), fp.Scenario("openai", "invalid key"))
	for i := range 2 {
		var rep struct {
			Results []struct{ Verdict string } `json:"results"`
		}
		if err := env.ExecuteCommand(lsp.CommandCheckEnv, nil, &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Results) != 1 || rep.Results[0].Verdict != "invalid" {
			t.Errorf("check %d: results %+v, want invalid", i+1, rep.Results)
		}
		if n, want := fp.Count(Key("openai")), 2+i; n != want {
			t.Errorf("check %d: %d requests in all, want %d (each explicit check asks again)", i+1, n, want)
		}
	}
	env.Await(Diagnostics(".env", Code("env-key-invalid")))
}
