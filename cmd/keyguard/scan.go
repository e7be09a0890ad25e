package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/keyguard/keyguard/diagnostics/report"
	"github.com/keyguard/keyguard/diagnostics/walk"
)

const scanUsage = `Usage: keyguard scan [--format text|json|sarif] [--no-ignore] [--staged | --git [REV-RANGE]]
                    [--verify [--fail-on live|any]] [--baseline F] [--write-baseline F] [PATH...]

Finds hardcoded AI-provider API keys in files and directories (default ".").
In a git work tree it scans what git tracks plus untracked files that are not
ignored (--no-ignore: everything); it skips VCS directories and binary files.
Keys in .env files that git tracks or has staged, or that are named here, are
reported as committed-env-key. --staged scans git's index (what the next
commit will contain), for a pre-commit hook. Exit 0: nothing found;
1: findings; 2: error.
`

func runScan(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, scanUsage+exposureUsage); fs.PrintDefaults() }
	format := fs.String("format", "text", "output format: text, json or sarif")
	noIgnore := fs.Bool("no-ignore", false, "scan git-ignored paths too")
	staged := fs.Bool("staged", false, "scan git's index (what the next commit will contain) instead of the work tree")
	exposure := addExposureFlags(fs)
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	f, err := report.ParseFormat(*format)
	if err != nil {
		fmt.Fprintf(stderr, "keyguard scan: %v\n", err)
		return 2
	}
	if err := exposure.check(); err != nil {
		fmt.Fprintf(stderr, "keyguard scan: %v\n", err)
		return 2
	}
	if *staged && exposure.git.set {
		fmt.Fprintln(stderr, "keyguard scan: --staged and --git ask for different things (the index, the history): give one")
		return 2
	}
	if exposure.git.set {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		return exposure.runGit(ctx, paths, f, stdout, stderr)
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var res walk.Result
	det := exposure.detector()
	if *staged {
		res = walk.ScanStaged(ctx, paths, walk.Options{Binary: true}, det)
	} else {
		res = walk.Scan(ctx, paths, walk.Options{NoIgnore: *noIgnore, Binary: true}, det)
	}
	cwd, _ := os.Getwd()
	for i := range res.Findings {
		res.Findings[i].Path = displayPath(cwd, res.Findings[i].Path)
	}
	for _, e := range res.Errors {
		fmt.Fprintf(stderr, "keyguard scan: %s: %s\n", report.Quote(displayPath(cwd, e.Path)), report.Quote(e.Err.Error()))
	}
	res, extras, code := exposure.apply(ctx, res, nil, stderr)
	if code >= 0 {
		return code
	}
	// Text output is one line per finding: buffered, a tree with thousands
	// of findings costs a few writes, not one syscall per line.
	out := bufio.NewWriterSize(stdout, 64<<10)
	err = report.Write(out, f, res, report.Options{Color: f == report.Text && isColorTerminal(stdout), Version: version, Extras: extras})
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		fmt.Fprintf(stderr, "keyguard scan: writing output: %v\n", err)
		return 2
	}
	switch {
	case ctx.Err() != nil:
		return 2
	case len(res.Errors) > 0 && res.Stats.Files == 0:
		return 2 // nothing could be scanned
	}
	return exposure.exitCode(res, extras)
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments (`scan ./dir --format json`), as users type them.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// displayPath shows absolute paths under the working directory relative to
// it, as grep and gitleaks do.
func displayPath(cwd, p string) string {
	if cwd == "" || !filepath.IsAbs(p) {
		return p
	}
	if rel, err := filepath.Rel(cwd, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

// isColorTerminal reports whether w is a terminal that wants colour.
func isColorTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
