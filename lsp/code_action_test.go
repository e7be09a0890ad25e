package lsp_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"go.lsp.dev/jsonrpc2"

	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

const pyApp = `
-- app.py --
"""Talks to OpenAI."""
from openai import OpenAI

client = OpenAI(api_key="{{openai}}")
`

// moveKey opens rel, waits for its hardcoded-key diagnostic, applies the
// move-to-env fix and waits for the diagnostic to go. The title must start
// with wantTitle (the rest says how .env gets loaded).
func moveKey(t *testing.T, env *Env, rel, wantTitle string) lsp.CodeAction {
	t.Helper()
	env.Open(rel)
	env.Await(Diagnostics(rel, Code("hardcoded-key")))
	d := env.Diagnostics(rel)[0]
	acts := env.CodeActions(rel, d.Range)
	if len(acts) == 0 || !strings.HasPrefix(acts[0].Title, lsp.MoveTitlePrefix) || !acts[0].IsPreferred {
		t.Fatalf("first action should be the preferred move-to-env fix; have %+v", acts)
	}
	a := env.Action(acts, lsp.MoveTitlePrefix)
	if a.Title != wantTitle && !strings.HasPrefix(a.Title, wantTitle+" ") {
		t.Errorf("title %q, want %q", a.Title, wantTitle)
	}
	env.ApplyEdit(a.Edit)
	env.Await(NoMatchingDiagnostics(rel, Code("hardcoded-key")))
	return a
}

func TestMoveToEnvPython(t *testing.T) {
	for name, caps := range map[string]map[string]any{
		"documentChanges": ModernCapabilities(),
		"changes only":    {"textDocument": map[string]any{"codeAction": map[string]any{}}},
		"eager edits":     {"workspace": map[string]any{"workspaceEdit": map[string]any{"documentChanges": true, "resourceOperations": []string{"create"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			env := New(t, pyApp, WithCapabilities(caps))
			env.Initialize()
			a := moveKey(t, env, "app.py", "Move key to .env as OPENAI_API_KEY")
			if name == "changes only" && (len(a.Edit.DocumentChanges) > 0 || len(a.Edit.Changes) == 0) {
				t.Errorf("a client without documentChanges got %+v", a.Edit)
			}
			if name != "changes only" && len(a.Edit.DocumentChanges) == 0 {
				t.Errorf("a client with documentChanges got changes")
			}
			want := "\"\"\"Talks to OpenAI.\"\"\"\nimport os\nfrom openai import OpenAI\n\nclient = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])\n"
			if got := env.Text("app.py"); got != want {
				t.Errorf("app.py:\n%s\nwant:\n%s", got, want)
			}
			if got := env.ReadFile(".env"); got != "OPENAI_API_KEY="+Key("openai")+"\n" {
				t.Errorf(".env = %q", got)
			}
			if got := env.ReadFile(".gitignore"); got != ".env\n" {
				t.Errorf(".gitignore = %q", got)
			}
			if got := env.ReadFile(".env.example"); got != "OPENAI_API_KEY=\n" {
				t.Errorf(".env.example = %q", got)
			}
		})
	}
}

func TestMoveToEnvKeepsExistingFiles(t *testing.T) {
	env := New(t, `
-- web/client.ts --
export const a = "{{openai}}";
export const b = "{{openai2}}";
export const c = "{{openai}}";
`)
	// Written directly to keep the exact bytes: CRLF and no final newline.
	env.WriteFile(".env", "# local settings\r\nDEBUG=1\r\nOPENAI_API_KEY=sk-old-value")
	env.WriteFile(".gitignore", "node_modules\n.env\n")
	env.Initialize()
	env.Open("web/client.ts")
	env.Await(DiagnosticCount("web/client.ts", 3))
	diags := env.Diagnostics("web/client.ts")

	// The existing OPENAI_API_KEY holds another value: suffix.
	a := env.Action(env.CodeActions("web/client.ts", diags[0].Range), lsp.MoveTitlePrefix)
	if !strings.HasPrefix(a.Title, "Move key to .env as OPENAI_API_KEY_2 ") {
		t.Errorf("title %q", a.Title)
	}
	env.ApplyEdit(a.Edit)
	wantEnv := "# local settings\r\nDEBUG=1\r\nOPENAI_API_KEY=sk-old-value\r\nOPENAI_API_KEY_2=" + Key("openai") + "\r\n"
	if got := env.ReadFile(".env"); got != wantEnv {
		t.Errorf(".env = %q\nwant %q", got, wantEnv)
	}
	if got := env.ReadFile(".gitignore"); got != "node_modules\n.env\n" {
		t.Errorf(".gitignore changed although it ignores .env: %q", got)
	}
	env.Await(DiagnosticCount("web/client.ts", 2))

	// The same key again reuses its variable and leaves .env alone.
	diags = env.Diagnostics("web/client.ts")
	a = env.Action(env.CodeActions("web/client.ts", diags[1].Range), lsp.MoveTitlePrefix)
	if !strings.HasPrefix(a.Title, "Move key to .env as OPENAI_API_KEY_2 ") {
		t.Errorf("reuse title %q", a.Title)
	}
	env.ApplyEdit(a.Edit)
	if got := env.ReadFile(".env"); got != wantEnv {
		t.Errorf(".env changed on reuse: %q", got)
	}
	env.Await(DiagnosticCount("web/client.ts", 1))

	// A second, different key gets the next suffix.
	diags = env.Diagnostics("web/client.ts")
	a = env.Action(env.CodeActions("web/client.ts", diags[0].Range), lsp.MoveTitlePrefix)
	if !strings.HasPrefix(a.Title, "Move key to .env as OPENAI_API_KEY_3 ") {
		t.Errorf("title %q", a.Title)
	}
	env.ApplyEdit(a.Edit)
	env.Await(NoDiagnostics("web/client.ts"))
	want := "export const a = process.env.OPENAI_API_KEY_2 ?? missingEnv(\"OPENAI_API_KEY_2\");\n" +
		"export const b = process.env.OPENAI_API_KEY_3 ?? missingEnv(\"OPENAI_API_KEY_3\");\n" +
		"export const c = process.env.OPENAI_API_KEY_2 ?? missingEnv(\"OPENAI_API_KEY_2\");\n" +
		"\nfunction missingEnv(name: string): never {\n  throw new Error(name + \" is not set (see .env)\");\n}\n"
	if got := env.Text("web/client.ts"); got != want {
		t.Errorf("client.ts:\n%s\nwant:\n%s", got, want)
	}
	if got := env.ReadFile(".env"); !strings.HasPrefix(got, wantEnv) || !strings.HasSuffix(got, "OPENAI_API_KEY_3="+Key("openai2")+"\r\n") {
		t.Errorf(".env = %q", got)
	}
}

func TestMoveToEnvIntoOpenEnvBuffer(t *testing.T) {
	env := New(t, pyApp+"-- .env --\nA=1\n-- .gitignore --\n.env\n")
	env.Initialize()
	env.Open(".env")
	// Unsaved text in the editor is what the fix appends to.
	env.Edit(".env", "A=1\nB=2\n")
	moveKey(t, env, "app.py", "Move key to .env as OPENAI_API_KEY")
	if got := env.Text(".env"); got != "A=1\nB=2\nOPENAI_API_KEY="+Key("openai")+"\n" {
		t.Errorf(".env buffer = %q", got)
	}
	if got := env.ReadFile(".env"); got != "A=1\n" {
		t.Errorf(".env on disk changed before the user saved: %q", got)
	}
}

func TestIgnoreAndRedact(t *testing.T) {
	env := New(t, `
-- a.go --
package a

var k = "{{anthropic}}"
-- README.md --
Use the key {{groq}} to try it.
`)
	env.Initialize()
	env.Open("a.go")
	env.Open("README.md")
	env.Await(Diagnostics("a.go"), Diagnostics("README.md"))
	ig := env.Action(env.CodeActions("a.go", env.Diagnostics("a.go")[0].Range), "Ignore this key")
	env.ApplyEdit(ig.Edit)
	env.Await(NoDiagnostics("a.go"))
	if got := env.Text("a.go"); got != "package a\n\nvar k = \""+Key("anthropic")+"\" // keyguard:allow\n" {
		t.Errorf("a.go = %q", got)
	}
	rd := env.Action(env.CodeActions("README.md", env.Diagnostics("README.md")[0].Range), "Redact key")
	env.ApplyEdit(rd.Edit)
	env.Await(NoDiagnostics("README.md"))
	if got := env.Text("README.md"); strings.Contains(got, Key("groq")) || !strings.Contains(got, "gsk_Zx…") {
		t.Errorf("README.md = %q", got)
	}
}

func TestResolveAfterEditIsContentModified(t *testing.T) {
	env := New(t, pyApp)
	env.Initialize()
	env.Open("app.py")
	env.Await(Diagnostics("app.py"))
	acts := env.CodeActions("app.py", env.Diagnostics("app.py")[0].Range)
	if acts[0].Edit != nil || acts[0].Data == nil {
		t.Fatalf("a client with resolveSupport got an eager edit: %+v", acts[0])
	}
	env.Edit("app.py", "x = 1\n")
	err := env.Call("codeAction/resolve", acts[0], &lsp.CodeAction{})
	var je *jsonrpc2.Error
	if !errors.As(err, &je) || je.Code != -32801 {
		t.Errorf("resolve after an edit: %v, want ContentModified", err)
	}
}

func TestMoveToEnvUntitledDocument(t *testing.T) {
	env := New(t, "")
	env.Initialize()
	env.OpenURI("untitled:Untitled-1", "python", "k = \""+Key("openai")+"\"\n")
	env.Await(Diagnostics("untitled:Untitled-1"))
	var acts []lsp.CodeAction
	if err := env.Call("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": "untitled:Untitled-1"},
		"range": env.Diagnostics("untitled:Untitled-1")[0].Range, "context": map[string]any{"diagnostics": []any{}}}, &acts); err != nil {
		t.Fatal(err)
	}
	a := env.Action(acts, lsp.MoveTitlePrefix)
	env.ApplyEdit(a.Edit)
	// The key lands in the workspace's .env.
	if got := env.ReadFile(".env"); got != "OPENAI_API_KEY="+Key("openai")+"\n" {
		t.Errorf(".env = %q", got)
	}
}

// A folder added with didChangeWorkspaceFolders becomes the root its files'
// keys move to (the innermost folder wins); a removed one stops being it.
func TestWorkspaceFoldersDecideEnvRoot(t *testing.T) {
	env := New(t, "-- svc/app.py --\nk = \"{{openai}}\"\n-- svc/pyproject.toml --\n")
	env.Initialize()
	env.Notify("workspace/didChangeWorkspaceFolders", map[string]any{"event": map[string]any{
		"added": []map[string]string{{"uri": env.URI("svc"), "name": "svc"}}, "removed": []any{}}})
	moveKey(t, env, "svc/app.py", "Move key to .env as OPENAI_API_KEY")
	if got := env.ReadFile("svc/.env"); got != "OPENAI_API_KEY="+Key("openai")+"\n" {
		t.Errorf("svc/.env = %q", got)
	}
	if _, err := os.Stat(env.Path(".env")); err == nil {
		t.Error("the key went to the outer folder's .env")
	}
	env.Notify("workspace/didChangeWorkspaceFolders", map[string]any{"event": map[string]any{
		"added": []any{}, "removed": []map[string]string{{"uri": env.URI("svc"), "name": "svc"}}}})
	// Without the folder, svc is still a package of its own
	// (pyproject.toml): its keys go to its own .env, which its program
	// reads, not the workspace root's.
	env.WriteFile("svc/other.py", "k = \"{{groq}}\"\n")
	moveKey(t, env, "svc/other.py", "Move key to .env as GROQ_API_KEY")
	if got := env.ReadFile("svc/.env"); got != "OPENAI_API_KEY="+Key("openai")+"\nGROQ_API_KEY="+Key("groq")+"\n" {
		t.Errorf("svc/.env = %q", got)
	}
}

// A key in a comment: the fix takes it out of the comment and keeps it in
// .env; it never pretends to move a value the program reads.
func TestRemoveKeyFromComment(t *testing.T) {
	env := New(t, "-- app.py --\n# old key: {{openai}}\nprint('hi')\n")
	env.Initialize()
	env.Open("app.py")
	env.Await(Diagnostics("app.py", Code("hardcoded-key")))
	acts := env.CodeActions("app.py", env.Diagnostics("app.py")[0].Range)
	a := env.Action(acts, "Remove key from comment")
	if a.Title != "Remove key from comment (save it in .env as OPENAI_API_KEY)" || !a.IsPreferred {
		t.Errorf("action %q preferred=%v", a.Title, a.IsPreferred)
	}
	for _, o := range acts {
		if strings.HasPrefix(o.Title, lsp.MoveTitlePrefix) {
			t.Errorf("a move fix for a comment: %q", o.Title)
		}
	}
	env.ApplyEdit(a.Edit)
	if got := env.Text("app.py"); got != "# old key: OPENAI_API_KEY (in .env)\nprint('hi')\n" {
		t.Errorf("app.py = %q", got)
	}
	if got := env.ReadFile(".env"); got != "OPENAI_API_KEY="+Key("openai")+"\n" {
		t.Errorf(".env = %q", got)
	}
}

// Terraform: the key becomes a sensitive variable, fed by TF_VAR_ from the
// exported .env, and the title says that Terraform does not read .env.
func TestMoveToEnvTerraform(t *testing.T) {
	env := New(t, "-- infra/main.tf --\nprovider \"openai\" {\n  api_key = \"{{openai}}\"\n}\n")
	env.Initialize()
	a := moveKey(t, env, "infra/main.tf", "Move key to .env as TF_VAR_openai_api_key")
	if !strings.Contains(a.Title, "TF_VAR_") || !strings.Contains(a.Title, "nothing loads .env yet") {
		t.Errorf("title %q", a.Title)
	}
	if got := env.ReadFile(".env"); got != "TF_VAR_openai_api_key="+Key("openai")+"\n" {
		t.Errorf(".env = %q", got)
	}
	if got := env.Text("infra/main.tf"); !strings.Contains(got, "api_key = var.openai_api_key") || !strings.Contains(got, "sensitive = true") {
		t.Errorf("main.tf:\n%s", got)
	}
}

// Client-side code: the key moves to .env under a name no bundler exposes
// (never NEXT_PUBLIC_…), and the title says that browser code must read it
// on the server.
func TestMoveToEnvClientSide(t *testing.T) {
	env := New(t, "-- web/package.json --\n{\"dependencies\": {\"next\": \"14.2.0\"}}\n-- web/app/Chat.tsx --\n\"use client\";\nconst NEXT_PUBLIC_OPENAI_KEY = \"{{openai}}\";\nexport default function Chat() { return <p>{NEXT_PUBLIC_OPENAI_KEY.length}</p>; }\n")
	env.Initialize()
	env.Open("web/app/Chat.tsx")
	env.Await(Diagnostics("web/app/Chat.tsx", Code("client-side-key")))
	a := env.Action(env.CodeActions("web/app/Chat.tsx", env.Diagnostics("web/app/Chat.tsx")[0].Range), lsp.MoveTitlePrefix)
	if !strings.HasPrefix(a.Title, "Move key to .env as OPENAI_API_KEY ") || !strings.Contains(a.Title, "read it on the server") {
		t.Errorf("title %q", a.Title)
	}
	env.ApplyEdit(a.Edit)
	if got := env.ReadFile("web/.env"); got != "OPENAI_API_KEY="+Key("openai")+"\n" {
		t.Errorf("web/.env = %q", got)
	}
	// The literal is gone, the warning is not: the read is still in
	// browser code.
	env.Await(Diagnostics("web/app/Chat.tsx", Code("client-side-key"), MessageContains("read it on the server")))
}

// Reads of provider keys: in a "use client" module or under a public
// name they are client-side-key; in server code they are what the fix
// writes, and fine.
func TestClientEnvReads(t *testing.T) {
	env := New(t, `
-- app/page.tsx --
export default async function Page() { return fetch(u, { headers: { k: process.env.OPENAI_API_KEY! } }); }
-- app/Widget.tsx --
"use client";
export const w = () => process.env.ANTHROPIC_API_KEY;
-- lib/public.ts --
export const k = process.env.NEXT_PUBLIC_OPENAI_KEY;
export const url = process.env.NEXT_PUBLIC_API_URL;
// keyguard:allow
export const ok = import.meta.env.VITE_GROQ_API_KEY;
`)
	env.Initialize()
	env.Open("app/page.tsx")
	env.Open("app/Widget.tsx")
	env.Open("lib/public.ts")
	env.Await(Diagnostics("app/Widget.tsx", Code("client-side-key"), Severity(2)),
		Diagnostics("lib/public.ts", Code("client-side-key"), Severity(1), AtLine(0)))
	// A server component's read is fine; in lib/public.ts the URL is no
	// key and the allowed read is allowed.
	env.Await(NoDiagnostics("app/page.tsx"), DiagnosticCount("lib/public.ts", 1))
}

// Typing elsewhere in a file (a ranged change, then a whole-text one,
// both rescanned by region) keeps its client-side-key diagnostic: the
// region rescan once dropped it until the next full scan.
func TestClientEnvReadsSurviveTyping(t *testing.T) {
	src := "export const k = process.env.NEXT_PUBLIC_OPENAI_KEY;\n" + strings.Repeat("export const x = 1;\n", 50)
	env := New(t, "-- lib/public.ts --\n"+src)
	env.Initialize()
	env.Open("lib/public.ts")
	env.Await(Diagnostics("lib/public.ts", Code("client-side-key"), AtLine(0)))
	end := lsp.Position{Line: 40}
	v := env.EditRanges("lib/public.ts", []lsp.TextEdit{{Range: lsp.Range{Start: end, End: end}, NewText: "// typing\n"}})
	env.Await(AtVersion("lib/public.ts", v), Diagnostics("lib/public.ts", Code("client-side-key"), AtLine(0)))
	v = env.Edit("lib/public.ts", env.Text("lib/public.ts")+"// more\n")
	env.Await(AtVersion("lib/public.ts", v), Diagnostics("lib/public.ts", Code("client-side-key"), AtLine(0)))
}

// A notebook cell document: the cell gets the lookup and import os, the key
// goes to the notebook's package .env, and the title says how a notebook
// loads it.
func TestMoveToEnvNotebookCellPackage(t *testing.T) {
	env := New(t, "-- lab/requirements.txt --\njupyter\n-- lab/nb.ipynb --\n{}\n")
	env.Initialize()
	cell := "vscode-notebook-cell:" + env.Path("lab/nb.ipynb") + "#W0sZmlsZQ=="
	env.OpenURI(cell, "python", "client = OpenAI(api_key=\""+Key("openai")+"\")\n")
	env.Await(Diagnostics(cell, Code("hardcoded-key")))
	var acts []lsp.CodeAction
	if err := env.Call("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": cell},
		"range": env.Diagnostics(cell)[0].Range, "context": map[string]any{"diagnostics": []any{}}}, &acts); err != nil {
		t.Fatal(err)
	}
	a := env.Action(acts, lsp.MoveTitlePrefix)
	if !strings.Contains(a.Title, "%dotenv") {
		t.Errorf("title %q does not say how a notebook loads .env", a.Title)
	}
	env.ApplyEdit(a.Edit)
	if got := env.Text(cell); got != "import os\n\nclient = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])\n" {
		t.Errorf("cell = %q", got)
	}
	if got := env.ReadFile("lab/.env"); got != "OPENAI_API_KEY="+Key("openai")+"\n" {
		t.Errorf("lab/.env = %q", got)
	}
}

// A config file with no env reference of its own: no move fix (only
// Ignore, no Redact), and the diagnostic promises no quick fix.
func TestConfigFileOnlyIgnore(t *testing.T) {
	env := New(t, "-- config.toml --\n[openai]\napi_key = \"{{openai}}\"\n")
	env.Initialize()
	env.OpenURI(env.URI("config.toml"), "plaintext", env.ReadFile("config.toml"))
	env.Await(Diagnostics("config.toml", Code("hardcoded-key")))
	d := env.Diagnostics("config.toml")[0]
	if strings.Contains(d.Message, "quick fix") {
		t.Errorf("message promises a quick fix: %q", d.Message)
	}
	var titles []string
	for _, a := range env.CodeActions("config.toml", d.Range) {
		titles = append(titles, a.Title)
	}
	if len(titles) != 1 || !strings.HasPrefix(titles[0], "Ignore this key") {
		t.Errorf("actions %q, want only Ignore", titles)
	}
}
