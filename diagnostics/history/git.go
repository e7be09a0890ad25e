package history

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"time"
)

// hardenedConfig switches off every repository setting that would make git
// run a program or reach the network while keyguard reads history: the
// repository may be hostile (a cloned stranger's project), and its
// .git/config is not the user's.
var hardenedConfig = []string{
	"-c", "core.fsmonitor=false", // would run a program on index reads
	"-c", "core.hooksPath=/dev/null",
	"-c", "core.pager=cat",
	"-c", "log.showSignature=false", // would run gpg
	"-c", "protocol.allow=never", // no lazy fetch of missing objects
	"-c", "core.sshCommand=false",
	// git reads the order file whole before it prints any diff, --raw
	// too: /dev/zero grows git without end, a FIFO blocks it forever.
	"-c", "diff.orderFile=/dev/null",
}

// gitCommand builds a git command that reads the repository at dir without
// running anything its configuration names (fsmonitor, hooks, pager,
// textconv, external diff, gpg) and without touching the network: a partial
// clone's missing blobs are reported missing, never fetched.
func gitCommand(ctx context.Context, dir string, args ...string) *exec.Cmd {
	full := append(append([]string{}, hardenedConfig...), args...)
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
	cmd.Env = append(env,
		"GIT_OPTIONAL_LOCKS=0",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_PAGER=cat",
		"GIT_NO_LAZY_FETCH=1",      // git ≥ 2.44: never fetch a promisor object
		"GIT_ALLOW_PROTOCOL=",      // older git: no transport may run at all
		"GIT_NO_REPLACE_OBJECTS=1", // show what was committed, not a replacement
	)
	return cmd
}
