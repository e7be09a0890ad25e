//go:build unix

package lsp_test

import (
	"syscall"
	"testing"
	"time"

	. "github.com/keyguard/keyguard/lsp/lsptest"
)

// Item 4, hygiene side in the server: a FIFO .gitignore does not hold the
// analysis for git's timeout. (envscan's Hygiene reports it as
// env-not-ignored; the sec-lsp branch's gitHazard may skip the git checks
// before Hygiene sees it, so this asserts only the timely publication.)
func TestEnvFIFOGitignore(t *testing.T) {
	env := New(t, "-- .env --\nOPENAI_API_KEY={{openai}}\n", GitInit(),
		WithInitializationOptions(map[string]any{"probe": map[string]any{"enabled": false}}))
	if err := syscall.Mkfifo(env.Path(".gitignore"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	env.Initialize()
	start := time.Now()
	env.Open(".env")
	env.Await(AtVersion(".env", 1))
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("the diagnostic took %v (git's timeout is 5 s)", d)
	}
}
