package lsp_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.lsp.dev/uri"

	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

func frame(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }

// assertNoFullKey fails if anything the server wrote or logged holds a
// whole test key.
func assertNoFullKey(t *testing.T, env *Env) {
	t.Helper()
	out := env.Wrote() + env.Log()
	for name, k := range Keys {
		if strings.Contains(out, k) {
			t.Errorf("the full %s key left the server", name)
		}
	}
}

// Issue 10 item 9: a frame nesting two million `[` overflowed the stack of
// the JSON decoder (a fatal error no recover catches), even before
// initialize. It is refused before decoding, a request among such frames
// gets an error answer, and the session goes on.
func TestDeeplyNestedFrames(t *testing.T) {
	env := New(t, "-- a.py --\nk = \"{{openai}}\"\n")
	deep := strings.Repeat("[", 2<<20)
	env.WriteRaw([]byte(frame(`{"jsonrpc":"2.0","id":41,"method":"initialize","params":` + deep + `}`)))
	env.Initialize()
	for _, body := range []string{
		`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":` + deep + `}}`,
		`{"jsonrpc":"2.0","id":"deep-42","method":"textDocument/hover","params":` + strings.Repeat(`{"a":`, 300) + `1` + strings.Repeat(`}`, 300) + `}`,
		`{"jsonrpc":"2.0","method":"workspace/didChangeConfiguration","params":{"settings":{"keyguard":` + strings.Repeat(`{"probe":`, 1<<20) + `}}}`,
		`{"jsonrpc":"2.0","id":43,"result":` + deep + `}`, // an answer to nothing, too deep
	} {
		env.WriteRaw([]byte(frame(body)))
	}
	env.Open("a.py")
	env.Await(Diagnostics("a.py", Code("hardcoded-key")))
	if h := env.Hover("a.py", pos(0, 8)); !strings.Contains(h, "OpenAI") {
		t.Errorf("hover after deep frames: %q", h)
	}
	out := env.Wrote()
	for _, id := range []string{`"id":41}`, `"id":"deep-42"}`} {
		if !slices.ContainsFunc(strings.Split(out, "Content-Length:"), func(f string) bool {
			return strings.HasSuffix(f, id) && strings.Contains(f, `"code":-32600,"message":"keyguard: message nests deeper than 256 levels"`)
		}) {
			t.Errorf("no error answer for the too-deep request %s", id)
		}
	}
	if strings.Contains(out, `"id":43`) {
		t.Error("the server answered a response")
	}
	if !strings.Contains(env.Log(), "nests deeper than 256 levels") {
		t.Error("the skipped frames were not logged")
	}
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d", code)
	}
	assertNoFullKey(t, env)
}

// brokenFrames are frames with a wrong Content-Length, each followed (by
// the test) by a valid request that must be answered: the reader
// resynchronises on the next header instead of reading every later
// message from the wrong offset (issue 10 item 10).
func brokenFrames() []struct{ name, raw string } {
	body := `{"jsonrpc":"2.0","method":"$/garbage","params":{"text":"Content-Length: 12 — déjà vu"}}`
	n := len(body)
	return []struct{ name, raw string }{
		{"not a number", "Content-Length: abc\r\n\r\n" + body},
		{"negative", "Content-Length: -5\r\n\r\n" + body},
		{"zero", "Content-Length: 0\r\n\r\n" + body},
		{"shorter than the body", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", n-30, body)},
		{"counted in characters", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len([]rune(body)), body)},
		{"longer than the body", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", n+500, body)},
		{"longer by a few bytes", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", n+6, body)},
		{"longer into the next length", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", n+17, body)},
		{"huge", "Content-Length: 99999999999\r\n\r\n" + body},
		{"over the limit", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", 100<<20, body)},
		{"overflowing int64", "Content-Length: 999999999999999999999999\r\n\r\n" + body},
		{"no blank line", fmt.Sprintf("Content-Length: %d\r\n%s", n, body)},
		{"garbage without a newline", "garbage{}[]" + body},
		{"overlong garbage", strings.Repeat("A", 100000)},
		{"two lengths", fmt.Sprintf("Content-Length: 5\r\nContent-Length: abc\r\n\r\n%s", body)},
		{"lower case", fmt.Sprintf("content-length: %d\r\n\r\n%s", n-1, body)},
		{"header only", "Content-Length: 40\r\n"},
	}
}

func TestBrokenContentLengthResynchronises(t *testing.T) {
	env := New(t, "-- a.py --\nk = \"{{openai}}\"\n")
	env.Initialize()
	env.Open("a.py")
	env.Await(Diagnostics("a.py", Code("hardcoded-key")))
	for _, tc := range brokenFrames() {
		env.WriteRaw([]byte(tc.raw))
		if h := env.Hover("a.py", pos(0, 8)); !strings.Contains(h, "OpenAI") {
			t.Errorf("%s: hover after the broken frame = %q", tc.name, h)
		}
	}
	// A frame split across writes still arrives whole.
	req := frame(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"` + env.URI("a.py") + `","version":9},"contentChanges":[{"text":"x = 1\n"}]}}`)
	for i := 0; i < len(req); i += 7 {
		env.WriteRaw([]byte(req[i:min(len(req), i+7)]))
	}
	env.Await(AtVersion("a.py", 9), NoDiagnostics("a.py"))
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(env.Log(), "resynchronised") {
		t.Error("resynchronisation was not logged")
	}
	assertNoFullKey(t, env)
}

// Issue 10 item 6: the server builds the edits and the client applies them
// to whatever a path resolves to, so a committed `.env -> docs/notes.md`
// got the key appended to a tracked file and `.gitignore ->
// ~/.ssh/config` a line. A fix whose side file is a link (or not a
// regular file) is not offered, with the reason; no edit names the link or
// its target; the target is unchanged.
func TestFixesNeverWriteThroughLinks(t *testing.T) {
	outside := t.TempDir() // stands for ~/.ssh
	sshConfig := filepath.Join(outside, "config")
	const sshText = "Host *\n  IdentityFile ~/.ssh/id\n"
	if err := os.WriteFile(sshConfig, []byte(sshText), 0o600); err != nil {
		t.Fatal(err)
	}
	const notes = "# Notes\n\nNothing secret here.\n"
	disabledCaps := ModernCapabilities()
	disabledCaps["textDocument"].(map[string]any)["codeAction"].(map[string]any)["disabledSupport"] = true
	eager := map[string]any{"workspace": map[string]any{"workspaceEdit": map[string]any{"documentChanges": true, "resourceOperations": []string{"create"}}}}
	for _, tc := range []struct {
		name  string
		links map[string]string // link (workspace-relative) -> target (relative to the workspace, or absolute)
	}{
		{".env -> docs/notes.md", map[string]string{".env": "docs/notes.md"}},
		{".gitignore -> ~/.ssh/config", map[string]string{".gitignore": sshConfig}},
		{".env.example -> docs/notes.md", map[string]string{".env.example": "docs/notes.md"}},
	} {
		for capName, caps := range map[string]map[string]any{"disabledSupport": disabledCaps, "lazy": ModernCapabilities(), "eager": eager} {
			t.Run(tc.name+"/"+capName, func(t *testing.T) {
				env := New(t, pyApp+"-- docs/notes.md --\n"+notes+"-- .env.local --\nOPENAI_API_KEY={{openai2}}\n", GitInit(), WithCapabilities(caps))
				targets := map[string]string{} // absolute target -> content before
				for link, target := range tc.links {
					if err := os.Symlink(target, env.Path(link)); err != nil {
						t.Fatal(err)
					}
					abs := target
					if !filepath.IsAbs(abs) {
						abs = env.Path(target)
					}
					b, _ := os.ReadFile(abs)
					targets[abs] = string(b)
					targets[env.Path(link)] = string(b)
				}
				env.Initialize()
				env.Open("app.py")
				env.Open(".env.local")
				env.Await(Diagnostics("app.py", Code("hardcoded-key")), AtVersion(".env.local", 1))
				var acts []lsp.CodeAction
				acts = append(acts, env.CodeActions("app.py", env.Diagnostics("app.py")[0].Range)...)
				for _, d := range env.Diagnostics(".env.local") {
					acts = append(acts, env.CodeActions(".env.local", d.Range)...)
				}
				var moveSeen bool
				for _, a := range acts {
					if strings.HasPrefix(a.Title, lsp.MoveTitlePrefix) {
						moveSeen = true
						if a.Disabled == nil || !strings.Contains(a.Disabled.Reason, "symbolic link") || a.Edit != nil || a.Data != nil {
							t.Errorf("move fix offered: %+v", a)
						}
					}
					if a.Edit == nil && a.Data != nil {
						a = env.Action([]lsp.CodeAction{a}, a.Title)
					}
					if a.Edit == nil {
						continue
					}
					for _, u := range editedURIs(a.Edit) {
						for p := range targets {
							if u == "file://"+filepath.ToSlash(p) {
								t.Errorf("%q edits %s", a.Title, p)
							}
						}
					}
				}
				switch capName {
				case "disabledSupport":
					if !moveSeen {
						t.Error("no disabled move fix to say why")
					}
				default:
					if moveSeen {
						t.Error("a client without disabledSupport got the disabled move fix")
					}
					env.Await(showMessage("symbolic link"))
				}
				for p, before := range targets {
					if b, _ := os.ReadFile(p); string(b) != before {
						t.Errorf("%s changed: %q", p, b)
					}
				}
				if code := env.Shutdown(); code != 0 {
					t.Errorf("exit %d", code)
				}
				assertNoFullKey(t, env)
			})
		}
	}
}

func editedURIs(we *lsp.WorkspaceEdit) []string {
	var out []string
	for u := range we.Changes {
		out = append(out, u)
	}
	for _, dc := range we.DocumentChanges {
		if dc.URI != "" {
			out = append(out, dc.URI)
		}
		if dc.TextDocument != nil {
			out = append(out, dc.TextDocument.URI)
		}
	}
	return out
}

func showMessage(sub string) Expectation {
	return Expectation{
		Description: "a window/showMessage containing " + sub,
		Check: func(s State) bool {
			return slices.ContainsFunc(s.ShowMessages, func(m string) bool { return strings.Contains(m, sub) })
		},
	}
}

// Issue 10 item 7, through the server: the "Add .env to .gitignore" fix
// for the .env of a folder named "a\n!.env\nb" is not offered (it would
// un-ignore the real .env), and one for a folder named "[ab]" adds the
// escaped line.
func TestGitignoreFixEscapes(t *testing.T) {
	caps := ModernCapabilities()
	caps["textDocument"].(map[string]any)["codeAction"] = map[string]any{"disabledSupport": true} // eager edits
	env := New(t, "-- .gitignore --\n/.env\n-- .env --\nA=1\n", GitInit(), WithCapabilities(caps))
	env.Initialize()
	actionsFor := func(dir string) []lsp.CodeAction {
		t.Helper()
		p := filepath.Join(env.Dir, dir, ".env")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("A=1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		u := string(uri.File(p)) // percent-encoded, as editors send it
		env.OpenURI(u, "dotenv", "A=1\n")
		key := strings.TrimPrefix(strings.TrimPrefix(u, "file://"), filepath.ToSlash(env.Dir)+"/")
		env.Await(Diagnostics(key, Code("env-not-ignored")))
		var acts []lsp.CodeAction
		if err := env.Call("textDocument/codeAction", map[string]any{
			"textDocument": map[string]any{"uri": u}, "range": env.Diagnostics(key)[0].Range,
			"context": map[string]any{"diagnostics": env.Diagnostics(key)}}, &acts); err != nil {
			t.Fatal(err)
		}
		return acts
	}
	var seen bool
	for _, a := range actionsFor("a\n!.env\nb") {
		if isGitignoreFix(a.Title) {
			seen = true
			if a.Edit != nil || a.Disabled == nil || !strings.Contains(a.Disabled.Reason, "line break") {
				t.Errorf("offered for a folder with line breaks: %+v", a)
			}
		}
	}
	if !seen {
		t.Error("no disabled fix saying why")
	}
	var text string
	for _, a := range actionsFor("[ab]") {
		if isGitignoreFix(a.Title) && a.Edit != nil {
			if a.Title != `Add /\[ab]/.env to .gitignore` {
				t.Errorf("title %q does not name the escaped entry", a.Title)
			}
			for _, dc := range a.Edit.DocumentChanges {
				for _, e := range dc.Edits {
					text += e.NewText
				}
			}
		}
	}
	// The newline may come before or after the entry (append_edit.go
	// picks positions every client applies exactly); the line is the same.
	if strings.Trim(text, "\n") != `/\[ab]/.env` || strings.Count(text, "\n") != 1 {
		t.Errorf("gitignore line %q", text)
	}
	if got := env.ReadFile(".gitignore"); got != "/.env\n" {
		t.Errorf(".gitignore changed: %q", got)
	}
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// loopbackOnly lets probes reach loopback listeners and nothing else: a
// refused endpoint falls back to the provider's official host, which a
// test must never reach.
type loopbackOnly struct{ offLoopback *atomic.Int64 }

func (l loopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if h := r.URL.Hostname(); h != "127.0.0.1" && h != "::1" && h != "localhost" {
		l.offLoopback.Add(1)
		return nil, errors.New("test: no network beyond loopback")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// Issue 10 item 12: endpoints and probe.allowedHosts pulled with
// workspace/configuration (where editors merge a cloned repository's
// workspace settings) are refused unless initializationOptions vouch for
// them with trustedSettings, or the endpoint's host is on the user-level
// allowlist; a showMessage says why. No request reaches a refused
// endpoint's listener.
func TestWorkspaceEndpointsNeedTrust(t *testing.T) {
	for _, tc := range []struct {
		name     string
		initOpts map[string]any
		accepted bool
	}{
		{"untrusted", nil, false},
		{"untrusted, user allowlist elsewhere", map[string]any{"probe": map[string]any{"allowedHosts": []string{"llm.example"}}}, false},
		{"trustedSettings", map[string]any{"trustedSettings": true}, true},
		{"host on the user allowlist", map[string]any{"probe": map[string]any{"allowedHosts": []string{"127.0.0.1"}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fp, pulled := fake(t, map[string]string{"openai": "openai/invalid key"})
			// The workspace also tries to widen the allowlist.
			pulled["probe"] = map[string]any{"allowedHosts": []string{"127.0.0.1", "evil.example"}}
			var off atomic.Int64
			opts := []Option{GitInit(), WithServerOptions(func(o *lsp.Options) { o.ProberConfig.Transport = loopbackOnly{&off} })}
			if tc.initOpts != nil {
				opts = append(opts, WithInitializationOptions(tc.initOpts))
			}
			env := New(t, "-- .gitignore --\n.env\n-- .env --\nOPENAI_API_KEY={{openai}}\n", opts...)
			env.Initialize()
			env.SetConfiguration(pulled)
			env.Await(Expectation{Description: "a workspace/configuration request", Check: func(s State) bool { return s.ConfigurationRequests > 0 }},
				LogContains("settings updated"))
			env.Open(".env")
			if tc.accepted {
				env.Await(Diagnostics(".env", Code("env-key-invalid")))
				if len(fp.Requests()) == 0 {
					t.Error("no request reached the vouched-for endpoint")
				}
			} else {
				env.Await(ProbeResult("unknown"), showMessage("keyguard.endpoints.openai from workspace/configuration ignored: its host 127.0.0.1 is not in the user-level keyguard.probe.allowedHosts"))
				if n := len(fp.Requests()); n != 0 {
					t.Errorf("%d requests reached the workspace's endpoint", n)
				}
				if off.Load() == 0 {
					t.Error("the probe did not fall back to the official host (blocked here)")
				}
			}
			if !tc.accepted || tc.initOpts["trustedSettings"] == nil {
				env.Await(showMessage("keyguard.probe.allowedHosts from workspace/configuration ignored"))
			}
			if code := env.Shutdown(); code != 0 {
				t.Errorf("exit %d", code)
			}
			assertNoFullKey(t, env)
		})
	}
}

// A bad field in the section is dropped and reported, the rest applies;
// `"endpoints": []` (an empty Lua table) is no error.
func TestBadSettingsFieldDropsOnlyThatField(t *testing.T) {
	env := New(t, "-- a.py --\nk = \"{{openai}}\"\n", WithInitializationOptions(map[string]any{
		"probe":     map[string]any{"enabled": "yes", "onSave": false},
		"severity":  map[string]any{"hardcoded-key": "error", "env-format": 3},
		"endpoints": []any{},
	}))
	env.Initialize()
	env.Open("a.py")
	env.Await(Diagnostics("a.py", Code("hardcoded-key"), Severity(1)),
		showMessage("keyguard.probe.enabled"), showMessage("keyguard.severity.env-format"))
	for _, m := range env.Snapshot().ShowMessages {
		if strings.Contains(m, "endpoints") {
			t.Errorf("an empty endpoints table was reported: %q", m)
		}
	}
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// Code actions run on the reader goroutine, which also has to deliver
// exit: they never start git. For a .env edited since its last scan, git's
// answer (not ignored) is reused from that scan, and the fix is offered.
func TestCodeActionOnStaleEnvRunsNoGit(t *testing.T) {
	realGit, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	bin := t.TempDir()
	calls := filepath.Join(bin, "calls")
	script := "#!/bin/sh\necho \"$@\" >> '" + calls + "'\nexec '" + realGit + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	env := New(t, "-- .env --\nDEBUG=1\n", GitInit(), WithServerOptions(func(o *lsp.Options) { o.Debounce = time.Hour }))
	env.Initialize()
	env.Open(".env")
	env.Await(Diagnostics(".env", Code("env-not-ignored")))
	before, _ := os.ReadFile(calls)
	env.Edit(".env", "DEBUG=2\nMORE=3\n") // scanned again only in an hour
	acts := env.CodeActions(".env", env.Diagnostics(".env")[0].Range)
	if !slices.ContainsFunc(acts, func(a lsp.CodeAction) bool { return isGitignoreFix(a.Title) }) {
		t.Errorf("no gitignore fix on the stale .env: %+v", acts)
	}
	if after, _ := os.ReadFile(calls); string(after) != string(before) {
		t.Errorf("the code action ran git: %q", strings.TrimPrefix(string(after), string(before)))
	}
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// isGitignoreFix: the fix's title names the entry it writes ("Add
// /web/.env.local to .gitignore").
func isGitignoreFix(title string) bool {
	return strings.HasPrefix(title, "Add ") && strings.HasSuffix(title, " to .gitignore")
}
