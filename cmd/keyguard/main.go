// Command keyguard keeps AI-provider API keys out of source code.
//
// It only parses flags and wires packages together: detection lives in
// diagnostics, .env analysis in envscan, the language server in lsp.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `keyguard keeps AI-provider API keys out of source code.

Usage:
  keyguard scan [--format text|json|sarif] [--no-ignore] [--staged | --git [REV-RANGE]]
                [--verify [--fail-on live|any]] [--baseline F] [--write-baseline F] [PATH...]
  keyguard check [--env-file F]... [--endpoint PROVIDER=URL]... [--no-probe] [--format text|json]
  keyguard lsp [--stdio]
  keyguard version

Exit codes: 0 nothing found, 1 findings or bad keys, 2 error.
`

// commands maps a subcommand to its runner. Each runner lives in its own file
// and returns the process exit code.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"scan":    runScan,
	"check":   runCheck,
	"lsp":     runLSP,
	"version": runVersion,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "--version", "-version":
		return runVersion(nil, stdout, stderr)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "keyguard: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return cmd(args[1:], stdout, stderr)
}
