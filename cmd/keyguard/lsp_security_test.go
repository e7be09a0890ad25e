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

// A hostile client's document text, over stdio: whole-text changes of
// tens of megabytes made of escapes, and bodies whose text is not valid
// JSON. Each is read in bounded time (the single-pass decoder is linear in
// escapes), a bad one is skipped with a log line and nothing else, and a
// key after 8 MB of escapes is still found on its line.
func TestLSPHostileDocumentText(t *testing.T) {
	env := New(t, "-- a.py --\nk = \"{{openai}}\"\n", WithCommand(keyguardBin, "lsp"))
	env.Initialize()
	env.Open("a.py")
	env.Await(Diagnostics("a.py", Code("hardcoded-key")))
	uri := env.URI("a.py")
	change := func(version int, rawText string) string {
		return lspFrame(fmt.Sprintf(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":%q,"version":%d},"contentChanges":[{"text":"%s"}]}}`, uri, version, rawText))
	}
	for _, bad := range []string{
		strings.Repeat(`\"`, 10<<20) + `\x`,            // an invalid escape at the end of 20 MB
		strings.Repeat(`\\`, 10<<20) + "\x01",          // a raw control character
		strings.Repeat(`\ud83d\ude00`, 1<<20) + `\u12`, // a cut \u escape
	} {
		env.WriteRaw([]byte(change(50, bad)))
		if h := env.Hover("a.py", lsp.Position{Line: 0, Character: 8}); !strings.Contains(h, "OpenAI") {
			t.Fatalf("after a bad %d MB change: hover %q", len(bad)>>20, h)
		}
	}
	// The skipped changes changed nothing: version 1's key is still shown.
	env.Await(Diagnostics("a.py", Code("hardcoded-key"), AtLine(0)))
	// Valid, hostile: 8 MB of escaped quotes and backslashes on one line,
	// then the key on the next.
	text := strings.Repeat(`\"\\`, 2<<20) + `\nkey = \"` + Keys["openai"] + `\"\n`
	env.WriteRaw([]byte(change(60, text)))
	env.Await(AtVersion("a.py", 60), Diagnostics("a.py", Code("hardcoded-key"), AtLine(1)))
	if !strings.Contains(env.Log(), "undecodable message") {
		t.Errorf("no log line for the skipped changes:\n%.2000s", env.Log())
	}
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d", code)
	}
	assertNoLSPKey(t, env)
}
