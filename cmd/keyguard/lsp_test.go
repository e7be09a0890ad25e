package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyguard/keyguard/envscan/fakeprovider"
	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

// The built binary over stdio, as an editor runs it: initialize, a
// diagnostic, the move-to-env fix applied, a probe on save against the
// loopback fake provider, shutdown and exit 0; stderr never holds a key.
func TestLSPOverStdio(t *testing.T) {
	fp := fakeprovider.New()
	fp.Set(Key("openai2"), fp.Scenario("openai", "invalid key"))
	srv := httptest.NewServer(fp)
	defer srv.Close()
	env := New(t, `
-- app.py --
from openai import OpenAI

client = OpenAI(api_key="{{openai}}")
-- .env --
OPENAI_API_KEY={{openai2}}
`, GitInit(), WithCommand(keyguardBin, "lsp", "--stdio", "--log-level", "debug"),
		WithInitializationOptions(map[string]any{"endpoints": map[string]string{"openai": srv.URL + "/v1"}}))
	res := env.Initialize()
	if res.ServerInfo.Name != "keyguard" || res.ServerInfo.Version == "" {
		t.Errorf("serverInfo %+v", res.ServerInfo)
	}
	env.Open("app.py")
	env.Await(Diagnostics("app.py", Code("hardcoded-key"), AtLine(2)))
	a := env.Action(env.CodeActions("app.py", env.Diagnostics("app.py")[0].Range), lsp.MoveTitlePrefix)
	if !strings.HasPrefix(a.Title, "Move key to .env as OPENAI_API_KEY_2 ") { // the rest: how .env gets loaded
		t.Errorf("title %q: .env already has OPENAI_API_KEY with another value", a.Title)
	}
	env.ApplyEdit(a.Edit)
	env.Await(NoDiagnostics("app.py"))
	env.Save("app.py")
	if got := env.ReadFile("app.py"); !strings.Contains(got, "import os\n") || !strings.Contains(got, `os.environ["OPENAI_API_KEY_2"]`) {
		t.Errorf("app.py:\n%s", got)
	}
	wantEnv := "OPENAI_API_KEY=" + Key("openai2") + "\nOPENAI_API_KEY_2=" + Key("openai") + "\n"
	if got := env.ReadFile(".env"); got != wantEnv {
		t.Errorf(".env = %q", got)
	}
	env.Open(".env")
	env.Save(".env")
	env.Await(Diagnostics(".env", Code("env-key-invalid"), AtLine(0)), ProbeResult("invalid"))
	if code := env.Shutdown(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if !strings.Contains(env.Log(), "level=DEBUG") {
		t.Error("no debug log on stderr; the leak check below proves nothing")
	}
	for name, k := range Keys {
		if strings.Contains(env.Log(), k) {
			t.Errorf("stderr holds the full %s key", name)
		}
	}
}

// A client that dies without shutdown: the server exits 1 when its input
// ends, without hanging.
func TestLSPInputEnds(t *testing.T) {
	cmd := exec.Command(keyguardBin, "lsp")
	cmd.Stdin = strings.NewReader("Content-Length: 5\r\n\r\n{bad}garbage\r\n\r\n")
	done := make(chan error, 1)
	go func() { done <- cmd.Run() }()
	select {
	case err := <-done:
		if cmd.ProcessState.ExitCode() != 1 {
			t.Errorf("exit %d (%v), want 1", cmd.ProcessState.ExitCode(), err)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("keyguard lsp did not exit when its input ended")
	}
	if _, errOut, code := runKeyguard(t, t.TempDir(), "lsp", "extra"); code != 2 || !strings.Contains(errOut, "unexpected argument") {
		t.Errorf("lsp extra: exit %d %q", code, errOut)
	}
}

// rssKB reads a process's resident set from /proc (Linux only).
func rssKB(t testing.TB, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Skip("no VmRSS")
	return 0
}
