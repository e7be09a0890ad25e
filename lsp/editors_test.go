package lsp_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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

// Check .env keys with {"fresh": true} (VS Code's status-bar click) probes
// again: a key that opening .env found valid and that was revoked since
// shows as invalid at once, not after the cache's 10 minutes. Without it
// the command answers from the cache (Neovim's :KeyguardCheckEnv).
func TestCheckEnvProbesAgain(t *testing.T) {
	fp, settings := fake(t, map[string]string{"openai": "openai/valid"})
	env := New(t, "-- .gitignore --\n.env\n-- .env --\nOPENAI_API_KEY={{openai}}\n", WithInitializationOptions(settings))
	env.Initialize()
	env.Open(".env")
	env.Await(ProbeResult("valid"))
	fp.Set(Key("openai"), fp.Scenario("openai", "invalid key"))
	check := func(args []any) string {
		t.Helper()
		var rep struct {
			Results []struct{ Verdict string } `json:"results"`
		}
		if err := env.ExecuteCommand(lsp.CommandCheckEnv, args, &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Results) != 1 {
			t.Fatalf("results %+v", rep.Results)
		}
		return rep.Results[0].Verdict
	}
	if v := check(nil); v != "valid" || fp.Count(Key("openai")) != 1 {
		t.Errorf("a plain check: %s after %d requests, want the cached valid after 1", v, fp.Count(Key("openai")))
	}
	for i := range 2 {
		if v := check([]any{map[string]any{"fresh": true}}); v != "invalid" {
			t.Errorf("fresh check %d: %s, want invalid", i+1, v)
		}
		if n, want := fp.Count(Key("openai")), 2+i; n != want {
			t.Errorf("fresh check %d: %d requests in all, want %d (each asks again)", i+1, n, want)
		}
	}
	env.Await(Diagnostics(".env", Code("env-key-invalid")))
	// A file argument and the option together.
	if v := check([]any{env.URI(".env"), map[string]any{"fresh": true}}); v != "invalid" || fp.Count(Key("openai")) != 4 {
		t.Errorf("fresh check of one file: %s after %d requests", v, fp.Count(Key("openai")))
	}
}

func watchedChange(env *Env, rel string, typ int) {
	env.Notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []map[string]any{{"uri": env.URI(rel), "type": typ}}})
}

// The workspace's .env files are in the Problems panel without being
// opened: their hygiene at startup, their verdicts after Check .env keys
// (nested ones too), updated when fixed on disk and cleared when deleted.
func TestUnopenedEnvFilesPublished(t *testing.T) {
	fp, settings := fake(t, map[string]string{"openai": "openai/invalid key"})
	env := New(t, `
-- .gitignore --
/.env
-- .env --
ANTHROPIC_API_KEY=" {{anthropic}}"
-- web/.env.local --
OPENAI_API_KEY={{openai}}
-- node_modules/pkg/.env --
OPENAI_API_KEY=" {{openai}}"
-- app.py --
print("hi")
`, GitInit(), WithInitializationOptions(settings))
	env.Initialize()
	// Startup: hygiene only, nothing sent to a provider.
	env.Await(
		Diagnostics(".env", Code("env-format"), MessageContains("inside the quotes")),
		Diagnostics("web/.env.local", Code("env-not-ignored")),
	)
	if n := len(fp.Requests()); n != 0 {
		t.Errorf("%d probe requests at startup, want none", n)
	}
	if env.Holds(Diagnostics("node_modules/pkg/.env")) {
		t.Error("a dependency's .env got diagnostics")
	}
	// Check .env keys: the nested file is checked and its verdict shows.
	var rep struct {
		Results []struct{ File, Verdict string } `json:"results"`
	}
	if err := env.ExecuteCommand(lsp.CommandCheckEnv, nil, &rep); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rep.Results, func(r struct{ File, Verdict string }) bool {
		return r.File == env.Path("web/.env.local") && r.Verdict == "invalid"
	}) {
		t.Errorf("check results %+v, want web/.env.local invalid", rep.Results)
	}
	env.Await(Diagnostics("web/.env.local", Code("env-key-invalid"), AtLine(0)))
	if pr := env.Snapshot().ProbeResults; !slices.ContainsFunc(pr, func(p lsp.ProbeResultParams) bool {
		return p.Provider == "openai" && slices.Contains(p.Locations, lsp.ProbeLocation{URI: env.URI("web/.env.local"), Line: 1, Var: "OPENAI_API_KEY"})
	}) {
		t.Errorf("probeResults %+v, want the OpenAI one located at web/.env.local:1", pr)
	}
	// Fixed on disk: cleared.
	env.WriteFile(".env", "ANTHROPIC_API_KEY={{anthropic}}\n")
	watchedChange(env, ".env", 2)
	env.Await(NoMatchingDiagnostics(".env", Code("env-format")))
	// Deleted: cleared.
	if err := os.Remove(env.Path("web/.env.local")); err != nil {
		t.Fatal(err)
	}
	watchedChange(env, "web/.env.local", 3)
	env.Await(NoDiagnostics("web/.env.local"))
}

// Opening an unopened .env hands it to the document; closing it hands it
// back to the disk view instead of clearing the Problems panel.
func TestClosedEnvFileKeepsDiagnostics(t *testing.T) {
	env := New(t, "-- .env --\nOPENAI_API_KEY=\" {{openai}}\"\n", WithInitializationOptions(map[string]any{"probe": map[string]any{"enabled": false}}))
	env.Initialize()
	env.Await(Diagnostics(".env", Code("env-format")))
	env.Open(".env")
	env.Await(AtVersion(".env", 1))
	env.Close(".env")
	time.Sleep(100 * time.Millisecond)
	env.Await(Diagnostics(".env", Code("env-format")))
}

// env-not-ignored follows .gitignore: the server asks the client to watch
// it, the fix names the entry it writes, and once written (a watched-file
// event, or a save of the open .gitignore) the warning goes.
func TestEnvNotIgnoredFollowsGitignore(t *testing.T) {
	caps := ModernCapabilities()
	caps["workspace"].(map[string]any)["didChangeWatchedFiles"] = map[string]any{"dynamicRegistration": true}
	env := New(t, `
-- .gitignore --
node_modules/
-- web/.env.local --
DEBUG=1
-- api/.env --
DEBUG=1
`, GitInit(), WithCapabilities(caps), WithInitializationOptions(map[string]any{"probe": map[string]any{"enabled": false}}))
	env.Initialize()
	env.Open("web/.env.local")
	env.Await(Diagnostics("web/.env.local", Code("env-not-ignored")), Diagnostics("api/.env", Code("env-not-ignored")))
	var globs []string
	for _, r := range env.Snapshot().Registrations {
		if r.Method == "workspace/didChangeWatchedFiles" {
			var o struct {
				Watchers []struct {
					GlobPattern string `json:"globPattern"`
				} `json:"watchers"`
			}
			_ = json.Unmarshal(r.RegisterOptions, &o)
			for _, w := range o.Watchers {
				globs = append(globs, w.GlobPattern)
			}
		}
	}
	if !slices.Contains(globs, "**/.gitignore") || !slices.Contains(globs, "**/.env.*") {
		t.Errorf("watched globs %q, want **/.gitignore and the .env files", globs)
	}
	var ni lsp.Diagnostic
	for _, d := range env.Diagnostics("web/.env.local") {
		if d.Code == "env-not-ignored" {
			ni = d
		}
	}
	fix := env.Action(env.CodeActions("web/.env.local", ni.Range), "Add ")
	if fix.Title != "Add /web/.env.local to .gitignore" {
		t.Errorf("fix title %q, want it to name the entry it writes", fix.Title)
	}
	env.ApplyEdit(fix.Edit)
	if got := env.ReadFile(".gitignore"); got != "node_modules/\n/web/.env.local\n" {
		t.Errorf(".gitignore = %q", got)
	}
	watchedChange(env, ".gitignore", 2)
	env.Await(NoMatchingDiagnostics("web/.env.local", Code("env-not-ignored")))
	if !env.Holds(Diagnostics("api/.env", Code("env-not-ignored"))) {
		t.Error("api/.env is still not ignored and lost its warning")
	}
	// A client without watchers: saving the open .gitignore is enough.
	env.Open(".gitignore")
	env.Edit(".gitignore", "node_modules/\n/web/.env.local\napi/.env\n")
	env.Save(".gitignore")
	env.Await(NoMatchingDiagnostics("api/.env", Code("env-not-ignored")))
}

// A key the loader reads with its typographic quotes is rejected by the
// provider, but that says nothing about the key: the verdict is
// "unverified, fix the quotes first", never "invalid — regenerate it". A
// bare key that the provider rejects is still invalid.
func TestMangledKeyIsNotCalledInvalid(t *testing.T) {
	fp, settings := fake(t, map[string]string{"openai": "openai/valid", "groq": "groq/invalid key"})
	env := New(t, "-- .gitignore --\n.env\n-- .env --\nOPENAI_API_KEY=“{{openai}}”\nGROQ_API_KEY={{groq}}\n", WithInitializationOptions(settings))
	env.Initialize()
	env.Open(".env")
	env.Await(
		Diagnostics(".env", Code("env-format"), AtLine(0), MessageContains("typographic quotes")),
		Diagnostics(".env", Code("env-key-unverified"), AtLine(0), MessageContains("fix the quotes first")),
		Diagnostics(".env", Code("env-key-invalid"), AtLine(1)),
	)
	for _, d := range env.Diagnostics(".env") {
		if d.Range.Start.Line == 0 && (d.Code == "env-key-invalid" || strings.Contains(d.Message, "regenerate")) {
			t.Errorf("the smart-quoted key is reported as invalid: %+v", d)
		}
	}
	// The probe sent what the loader produces, quotes and all.
	sawQuoted := false
	for _, r := range fp.Requests() {
		if strings.Contains(r.Key, "“") {
			sawQuoted = true
		}
	}
	if !sawQuoted {
		t.Error("the probe did not send the value as loaded (with its quotes)")
	}
	var rep struct {
		Results []struct{ Var, Verdict, Detail string } `json:"results"`
	}
	if err := env.ExecuteCommand(lsp.CommandCheckEnv, nil, &rep); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		switch r.Var {
		case "OPENAI_API_KEY":
			if r.Verdict != "unknown" || !strings.Contains(r.Detail, "fix the quotes first") || strings.Contains(r.Detail, "regenerate it") {
				t.Errorf("check row %+v, want unknown with \"fix the quotes first\"", r)
			}
		case "GROQ_API_KEY":
			if r.Verdict != "invalid" {
				t.Errorf("check row %+v, want invalid", r)
			}
		}
	}
	for _, pr := range env.Snapshot().ProbeResults {
		if pr.Provider == "openai" && pr.Verdict == "invalid" {
			t.Errorf("probeResult (status bar) says invalid for the smart-quoted key: %+v", pr)
		}
	}
}

// A real key in .env.example: env-format, and one fix that leaves a
// placeholder there and moves the key to the .env beside it — unless .env
// already holds it. Never the key in a title.
func TestKeyInEnvExample(t *testing.T) {
	for _, tc := range []struct {
		name, env string // "" for no .env
		wantTitle string
		wantEnv   string
	}{
		{"no .env yet", "", "Move key to .env as OPENAI_API_KEY and leave a placeholder", "OPENAI_API_KEY={{openai}}\n"},
		{"name taken by another key", "OPENAI_API_KEY={{openai2}}\n", "Move key to .env as OPENAI_API_KEY_2 and leave a placeholder",
			"OPENAI_API_KEY={{openai2}}\nOPENAI_API_KEY_2={{openai}}\n"},
		{"key already in .env", "LEGACY_KEY={{openai}}\n", "Replace key with a placeholder (it is already in .env as LEGACY_KEY)", "LEGACY_KEY={{openai}}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			archive := "-- web/.env.example --\nDEBUG=1\nOPENAI_API_KEY=\"{{openai}}\"\nANTHROPIC_API_KEY=\n"
			if tc.env != "" {
				archive += "-- web/.env --\n" + tc.env
			}
			env := New(t, archive, WithCapabilities(ModernCapabilities()),
				WithInitializationOptions(map[string]any{"probe": map[string]any{"enabled": false}}))
			env.Initialize()
			env.Open("web/.env.example")
			env.Await(Diagnostics("web/.env.example", Code("env-format"), AtLine(1), MessageContains("real")))
			if env.Holds(Diagnostics("web/.env.example", Code("hardcoded-key"))) {
				t.Error("the template's key is reported as hardcoded too")
			}
			var d lsp.Diagnostic
			for _, x := range env.Diagnostics("web/.env.example") {
				if x.Range.Start.Line == 1 {
					d = x
				}
			}
			acts := env.CodeActions("web/.env.example", d.Range)
			fix := env.Action(acts, tc.wantTitle[:12])
			if fix.Title != tc.wantTitle {
				t.Errorf("title %q, want %q", fix.Title, tc.wantTitle)
			}
			for _, a := range acts {
				if strings.Contains(a.Title, Key("openai")) {
					t.Errorf("a title holds the key: %q", a.Title)
				}
			}
			env.ApplyEdit(fix.Edit)
			if got, want := env.Text("web/.env.example"), "DEBUG=1\nOPENAI_API_KEY=your-openai-api-key\nANTHROPIC_API_KEY=\n"; got != want {
				t.Errorf(".env.example = %q, want %q", got, want)
			}
			if got := env.ReadFile("web/.env"); got != Expand(tc.wantEnv) {
				t.Errorf("web/.env = %q, want %q", got, Expand(tc.wantEnv))
			}
			// An empty value is what a template is for: nothing to report.
			env.Await(NoDiagnostics("web/.env.example"))
		})
	}
}

// The .env beside a template is never written through a link.
func TestKeyInEnvExampleSymlinkedEnv(t *testing.T) {
	env := New(t, "-- .env.example --\nOPENAI_API_KEY={{openai}}\n-- elsewhere/target --\nX=1\n", WithCapabilities(ModernCapabilities()),
		WithInitializationOptions(map[string]any{"probe": map[string]any{"enabled": false}}))
	if err := os.Symlink(env.Path("elsewhere/target"), env.Path(".env")); err != nil {
		t.Skip(err)
	}
	env.Initialize()
	env.Open(".env.example")
	env.Await(Diagnostics(".env.example", Code("env-format")))
	acts := env.CodeActions(".env.example", env.Diagnostics(".env.example")[0].Range)
	fix := env.Action(acts, "Replace key with a placeholder")
	for _, dc := range fix.Edit.DocumentChanges {
		if dc.TextDocument != nil && dc.TextDocument.URI != env.URI(".env.example") {
			t.Errorf("the fix edits %s through a symlink", dc.TextDocument.URI)
		}
	}
}

// Settings reach the unopened .env files too: a severity turned off or an
// ignore glob clears their problems.
func TestUnopenedEnvFilesFollowSettings(t *testing.T) {
	env := New(t, "-- .env --\nOPENAI_API_KEY=\" {{openai}}\"\n-- fixtures/.env --\nOPENAI_API_KEY=\" {{openai}}\"\n",
		WithInitializationOptions(map[string]any{"probe": map[string]any{"enabled": false}}))
	env.Initialize()
	env.Await(Diagnostics(".env", Code("env-format")), Diagnostics("fixtures/.env", Code("env-format")))
	env.SetConfiguration(map[string]any{"probe": map[string]any{"enabled": false}, "ignore": []string{"fixtures/**"}})
	env.Await(NoDiagnostics("fixtures/.env"))
	if !env.Holds(Diagnostics(".env", Code("env-format"))) {
		t.Error(".env lost its problem to an ignore glob that does not match it")
	}
	env.SetConfiguration(map[string]any{"probe": map[string]any{"enabled": false}, "severity": map[string]string{"env-format": "off"}})
	env.Await(NoDiagnostics(".env"))
}

// A hostile repository's .env files: a FIFO (a blocking read would hang the
// refresh) and a symlink out of the workspace are skipped; the rest is
// still published.
func TestUnopenedEnvFilesHostile(t *testing.T) {
	env := New(t, "-- web/.env --\nOPENAI_API_KEY=\" {{openai}}\"\n-- outside/secret --\nOPENAI_API_KEY=\" {{openai}}\"\n",
		WithInitializationOptions(map[string]any{"probe": map[string]any{"enabled": false}}))
	if err := os.Symlink(env.Path("outside/secret"), env.Path(".env")); err != nil {
		t.Skip(err)
	}
	if err := mkfifo(env.Path(".env.local")); err != nil {
		t.Skip(err)
	}
	env.Initialize()
	env.Await(Diagnostics("web/.env", Code("env-format")))
	time.Sleep(200 * time.Millisecond)
	if env.Holds(Diagnostics(".env")) || env.Holds(Diagnostics(".env.local")) {
		t.Errorf("published for a symlink or a FIFO: %+v", env.Snapshot().Diagnostics)
	}
}
