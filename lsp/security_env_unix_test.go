//go:build unix

package lsp_test

import (
	"syscall"
	"testing"
	"time"

	. "github.com/keyguard/keyguard/lsp/lsptest"
)

// Item 4, hygiene side in the server: a FIFO .gitignore does not hold the
// analysis for git's timeout, and the user is told why git was not asked
// (envscan's Hygiene checks the ignore files git would read first).
func TestEnvFIFOGitignore(t *testing.T) {
	env := New(t, "-- .env --\nOPENAI_API_KEY={{openai}}\n", GitInit(),
		WithInitializationOptions(map[string]any{"probe": map[string]any{"enabled": false}}))
	if err := syscall.Mkfifo(env.Path(".gitignore"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	env.Initialize()
	start := time.Now()
	env.Open(".env")
	env.Await(Diagnostics(".env", Code("env-not-ignored"), MessageContains("could not check whether .env is git-ignored")))
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("the diagnostic took %v (git's timeout is 5 s)", d)
	}
}
