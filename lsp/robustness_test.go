package lsp_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keyguard/keyguard/envscan/fakeprovider"
	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

// Garbage between messages is skipped and the session goes on answering.
func TestBrokenFramesAreSkipped(t *testing.T) {
	env := New(t, "-- a.py --\nk = \"{{openai}}\"\n")
	env.Initialize()
	frame := func(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }
	garbage := []string{
		"hello\r\n\r\n",
		frame("{oops"),
		"Content-Length: abc\r\n\r\n",
		"Content-Length: -3\r\n\r\n",
		frame("[]"),
		frame(`{"jsonrpc":"2.0",}x`),
		frame(`{"jsonrpc":"2.0","id":1e99,"method":"x"}`),
		frame(`{"jsonrpc":"2.0","id":99999999999,"method":"x"}`),
		frame(`{"jsonrpc":"2.0","method":42}`),
		"X-Other: 1\r\n" + frame(`{"jsonrpc":"2.0","id":{}}`),
		frame(`{"jsonrpc":"2.0","id":77,"result":null}`), // an answer to nothing
		strings.Repeat("A", 10000) + "\r\n\r\n",
		"\x00\xff\xfe\r\n\r\n",
		frame(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///x.py","text":"\xff\xfe"}}}`),
		frame(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":null}`),
		"Content-Length: 3\r\n\r\n{}{}{}", // shorter than its body: the rest is skipped as a bad header
		"\r\n\r\n",
	}
	for _, g := range garbage {
		env.WriteRaw([]byte(g))
	}
	env.Open("a.py")
	env.Await(Diagnostics("a.py", Code("hardcoded-key")))
	if h := env.Hover("a.py", pos(0, 8)); !strings.Contains(h, "OpenAI") {
		t.Errorf("hover after garbage: %q", h)
	}
	if !strings.Contains(env.Log(), "skipped a malformed message") {
		t.Error("skipped frames were not logged")
	}
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// A storm of edits ends with diagnostics for the last text and version.
func TestEditStorm(t *testing.T) {
	env := New(t, "-- a.py --\nx = 1\n")
	env.Initialize()
	env.Open("a.py")
	env.Await(NoDiagnostics("a.py"))
	const n = 10000
	key := Key("openai")
	var v int32
	for i := range n {
		text := fmt.Sprintf("x = %d\n", i)
		switch {
		case i%7 == 0:
			text += "k = \"" + key + "\"\n"
		case i == n-1:
			// The final text has the key twice, on lines 3 and 5.
			text = fmt.Sprintf("x = %d\n\n\nk = \"%s\"\n\nj = '%s'\n", i, key, key)
		}
		v = env.Edit("a.py", text)
	}
	env.Await(AtVersion("a.py", v), DiagnosticCount("a.py", 2))
	ds := env.Diagnostics("a.py")
	if ds[0].Range.Start.Line != 3 || ds[1].Range.Start.Line != 5 {
		t.Errorf("final diagnostics on lines %d and %d, want 3 and 5", ds[0].Range.Start.Line, ds[1].Range.Start.Line)
	}
	pubs := env.Snapshot().Publications["a.py"]
	t.Logf("%d edits, %d publications", n, pubs)
	if pubs > n/10 {
		t.Errorf("%d publications for %d edits: the debounce does not coalesce", pubs, n)
	}
}

var keyShape = regexp.MustCompile(`sk-proj-[A-Za-z0-9]{20,}|sk-ant-api03-[A-Za-z0-9_-]{20,}|gsk_[A-Za-z0-9]{20,}`)

// Nothing the server writes in a session with keys and probes holds a
// full key: not diagnostics, hover, probe results, command results, logs
// (at debug level) or progress. (Only a move-to-env fix carries a key, to
// the editor that already has it, in the edit that writes .env; this
// session asks for none.)
func TestNoFullKeyLeaves(t *testing.T) {
	fp := fakeprovider.New()
	fp.Set(Key("openai"), fp.Scenario("openai", "invalid key"))
	fp.Set(Key("anthropic"), fp.Scenario("anthropic", "valid"))
	srv := httptest.NewServer(fp)
	defer srv.Close()
	settings := map[string]any{"endpoints": map[string]string{"openai": srv.URL + "/v1", "anthropic": srv.URL, "groq": srv.URL + "/openai/v1"}}
	env := New(t, `
-- .env --
OPENAI_API_KEY={{openai}}
ANTHROPIC_API_KEY={{anthropic}}
CLAUDE_KEY="Bearer {{anthropic}}"
GROQ_API_KEY={{groq}}
OPENAI_API_KEY={{openai2}}
-- .env.example --
OPENAI_API_KEY={{openai}}
-- app.py --
k = "{{openai}}"
-- web/App.jsx --
const k = "{{anthropic}}";
`, GitInit(), WithInitializationOptions(settings), WithServerOptions(func(o *lsp.Options) { o.LogLevel = slog.LevelDebug }))
	env.Initialize()
	for _, f := range []string{".env", ".env.example", "app.py", "web/App.jsx"} {
		env.Open(f)
	}
	env.Await(Diagnostics(".env", Code("env-key-invalid")), Diagnostics("app.py"), Diagnostics("web/App.jsx"), ProbeResult("valid"))
	env.Hover(".env", pos(0, 20))
	env.Hover("app.py", pos(0, 8))
	var res json.RawMessage
	if err := env.ExecuteCommand(lsp.CommandCheckEnv, nil, &res); err != nil {
		t.Fatal(err)
	}
	if err := env.ExecuteCommand(lsp.CommandCheckQuota, nil, &res); err != nil {
		t.Fatal(err)
	}
	if err := env.ExecuteCommand(lsp.CommandScanWorkspace, nil, &res); err != nil {
		t.Fatal(err)
	}
	env.Edit(".env", "OPENAI_API_KEY= \""+Key("openai")+"\n")
	env.Save(".env")
	env.Await(ProgressEnded("keyguard: scanning", ""))
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit %d", code)
	}
	out, log := env.Wrote(), env.Log()
	if !strings.Contains(log, "level=DEBUG") || !strings.Contains(out, "sk-pro…") {
		t.Fatal("the session did not exercise logs and masked keys; the check below would prove nothing")
	}
	for name, k := range Keys {
		if strings.Contains(out, k) || strings.Contains(log, k) {
			t.Errorf("the full %s key left the server", name)
		}
	}
	if m := keyShape.FindString(out + log); m != "" {
		t.Errorf("a key-shaped string left the server: %.14s…", m)
	}
	// A probe carries its key to the (fake) provider in the auth header,
	// as it must; never in the URL. (This once checked the fake's whole
	// in-memory record, which holds the header unmasked by design, and
	// passed only because the openai key was never probed; hardcoded keys
	// now are.)
	probed := false
	for _, r := range fp.Requests() {
		probed = probed || r.Key == Key("openai")
		for name, k := range Keys {
			if strings.Contains(r.Path+"?"+r.Query, k) {
				t.Errorf("the full %s key was in a probe URL", name)
			}
		}
	}
	if !probed {
		t.Error("the hardcoded openai key in app.py was not probed")
	}
}

// A minified bundle: one 5 MB line holding 300 keys. Positions are
// converted per finding, so this must not go quadratic.
func TestHugeLineManyKeys(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		b.WriteString(strings.Repeat("var a=function(){return 1};é", 600))
		fmt.Fprintf(&b, ";var k%d=\"%s\";", i, Key("openai"))
	}
	env := New(t, "")
	env.Initialize()
	start := time.Now()
	env.OpenURI(env.URI("bundle.min.js"), "javascript", b.String())
	env.Await(DiagnosticCount("bundle.min.js", 300))
	t.Logf("%d bytes on one line, 300 keys: diagnostics after %v", b.Len(), time.Since(start))
	last := env.Diagnostics("bundle.min.js")[299].Range.Start
	prefix := b.String()[:strings.LastIndex(b.String(), Key("openai"))]
	if want := uint32(len([]rune(prefix))); last.Line != 0 || last.Character != want {
		t.Errorf("last key at %v, want 0:%d", last, want)
	}
}
