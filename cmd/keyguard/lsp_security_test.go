package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

func lspFrame(body string) string {
	return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
}

// assertNoLSPKey fails if anything the server process wrote (stdout or
// stderr) holds a whole lsptest key.
func assertNoLSPKey(t *testing.T, env *Env) {
	t.Helper()
	out := env.Wrote() + env.Log()
	for name, k := range Keys {
		if strings.Contains(out, k) {
			t.Errorf("the full %s key left the server", name)
		}
	}
}

// Issue 10 item 9, over stdio: two million nested `[` before initialize
// used to end the process with "fatal error: stack overflow".
func TestLSPDeeplyNestedFrame(t *testing.T) {
	env := New(t, "-- a.py --\nk = \"{{openai}}\"\n", WithCommand(keyguardBin, "lsp"))
	env.WriteRaw([]byte(lspFrame(`{"jsonrpc":"2.0","id":7,"method":"initialize","params":` + strings.Repeat("[", 2<<20) + `}`)))
	env.Initialize()
	env.Open("a.py")
	env.Await(Diagnostics("a.py", Code("hardcoded-key")))
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d", code)
	}
	if strings.Contains(env.Log(), "fatal error") || !strings.Contains(env.Log(), "nests deeper than") {
		t.Errorf("log:\n%.2000s", env.Log())
	}
	assertNoLSPKey(t, env)
}

// Issue 10 item 10, over stdio: a wrong Content-Length (not a number,
// shorter or longer than the body, huge) used to desynchronise the stream
// and lose every later message; each is now followed by an answered hover.
func TestLSPBrokenContentLength(t *testing.T) {
	env := New(t, "-- a.py --\nk = \"{{openai}}\"\n", WithCommand(keyguardBin, "lsp"))
	env.Initialize()
	env.Open("a.py")
	env.Await(Diagnostics("a.py", Code("hardcoded-key")))
	body := `{"jsonrpc":"2.0","method":"$/garbage","params":{"t":"déjà vu"}}`
	for _, raw := range []string{
		"Content-Length: abc\r\n\r\n" + body,
		fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body)-10, body),
		fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body)+300, body),
		fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body)+5, body),
		"Content-Length: -7\r\n\r\n" + body,
		"Content-Length: 99999999999\r\n\r\n" + body,
	} {
		env.WriteRaw([]byte(raw))
		if h := env.Hover("a.py", lsp.Position{Line: 0, Character: 8}); !strings.Contains(h, "OpenAI") {
			t.Errorf("after %.40q: hover %q", raw, h)
		}
	}
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d", code)
	}
	assertNoLSPKey(t, env)
}
