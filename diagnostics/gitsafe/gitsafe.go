// Package gitsafe holds what keyguard does so that git can be run on a
// hostile repository (a cloned stranger's project, whose .git/config is not
// the user's): the one list of settings every git command keyguard starts
// runs with (the file list of a scan, --staged, history, .env hygiene),
// which switches off every setting that would make git run a program,
// reach the network or read a file the repository names; and the one check
// of the ignore files git would open before it is asked (CheckIgnoreFiles).
package gitsafe

// Config are the -c options that go before every git subcommand.
var Config = []string{
	"-c", "core.fsmonitor=false", // would run a program on index reads
	"-c", "core.hooksPath=/dev/null",
	"-c", "core.untrackedCache=false",
	"-c", "core.pager=cat",
	"-c", "log.showSignature=false", // would run gpg
	// A repository that claims to be a partial clone makes cat-file
	// "lazily fetch" a missing blob from its promisor remote, and that
	// remote's transport runs whatever the repository says
	// (core.sshCommand, an ext:: URL it allows itself); see also Env.
	"-c", "protocol.allow=never",
	"-c", "core.sshCommand=false",
	// git reads the order file whole before it prints any diff, --raw
	// too: /dev/zero grows git without end, a FIFO blocks it forever.
	"-c", "diff.orderFile=/dev/null",
}

// Env is added to every git command's environment. GIT_ALLOW_PROTOCOL
// (empty: no transport at all) overrides the protocol.<name>.allow a
// repository's own config may set, which protocol.allow=never on the
// command line does not; GIT_NO_LAZY_FETCH (git >= 2.44) stops the lazy
// fetch itself. Replace refs would let a repository show other content
// than what was committed or staged.
var Env = []string{
	"GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat", "GIT_ASKPASS=", "SSH_ASKPASS=",
	"GIT_ALLOW_PROTOCOL=", "GIT_NO_LAZY_FETCH=1", "GIT_NO_REPLACE_OBJECTS=1",
}

// Args returns Config followed by args, in a new slice.
func Args(args ...string) []string {
	out := make([]string, 0, len(Config)+len(args))
	return append(append(out, Config...), args...)
}
