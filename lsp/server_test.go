package lsp_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"

	"github.com/keyguard/keyguard/envscan/fakeprovider"
	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

func pos(line, char uint32) lsp.Position { return lsp.Position{Line: line, Character: char} }

func rng(l1, c1, l2, c2 uint32) lsp.Range { return lsp.Range{Start: pos(l1, c1), End: pos(l2, c2)} }

// fake starts a loopback provider where each key gets a named scenario
// ("openai/invalid key"), and returns it with settings pointing at it.
func fake(t *testing.T, keys map[string]string) (*fakeprovider.Server, map[string]any) {
	t.Helper()
	fp := fakeprovider.New()
	for k, sc := range keys {
		r, err := fp.Named(sc)
		if err != nil {
			t.Fatal(err)
		}
		fp.Set(Key(k), r)
	}
	srv := httptest.NewServer(fp)
	t.Cleanup(srv.Close)
	return fp, map[string]any{"endpoints": map[string]string{
		"openai": srv.URL + "/v1", "anthropic": srv.URL, "groq": srv.URL + "/openai/v1"}}
}

func TestInitialize(t *testing.T) {
	env := New(t, "")
	res := env.Initialize()
	if res.Capabilities.PositionEncoding != "utf-16" {
		t.Errorf("positionEncoding %q without the client offering utf-8, want utf-16", res.Capabilities.PositionEncoding)
	}
	if res.ServerInfo.Name != "keyguard" {
		t.Errorf("serverInfo.name = %q", res.ServerInfo.Name)
	}
	cmds, _ := json.Marshal(res.Capabilities.ExecuteCommandProvider)
	for _, c := range []string{lsp.CommandCheckEnv, lsp.CommandCheckQuota, lsp.CommandScanWorkspace} {
		if !strings.Contains(string(cmds), c) {
			t.Errorf("executeCommandProvider %s lacks %s", cmds, c)
		}
	}
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit code after shutdown+exit = %d, want 0", code)
	}
}

func TestUTF8Negotiated(t *testing.T) {
	caps := ModernCapabilities()
	caps["general"] = map[string]any{"positionEncodings": []string{"utf-8", "utf-16"}}
	env := New(t, "-- a.py --\n# 😀 é\nk = \"{{openai}}\"; x = \"😀{{groq}}\"\n", WithCapabilities(caps))
	if enc := env.Initialize().Capabilities.PositionEncoding; enc != "utf-8" {
		t.Fatalf("positionEncoding %q, want utf-8 when offered", enc)
	}
	env.Open("a.py")
	env.Await(DiagnosticCount("a.py", 2))
	line := "k = \"" + Key("openai") + "\"; x = \"😀"
	groq := env.Diagnostics("a.py")[1].Range.Start
	if groq.Line != 1 || int(groq.Character) != len(line) {
		t.Errorf("groq key at %v, want 1:%d (bytes)", groq, len(line))
	}
}

func TestLifecycleErrors(t *testing.T) {
	env := New(t, "")
	err := env.Call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": env.URI("a.py")}, "position": pos(0, 0)}, nil)
	var je *jsonrpc2.Error
	if !errors.As(err, &je) || je.Code != -32002 {
		t.Errorf("hover before initialize: %v, want ServerNotInitialized (-32002)", err)
	}
	env.Initialize()
	if err := env.Call("initialize", map[string]any{"capabilities": map[string]any{}}, nil); err == nil {
		t.Error("second initialize succeeded")
	}
	err = env.Call("textDocument/definition", map[string]any{}, nil)
	if !errors.As(err, &je) || je.Code != jsonrpc2.MethodNotFound {
		t.Errorf("unknown method: %v, want MethodNotFound", err)
	}
	env.Notify("$/unknownNotification", map[string]any{})
	env.Notify("custom/unknown", nil)
	// Bad params answer InvalidParams and the session goes on.
	err = env.Call("textDocument/codeAction", []int{1, 2}, nil)
	if !errors.As(err, &je) || je.Code != jsonrpc2.InvalidParams {
		t.Errorf("codeAction with array params: %v, want InvalidParams", err)
	}
	env.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": "file:///not/open.py", "version": 3}})
	env.Notify("textDocument/didOpen", "garbage")
	if err := env.Call("shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := env.Call("textDocument/hover", map[string]any{}, nil); err == nil {
		t.Error("hover after shutdown succeeded")
	}
	env.Notify("exit", nil)
}

func TestExitWithoutShutdown(t *testing.T) {
	env := New(t, "")
	env.Initialize()
	env.Notify("exit", nil)
	// Shutdown is not called; the server must exit 1 by itself.
	if code := waitExit(t, env); code != 1 {
		t.Errorf("exit without shutdown: code %d, want 1", code)
	}
}

func waitExit(t *testing.T, env *Env) int {
	t.Helper()
	return env.WaitExit(10 * time.Second)
}

func TestDiagnosticsFollowEdits(t *testing.T) {
	env := New(t, `
-- app.py --
import openai

client = openai.OpenAI(api_key="{{openai}}")
-- web/App.tsx --
const k = "{{openai2}}";
-- notes.txt --
nothing to see
`)
	env.Initialize()
	env.Open("app.py")
	env.Open("web/App.tsx")
	env.Open("notes.txt")
	env.Await(
		Diagnostics("app.py", Code("hardcoded-key"), AtLine(2), MessageContains("sk-pro…")),
		AtVersion("app.py", 1),
		Diagnostics("web/App.tsx", Code("client-side-key")),
		NoDiagnostics("notes.txt"),
	)
	d := env.Diagnostics("app.py")[0]
	want := rng(2, 32, 2, uint32(32+len(Key("openai"))))
	if d.Range != want || d.Source != "keyguard" {
		t.Errorf("diagnostic %+v, want range %v source keyguard", d, want)
	}
	if strings.Contains(d.Message, Key("openai")) {
		t.Error("diagnostic message holds the full key")
	}
	v := env.Edit("app.py", "import openai\n\nclient = openai.OpenAI()\n")
	env.Await(NoDiagnostics("app.py"), AtVersion("app.py", v))
	v = env.Edit("app.py", "x = 1\nk = '{{groq}}'\n")
	env.Await(AtVersion("app.py", v))
	if env.Holds(Diagnostics("app.py")) {
		t.Fatal("template was not expanded by Edit: Edit takes literal text")
	}
	v = env.Edit("app.py", "x = 1\nk = '"+Key("groq")+"'\n")
	env.Await(Diagnostics("app.py", AtLine(1), MessageContains("Groq")), AtVersion("app.py", v))
	env.Close("app.py")
	env.Await(NoDiagnostics("app.py"))
}

func TestUTF16Ranges(t *testing.T) {
	env := New(t, "-- a.js --\r\n// 中文 😀\r\nconst s = \"😀😀\" + \"{{openai}}\";\r\n")
	env.Initialize()
	env.Open("a.js")
	env.Await(DiagnosticCount("a.js", 1))
	// `const s = "😀😀" + "` is 20 UTF-16 units (each emoji is 2).
	want := rng(1, 20, 1, uint32(20+len(Key("openai"))))
	if got := env.Diagnostics("a.js")[0].Range; got != want {
		t.Errorf("range %v, want %v (UTF-16, CRLF)", got, want)
	}
}

func TestNonFileDocuments(t *testing.T) {
	env := New(t, "")
	env.Initialize()
	for _, u := range []string{"untitled:Untitled-1", "vscode-notebook-cell:/x/nb.ipynb#W0sZm", "git:/a/b.py?ref=HEAD", "file://", "%%%"} {
		env.OpenURI(u, "python", "k = \""+Key("openai")+"\"\n")
	}
	env.Await(Diagnostics("untitled:Untitled-1", Code("hardcoded-key")), Diagnostics("vscode-notebook-cell:/x/nb.ipynb#W0sZm"))
	var acts []lsp.CodeAction
	if err := env.Call("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": "untitled:Untitled-1"},
		"range": rng(0, 6, 0, 6), "context": map[string]any{"diagnostics": []any{}}}, &acts); err != nil {
		t.Fatalf("codeAction on untitled: %v", err)
	}
	if h := env.Hover("x", pos(0, 0)); h != "" {
		t.Errorf("hover on an unopened document: %q", h)
	}
	// Still alive.
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

func TestEnvHygieneAndGitignoreFix(t *testing.T) {
	env := New(t, `
-- .env --
OPENAI_API_KEY=" {{openai}}"
ANTHROPIC_API_KEY="Bearer {{anthropic}}"
DEBUG=1
`, GitInit(), WithInitializationOptions(map[string]any{"probe": map[string]any{"enabled": false}}))
	env.Initialize()
	env.Open(".env")
	env.Await(
		Diagnostics(".env", Code("env-format"), AtLine(0)),
		Diagnostics(".env", Code("env-format"), AtLine(1), MessageContains("Bearer")),
		Diagnostics(".env", Code("env-not-ignored")),
	)
	for _, d := range env.Diagnostics(".env") {
		if strings.Contains(d.Message, Key("openai")) || strings.Contains(d.Message, Key("anthropic")) {
			t.Errorf("message holds a full key: %s", d.Message)
		}
	}
	// Fix the Bearer prefix.
	acts := env.CodeActions(".env", rng(1, 20, 1, 20))
	fix := env.Action(acts, "Drop Bearer prefix")
	env.ApplyEdit(fix.Edit)
	if got := env.Text(".env"); !strings.Contains(got, "ANTHROPIC_API_KEY=\""+Key("anthropic")+"\"\n") {
		t.Errorf("after the Bearer fix .env is:\n%s", got)
	}
	// Add .env to .gitignore: the file does not exist yet.
	var ni lsp.Diagnostic
	for _, d := range env.Diagnostics(".env") {
		if d.Code == "env-not-ignored" {
			ni = d
		}
	}
	add := env.Action(env.CodeActions(".env", ni.Range), "Add /.env to .gitignore")
	env.ApplyEdit(add.Edit)
	if got := env.ReadFile(".gitignore"); got != "/.env\n" {
		t.Errorf(".gitignore = %q", got)
	}
}

func TestGitignoreFixKeepsContent(t *testing.T) {
	env := New(t, "-- .env --\nA=1\n", GitInit())
	// Written directly: txtar would add a final newline.
	env.WriteFile(".gitignore", "node_modules/\r\n*.log")
	env.Initialize()
	env.Open(".env")
	env.Await(Diagnostics(".env", Code("env-not-ignored")))
	d := env.Diagnostics(".env")[0]
	env.ApplyEdit(env.Action(env.CodeActions(".env", d.Range), "Add /.env to .gitignore").Edit)
	if got := env.ReadFile(".gitignore"); got != "node_modules/\r\n*.log\r\n/.env\r\n" {
		t.Errorf(".gitignore = %q: every line kept, CRLF kept, a final newline added", got)
	}
}

func TestProbeOnOpenAndSave(t *testing.T) {
	fp, settings := fake(t, map[string]string{"openai": "openai/invalid key", "anthropic": "anthropic/valid"})
	env := New(t, `
-- .gitignore --
.env
-- .env --
OPENAI_API_KEY={{openai}}
ANTHROPIC_API_KEY={{anthropic}}
`, WithInitializationOptions(settings))
	env.Initialize()
	env.Open(".env")
	env.Await(
		Diagnostics(".env", Code("env-key-invalid"), AtLine(0), Severity(1), MessageContains("HTTP 401")),
		ProbeResult("invalid"), ProbeResult("valid"),
	)
	if env.Holds(Diagnostics(".env", AtLine(1))) {
		t.Errorf("a valid key has a diagnostic: %+v", env.Diagnostics(".env"))
	}
	h := env.Hover(".env", pos(1, 25))
	if !strings.Contains(h, "verified valid just now") || !strings.Contains(h, "Anthropic") || strings.Contains(h, Key("anthropic")) {
		t.Errorf("hover on the valid key:\n%s", h)
	}
	for _, pr := range env.Snapshot().ProbeResults {
		if len(pr.Locations) != 1 || pr.Locations[0].URI != env.URI(".env") || pr.Secret == "" || strings.Contains(pr.Secret, "sk-ant-api03-Q1w2E3r4") {
			t.Errorf("probeResult %+v", pr)
		}
	}
	n := len(fp.Requests())
	if n != 2 {
		t.Errorf("%d probe requests on open, want 2", n)
	}
	// Saving within the TTL costs nothing: the verdicts are cached.
	env.Save(".env")
	time.Sleep(200 * time.Millisecond)
	if got := len(fp.Requests()); got != n {
		t.Errorf("save within the TTL made %d new requests", got-n)
	}
	// A new key typed and saved is probed.
	fp.Set(Key("openai2"), fp.Scenario("openai", "no credit"))
	env.Edit(".env", "OPENAI_API_KEY="+Key("openai2")+"\nANTHROPIC_API_KEY="+Key("anthropic")+"\n")
	env.Save(".env")
	env.Await(Diagnostics(".env", Code("env-key-no-quota"), AtLine(0)), NoMatchingDiagnostics(".env", Code("env-key-invalid")))
}

func TestProbeDisabledAndSeverity(t *testing.T) {
	fp, settings := fake(t, map[string]string{"openai": "openai/invalid key"})
	settings["probe"] = map[string]any{"enabled": false}
	env := New(t, "-- .gitignore --\n.env\n-- .env --\nOPENAI_API_KEY={{openai}}\n-- a.py --\nk='{{openai2}}'\n", WithInitializationOptions(settings))
	env.Initialize()
	env.Open(".env")
	env.Open("a.py")
	env.Await(NoDiagnostics(".env"), Diagnostics("a.py", Severity(2)))
	time.Sleep(100 * time.Millisecond)
	if n := len(fp.Requests()); n != 0 {
		t.Errorf("probing off made %d requests", n)
	}
	// Settings change: severity error for hardcoded keys, then off.
	env.SetConfiguration(map[string]any{"probe": map[string]any{"enabled": false}, "severity": map[string]string{"hardcoded-key": "error"}})
	env.Await(Diagnostics("a.py", Severity(1)))
	env.SetConfiguration(map[string]any{"probe": map[string]any{"enabled": false}, "severity": map[string]string{"hardcoded-key": "off"}})
	env.Await(NoDiagnostics("a.py"))
	env.SetConfiguration(map[string]any{"probe": map[string]any{"enabled": false}, "ignore": []string{"*.py"}})
	env.Await(NoDiagnostics("a.py"))
	env.SetConfiguration(map[string]any{"probe": map[string]any{"enabled": false}})
	env.Await(Diagnostics("a.py", Code("hardcoded-key")))
}

func TestConfigurationPulled(t *testing.T) {
	fp, settings := fake(t, map[string]string{"openai": "openai/invalid key"})
	// The endpoint comes only from workspace/configuration, not from
	// initializationOptions, which vouch for it (trustedSettings: the
	// client filtered workspace values; see TestWorkspaceEndpointsNeedTrust).
	env := New(t, "-- .gitignore --\n.env\n-- .env --\nOPENAI_API_KEY={{openai}}\n",
		WithInitializationOptions(map[string]any{"trustedSettings": true}))
	env.Initialize()
	env.SetConfiguration(settings)
	env.Await(Expectation{Description: "a workspace/configuration request", Check: func(s State) bool { return s.ConfigurationRequests > 0 }})
	time.Sleep(100 * time.Millisecond)
	env.Open(".env")
	env.Await(Diagnostics(".env", Code("env-key-invalid")))
	if len(fp.Requests()) == 0 {
		t.Error("no request reached the configured endpoint")
	}
}

func TestHoverOnHardcodedKey(t *testing.T) {
	env := New(t, "-- a.go --\npackage a\n\nconst k = \"{{anthropic}}\"\n")
	env.Initialize()
	env.Open("a.go")
	env.Await(Diagnostics("a.go"))
	h := env.Hover("a.go", pos(2, 20))
	for _, want := range []string{"Anthropic", "sk-ant…", "fingerprint", "not checked yet"} {
		if !strings.Contains(h, want) {
			t.Errorf("hover lacks %q:\n%s", want, h)
		}
	}
	if strings.Contains(h, Key("anthropic")) {
		t.Error("hover shows the full key")
	}
	if h := env.Hover("a.go", pos(0, 2)); h != "" {
		t.Errorf("hover away from a key: %q", h)
	}
}

func TestScanWorkspaceCommand(t *testing.T) {
	env := New(t, `
-- src/a.py --
k = "{{openai}}"
-- src/b.js --
const k = "{{anthropic}}"
-- src/open.py --
k = "{{groq}}"
-- clean.txt --
hello
-- .env --
OPENAI_API_KEY={{openai2}}
-- ignored/c.py --
k = "{{openai2}}"
-- .gitignore --
ignored/
`)
	env.Initialize()
	env.Open("src/open.py")
	env.Await(Diagnostics("src/open.py"))
	var res lsp.ScanResult
	if err := env.ExecuteCommand(lsp.CommandScanWorkspace, nil, &res); err != nil {
		t.Fatal(err)
	}
	env.Await(
		Diagnostics("src/a.py", Code("hardcoded-key")),
		Diagnostics("src/b.js", Code("hardcoded-key")),
		ProgressEnded("keyguard: scanning", "keys in"),
	)
	st := env.Snapshot()
	for _, f := range []string{".env", "ignored/c.py", "clean.txt"} {
		if _, ok := st.Diagnostics[f]; ok {
			t.Errorf("scan published for %s", f)
		}
	}
	if st.Publications["src/open.py"] != 1 {
		t.Errorf("the scan republished an open document (%d publications)", st.Publications["src/open.py"])
	}
	if res.Documents != 2 || res.Findings != 3 {
		t.Errorf("result %+v, want 2 unopened documents and 3 findings", res)
	}
	// Remove a key on disk and rescan: its diagnostics are cleared.
	env.WriteFile("src/a.py", "k = None\n")
	if err := env.ExecuteCommand(lsp.CommandScanWorkspace, nil, &res); err != nil {
		t.Fatal(err)
	}
	env.Await(NoDiagnostics("src/a.py"))
}

// A workspace scan shows provider keys read in browser code, as an open
// document does: a public variable as an error, a server-only one read in
// a "use client" module as a warning; server code and allowed reads stay
// clean.
func TestScanWorkspaceClientEnvReads(t *testing.T) {
	env := New(t, `
-- lib/public.ts --
export const k = process.env.NEXT_PUBLIC_OPENAI_KEY;
-- app/Widget.tsx --
"use client";
export const w = () => process.env.ANTHROPIC_API_KEY;
-- app/route.ts --
export const key = process.env.OPENAI_API_KEY;
-- lib/allowed.ts --
// keyguard:allow
export const ok = import.meta.env.VITE_GROQ_API_KEY;
-- app/actions.ts --
"use server";
export const llm = () => new OpenAI({ apiKey: process.env.NEXT_PUBLIC_OPENAI_KEY });
`)
	env.Initialize()
	var res lsp.ScanResult
	if err := env.ExecuteCommand(lsp.CommandScanWorkspace, nil, &res); err != nil {
		t.Fatal(err)
	}
	env.Await(
		Diagnostics("lib/public.ts", Code("client-side-key"), Severity(1), AtLine(0)),
		Diagnostics("app/Widget.tsx", Code("client-side-key"), Severity(2), AtLine(1)),
		// A server action is not shipped; the public name still invites
		// a browser read: a warning that says so.
		Diagnostics("app/actions.ts", Code("client-side-key"), Severity(2), AtLine(1), MessageContains("this server module does not ship it")),
		ProgressEnded("keyguard: scanning", "keys in"),
	)
	st := env.Snapshot()
	for _, f := range []string{"app/route.ts", "lib/allowed.ts"} {
		if d, ok := st.Diagnostics[f]; ok && len(d.Diagnostics) > 0 {
			t.Errorf("scan published for %s: %+v", f, d)
		}
	}
	if res.Findings != 3 {
		t.Errorf("result %+v, want 3 findings", res)
	}
}

func TestScanWorkspaceCancel(t *testing.T) {
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "-- d%d/f%d.py --\nx = %d\n", i%30, i, i)
	}
	env := New(t, b.String())
	env.Initialize()
	done := make(chan error, 1)
	go func() {
		done <- env.ExecuteCommand(lsp.CommandScanWorkspace, nil, nil)
	}()
	// Cancel as soon as progress begins.
	env.Await(Expectation{Description: "progress begun", Check: func(s State) bool { return len(s.Progress) > 0 }})
	for tok := range env.Snapshot().Progress {
		env.Notify("window/workDoneProgress/cancel", map[string]any{"token": tok})
	}
	select {
	case err := <-done:
		// Either it finished before the cancel landed or it was
		// cancelled; both must end the progress.
		if err != nil && !strings.Contains(err.Error(), "cancel") {
			t.Errorf("cancelled scan: %v", err)
		}
	case <-time.After(Timeout):
		t.Fatal("scan did not return after cancel")
	}
	env.Await(ProgressEnded("keyguard: scanning", ""))
}

func TestCheckEnvCommand(t *testing.T) {
	fp, settings := fake(t, map[string]string{"openai": "openai/invalid key"})
	env := New(t, "-- .gitignore --\n.env\n-- .env --\nOPENAI_API_KEY={{openai}}\nEMPTY=\n", WithInitializationOptions(settings))
	env.Initialize()
	var rep struct {
		Results []struct {
			File, Var, Verdict, Detail string
			Line, Status               int
		} `json:"results"`
		Issues []struct{ Code, Message string } `json:"issues"`
	}
	if err := env.ExecuteCommand(lsp.CommandCheckEnv, nil, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Verdict != "invalid" || rep.Results[0].Var != "OPENAI_API_KEY" || rep.Results[0].Line != 1 {
		t.Errorf("checkEnv results %+v", rep.Results)
	}
	env.Await(ProbeResult("invalid"), ProgressEnded("keyguard: checking .env", "1 keys checked"))
	// The check of an unopened file still reaches status bars, located
	// once the server has listed the workspace's .env files (envfiles.go).
	if pr := env.Snapshot().ProbeResults[0]; len(pr.Locations) > 1 ||
		len(pr.Locations) == 1 && pr.Locations[0] != (lsp.ProbeLocation{URI: env.URI(".env"), Line: 1, Var: "OPENAI_API_KEY"}) {
		t.Errorf("locations for an unopened .env: %+v", pr.Locations)
	}
	if n := len(fp.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestBadEnvInput(t *testing.T) {
	env := New(t, "")
	env.Initialize()
	bad := []string{
		"A=\"unterminated\nB=2\n",
		"\x00\x01\x02binary\xff\xfe",
		"K=" + strings.Repeat("x", 1<<20) + "\n",
		"\xef\xbb\xbfA=1\r\nB='x\r\n",
		"export export A=1\n=novar\n   \n#\n",
	}
	for i, text := range bad {
		env.OpenURI(env.URI(fmt.Sprintf("d%d/.env", i)), "dotenv", text)
	}
	for i := range bad {
		env.Await(Expectation{Description: fmt.Sprintf("a publication for d%d/.env", i), Check: func(s State) bool {
			_, ok := s.Diagnostics[fmt.Sprintf("d%d/.env", i)]
			return ok
		}})
	}
	if _, err := os.Stat(env.Path("d0")); err == nil {
		t.Error("the server wrote into the workspace")
	}
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// keyguard.checkQuota makes the opt-in 1-token request only for a key that
// works, and reports no-quota from it; plain checks never make it.
func TestCheckQuotaCommand(t *testing.T) {
	fp := fakeprovider.New()
	fp.Set(Key("openai"), fp.Scenario("openai", "valid"), fp.Scenario("openai", "no credit"))
	srv := httptest.NewServer(fp)
	defer srv.Close()
	env := New(t, "-- .gitignore --\n.env\n-- .env --\nOPENAI_API_KEY={{openai}}\n",
		WithInitializationOptions(map[string]any{"endpoints": map[string]string{"openai": srv.URL + "/v1"}, "probe": map[string]any{"onSave": false}}))
	env.Initialize()
	env.Open(".env")
	env.Await(ProbeResult("valid"))
	if h := env.Hover(".env", pos(0, 20)); !strings.Contains(h, "verified valid") || !strings.Contains(h, "request id") {
		t.Errorf("hover after a valid probe:\n%s", h)
	}
	for _, r := range fp.Requests() {
		if strings.Contains(r.Path, "chat") {
			t.Fatal("a plain probe made a paid request")
		}
	}
	var rep struct {
		Results []struct{ Verdict string } `json:"results"`
	}
	if err := env.ExecuteCommand(lsp.CommandCheckQuota, nil, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Verdict != "no-quota" {
		t.Errorf("checkQuota results %+v, want no-quota", rep.Results)
	}
	env.Await(Diagnostics(".env", Code("env-key-no-quota")))
	chats := 0
	for _, r := range fp.Requests() {
		if strings.Contains(r.Path, "chat/completions") {
			chats++
		}
	}
	if chats != 1 {
		t.Errorf("%d chat requests, want exactly the one quota check", chats)
	}
}

// A workspace scan keeps and publishes at most the cap of findings (a
// hostile clone can hold millions for the price of one blob) and says how
// many more there were.
func TestScanWorkspaceCapped(t *testing.T) {
	defer lsp.SetMaxWorkspaceFindings(3)()
	env := New(t, `
-- a.py --
k = "{{openai}}"
k2 = "{{anthropic}}"
-- b.py --
k = "{{openai}}"
k2 = "{{anthropic}}"
-- c.py --
k = "{{groq}}"
`)
	env.Initialize()
	var res lsp.ScanResult
	if err := env.ExecuteCommand(lsp.CommandScanWorkspace, nil, &res); err != nil {
		t.Fatal(err)
	}
	env.Await(ProgressEnded("keyguard: scanning", "2 more not shown"))
	n := 0
	for _, ds := range env.Snapshot().Diagnostics {
		n += len(ds.Diagnostics)
	}
	if res.Findings != 3 || res.NotShown != 2 || n != 3 {
		t.Errorf("result %+v, %d diagnostics published; want 3 and 2 not shown", res, n)
	}
}
