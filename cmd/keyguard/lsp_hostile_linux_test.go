//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

// Issue 10 item 4, server side: files a hostile clone plants where the
// server reads on its own (.env, .gitignore, .git/info/exclude) — a FIFO,
// a link to /proc/self/fd/0 (the server's own LSP input) or to /dev/zero —
// used to block the handler under the server lock (a FIFO's open(2) waits
// for a writer forever) so that nothing, exit included, was answered
// again. Every request must still be answered promptly and shutdown+exit
// must end the process with 0.
func TestLSPHostileWorkspace(t *testing.T) {
	type plant = func(t *testing.T, path string)
	fifo := plantFIFO
	link := func(target string) plant {
		return func(t *testing.T, path string) { plantLink(t, path, target) }
	}
	for _, tc := range []struct {
		name  string
		plant map[string]plant // by path relative to the workspace
	}{
		{"fifo .env", map[string]plant{".env": fifo}},
		{"fifo .gitignore", map[string]plant{".gitignore": fifo}},
		{"fifo .env.example and sub/.gitignore", map[string]plant{".env.example": fifo, "sub/.gitignore": fifo}},
		{".gitignore -> /proc/self/fd/0", map[string]plant{".gitignore": link("/proc/self/fd/0")}},
		{".gitignore -> /dev/zero", map[string]plant{".gitignore": link("/dev/zero"), ".env": link("/dev/zero")}},
		{"fifo .git/info/exclude", map[string]plant{".git/info/exclude": fifo, ".env": fifo}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			caps := ModernCapabilities()
			caps["textDocument"].(map[string]any)["codeAction"].(map[string]any)["disabledSupport"] = true
			env := New(t, "-- app.py --\nk = \"{{openai}}\"\n-- sub/app.py --\nj = \"{{anthropic}}\"\n",
				GitInit(), WithCapabilities(caps), WithCommand(keyguardBin, "lsp", "--log-level", "debug"),
				// No probes: no provider, real or fake, is part of this.
				WithInitializationOptions(map[string]any{"probe": map[string]any{"enabled": false}}))
			for rel, plant := range tc.plant {
				plant(t, env.Path(rel))
			}
			start := time.Now()
			env.Initialize()
			env.Open("app.py")
			env.Open("sub/app.py")
			// The .env buffer as the editor has it; on disk it is hostile.
			env.OpenURI(env.URI("sub/.env"), "dotenv", "OPENAI_API_KEY="+Key("openai2")+"\n")
			env.Await(Diagnostics("app.py", Code("hardcoded-key")), Diagnostics("sub/app.py", Code("hardcoded-key")),
				AtVersion("sub/.env", 1))
			for _, rel := range []string{"app.py", "sub/app.py"} {
				acts := env.CodeActions(rel, env.Diagnostics(rel)[0].Range)
				move := false
				for _, a := range acts {
					if strings.HasPrefix(a.Title, lsp.MoveTitlePrefix) {
						// Every case plants a hostile side file in the
						// root, where the fix would write.
						move = true
						if a.Disabled == nil || a.Data != nil || a.Edit != nil {
							t.Errorf("%s: move fix offered into a hostile workspace: %+v", rel, a)
						}
					}
				}
				if !move {
					t.Errorf("%s: no (disabled) move fix", rel)
				}
			}
			if h := env.Hover("app.py", lsp.Position{Line: 0, Character: 8}); !strings.Contains(h, "OpenAI") {
				t.Errorf("hover %q", h)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("diagnostics, code actions and hover took %v", el)
			}
			var res json.RawMessage
			if err := env.ExecuteCommand(lsp.CommandCheckEnv, nil, &res); err != nil {
				t.Errorf("checkEnv: %v", err)
			}
			if el := time.Since(start); el > 15*time.Second {
				t.Errorf("the session took %v", el)
			}
			// A link to /dev/zero read to the end would grow without bound.
			if kb := rssKB(t, env.PID()); kb > 200<<10 {
				t.Errorf("server RSS %d KiB", kb)
			}
			if code := env.Shutdown(); code != 0 {
				t.Errorf("exit %d, want 0", code)
			}
			if el := time.Since(start); el > 20*time.Second {
				t.Errorf("the session with exit took %v", el)
			}
			assertNoLSPKey(t, env)
		})
	}
}

// After shutdown and exit the process ends at once, even while a command
// still waits on git reading a FIFO .gitignore (git's own timeout is 5 s).
func TestLSPExitsWithWorkPending(t *testing.T) {
	env := New(t, "-- .env --\nDEBUG=1\n", GitInit(), WithCommand(keyguardBin, "lsp"),
		WithInitializationOptions(map[string]any{"probe": map[string]any{"enabled": false}}))
	plantFIFO(t, env.Path("sub/.gitignore"))
	env.Initialize()
	env.OpenURI(env.URI("sub/.env"), "dotenv", "DEBUG=2\n")
	go func() {
		var res json.RawMessage
		_ = env.ExecuteCommand(lsp.CommandCheckEnv, nil, &res)
	}()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if el := time.Since(start); el > 3500*time.Millisecond {
		t.Errorf("the server took %v to exit", el)
	}
}

// Issue 10 item 6 over stdio: with a committed `.env -> docs/notes.md`
// and `.gitignore` pointing outside the workspace (~/.ssh/config), the
// move fix carries no edit, resolve refuses it, and both targets keep
// every byte.
func TestLSPFixesNeverWriteThroughLinks(t *testing.T) {
	env := New(t, "-- app.py --\nk = \"{{openai}}\"\n-- docs/notes.md --\n# Notes\n", GitInit(), WithCommand(keyguardBin, "lsp"),
		WithInitializationOptions(map[string]any{"probe": map[string]any{"enabled": false}}))
	ssh := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(ssh, []byte("Host *\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	plantLink(t, env.Path(".env"), "docs/notes.md")
	plantLink(t, env.Path(".gitignore"), ssh)
	env.Initialize()
	env.Open("app.py")
	env.Await(Diagnostics("app.py", Code("hardcoded-key")))
	acts := env.CodeActions("app.py", env.Diagnostics("app.py")[0].Range)
	for _, a := range acts {
		if strings.HasPrefix(a.Title, lsp.MoveTitlePrefix) {
			t.Errorf("move fix offered: %+v", a)
		}
		if a.Data != nil {
			var r lsp.CodeAction
			if err := env.Call("codeAction/resolve", a, &r); err == nil && r.Edit != nil {
				for _, dc := range r.Edit.DocumentChanges {
					if u := dc.URI + fmt.Sprint(dc.TextDocument); strings.Contains(u, ".env") || strings.Contains(u, ".gitignore") {
						t.Errorf("%q edits %s", a.Title, u)
					}
				}
			}
		}
	}
	env.Await(Expectation{Description: "a showMessage about the link", Check: func(s State) bool {
		for _, m := range s.ShowMessages {
			if strings.Contains(m, "symbolic link") {
				return true
			}
		}
		return false
	}})
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d", code)
	}
	if b, _ := os.ReadFile(env.Path("docs/notes.md")); string(b) != "# Notes\n" {
		t.Errorf("docs/notes.md = %q", b)
	}
	if b, _ := os.ReadFile(ssh); string(b) != "Host *\n" {
		t.Errorf("ssh config = %q", b)
	}
	assertNoLSPKey(t, env)
}
