package history

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/keyguard/keyguard/diagnostics/gitsafe"
)

// gitCommand builds a git command that reads the repository at dir without
// running anything its configuration names (fsmonitor, hooks, pager,
// textconv, external diff, gpg) and without touching the network: a partial
// clone's missing blobs are reported missing, never fetched.
func gitCommand(ctx context.Context, dir string, args ...string) *exec.Cmd {
	full := gitsafe.Args(args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Dir = dir
	// A killed git's pipes close at once: Wait never waits on a child
	// that git left holding them.
	cmd.WaitDelay = time.Second
	var env []string
	for _, kv := range os.Environ() {
		// An inherited external diff would run on a diff; --raw runs none,
		// but keep it out in case a later flag changes that.
		if !strings.HasPrefix(kv, "GIT_EXTERNAL_DIFF=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, gitsafe.Env...)
	return cmd
}
