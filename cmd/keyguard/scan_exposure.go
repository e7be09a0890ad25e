package main

// Flags and wiring of `keyguard scan` for exposure (issue 14): --git
// (history), --baseline / --write-baseline, --verify / --fail-on. Kept out
// of scan.go so that scan.go stays the working-tree scan and these only add
// calls there.

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/baseline"
	"github.com/keyguard/keyguard/diagnostics/history"
	"github.com/keyguard/keyguard/diagnostics/report"
	"github.com/keyguard/keyguard/diagnostics/walk"
	"github.com/keyguard/keyguard/envscan"
	"github.com/keyguard/keyguard/envscan/verify"
)

const exposureUsage = `
History and exposure:
  --git [REV-RANGE]      scan every commit (default: all refs), each distinct blob once;
                         REV-RANGE as git log takes it (main..HEAD); the repository is
                         PATH (default ".")
  --baseline F           report only findings not in baseline F
  --write-baseline F     write the findings to F (fingerprints and places, never keys)
  --verify               ask each key's provider, with one free request, whether it works
  --fail-on live|any     with --verify: exit 1 only for live keys (live), or for any finding
  --endpoint, --allow-host, --timeout as for keyguard check

Flags:
`

// gitFlag is --git or --git=REV-RANGE.
type gitFlag struct {
	set  bool
	revs []string
}

func (g *gitFlag) String() string   { return "" }
func (g *gitFlag) IsBoolFlag() bool { return true }
func (g *gitFlag) Set(v string) error {
	g.set = true
	switch v {
	case "true":
	case "false":
		g.set = false
	default:
		g.revs = append(g.revs, v)
	}
	return nil
}

// exposureFlags are scan's flags for history, baselines and verification.
type exposureFlags struct {
	git           gitFlag
	baseline      string
	writeBaseline string
	verify        bool
	failOn        string
	endpoints     endpointFlag
	allowHosts    listFlag
	timeout       time.Duration
}

func addExposureFlags(fs *flag.FlagSet) *exposureFlags {
	x := &exposureFlags{endpoints: endpointFlag{}}
	fs.Var(&x.git, "git", "scan git history: every commit in REV-RANGE (default all refs)")
	fs.StringVar(&x.baseline, "baseline", "", "report only findings not in this baseline file")
	fs.StringVar(&x.writeBaseline, "write-baseline", "", "write the findings to this baseline file")
	fs.BoolVar(&x.verify, "verify", false, "probe each distinct key found (one free request to its provider)")
	fs.StringVar(&x.failOn, "fail-on", "any", "with --verify: live (exit 1 only for live keys) or any")
	fs.Var(x.endpoints, "endpoint", "with --verify: PROVIDER=URL base URL override (repeatable); http only to loopback")
	// Probes from scan never take a base URL from the scanned files (they
	// go to the official host or to --endpoint), so an allowed host only
	// matters for an --endpoint; the flag is check's, for the same calls.
	fs.Var(&x.allowHosts, "allow-host", "with --verify: as for check (scan takes no base URL from scanned files, so probes go to the official host or --endpoint)")
	fs.DurationVar(&x.timeout, "timeout", envscan.DefaultTimeout, "with --verify: timeout of one probe request")
	return x
}

// check validates flag combinations; a message means exit 2.
func (x *exposureFlags) check() error {
	switch {
	case x.failOn != "any" && x.failOn != "live":
		return fmt.Errorf("--fail-on must be live or any, not %q", x.failOn)
	case x.failOn == "live" && !x.verify:
		return fmt.Errorf("--fail-on live needs --verify (without it no key is known to be live)")
	}
	return nil
}

// splitGitArgs takes the REV-RANGE of `--git REV-RANGE [PATH]`: with --git,
// a first argument that is not an existing path is the range.
func (x *exposureFlags) splitGitArgs(args []string) (repo string, err error) {
	if len(args) > 0 && len(x.git.revs) == 0 {
		if _, statErr := os.Stat(args[0]); statErr != nil {
			x.git.revs = []string{args[0]}
			args = args[1:]
		}
	}
	switch len(args) {
	case 0:
		return ".", nil
	case 1:
		return args[0], nil
	}
	return "", fmt.Errorf("--git scans one repository, got %d paths", len(args))
}

// detector is the scan's detector. With --verify its findings carry their
// lines (in history, the line of the blob that held the key): a key of a
// shape several services share is probed only where its line names the
// provider (envscan.RouteKey), as the language server routes the keys it
// probes. Without --verify nothing needs the lines, so none are kept.
func (x *exposureFlags) detector() *diagnostics.Detector {
	if !x.verify {
		return diagnostics.Default
	}
	return diagnostics.New(diagnostics.Options{LineContext: true})
}

// runGit is `keyguard scan --git`.
func (x *exposureFlags) runGit(ctx context.Context, args []string, format report.Format, stdout, stderr io.Writer) int {
	repo, err := x.splitGitArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "keyguard scan: %v\n", err)
		return 2
	}
	hres, err := history.Scan(ctx, repo, history.Options{Revs: x.git.revs, Detector: x.detector()})
	// Warnings and errors name paths, refs and git's own words about the
	// repository: quoted, as every text that came from it.
	for _, w := range hres.Warnings {
		fmt.Fprintf(stderr, "keyguard scan: warning: %s\n", report.Quote(w))
	}
	if err != nil {
		fmt.Fprintf(stderr, "keyguard scan: %s\n", report.Quote(err.Error()))
		return 2
	}
	res := walk.Result{Stats: walk.Stats{Files: hres.Stats.Blobs, Bytes: hres.Stats.Bytes, MS: hres.Stats.MS}}
	extras := make([]report.Extra, 0, len(hres.Findings))
	for _, f := range hres.Findings {
		res.Findings = append(res.Findings, f.Finding)
		extras = append(extras, report.Extra{Commit: f.Commit, Date: f.Date})
	}
	fmt.Fprintf(stderr, "keyguard scan: %d commits, %d blobs (%d MiB) scanned in %d ms; %d binary skipped\n",
		hres.Stats.Commits, hres.Stats.Blobs, hres.Stats.Bytes>>20, hres.Stats.MS, hres.Stats.Binary)
	res, extras, code := x.apply(ctx, res, extras, stderr)
	if code >= 0 {
		return code
	}
	if err := writeReport(stdout, format, res, extras); err != nil {
		fmt.Fprintf(stderr, "keyguard scan: writing output: %v\n", err)
		return 2
	}
	if ctx.Err() != nil {
		return 2
	}
	return x.exitCode(res, extras)
}

// apply runs --write-baseline, --baseline and --verify over a scan's
// findings (extras parallel to them, or nil) and returns what to report.
// code is -1 to go on, else the exit code to stop with.
func (x *exposureFlags) apply(ctx context.Context, res walk.Result, extras []report.Extra, stderr io.Writer) (walk.Result, []report.Extra, int) {
	if extras == nil {
		extras = make([]report.Extra, len(res.Findings))
	}
	if x.writeBaseline != "" {
		commits := make([]string, len(extras))
		for i, e := range extras {
			commits[i] = e.Commit
		}
		if err := baseline.Write(x.writeBaseline, res.Findings, commits); err != nil {
			fmt.Fprintf(stderr, "keyguard scan: writing baseline: %s\n", report.Quote(err.Error()))
			return res, extras, 2
		}
		fmt.Fprintf(stderr, "keyguard scan: wrote %d finding(s) to baseline %s\n", len(res.Findings), x.writeBaseline)
	}
	if x.baseline != "" {
		b, err := baseline.Load(x.baseline)
		if err != nil {
			fmt.Fprintf(stderr, "keyguard scan: %s\n", report.Quote(err.Error()))
			return res, extras, 2
		}
		var kept []diagnostics.Finding
		var keptX []report.Extra
		for i, f := range res.Findings {
			if !b.Contains(f) {
				kept = append(kept, f)
				keptX = append(keptX, extras[i])
			}
		}
		if n := len(res.Findings) - len(kept); n > 0 {
			fmt.Fprintf(stderr, "keyguard scan: %d finding(s) in the baseline not shown\n", n)
		}
		res.Findings, extras = kept, keptX
	}
	if x.verify && len(res.Findings) > 0 {
		prober := envscan.NewProber(envscan.ProberConfig{Endpoints: x.endpoints, AllowedHosts: x.allowHosts, Timeout: x.timeout})
		verdicts := verify.Keys(ctx, prober, res.Findings)
		for i, f := range res.Findings {
			if r, ok := verdicts[f.Fingerprint]; ok {
				extras[i].Verdict, extras[i].Detail, extras[i].Live = string(r.Verdict), r.Detail, verify.Live(r.Verdict)
			}
		}
		res.Findings, extras = liveFirst(res.Findings, extras)
		live, undecided := 0, 0
		for _, r := range verdicts {
			switch {
			case verify.Live(r.Verdict):
				live++
			case verify.Undecided(r.Verdict):
				undecided++
			}
		}
		fmt.Fprintf(stderr, "keyguard scan: verified %d distinct key(s): %d live\n", len(verdicts), live)
		if undecided > 0 {
			fmt.Fprintf(stderr, "keyguard scan: %d key(s) could not be verified (timeout or provider error); --fail-on live counts them as live\n", undecided)
		}
	}
	return res, extras, -1
}

// liveFirst orders live keys first, keeping the scan's order otherwise.
func liveFirst(fs []diagnostics.Finding, xs []report.Extra) ([]diagnostics.Finding, []report.Extra) {
	idx := make([]int, len(fs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return xs[idx[a]].Live && !xs[idx[b]].Live })
	outF := make([]diagnostics.Finding, len(fs))
	outX := make([]report.Extra, len(fs))
	for i, j := range idx {
		outF[i], outX[i] = fs[j], xs[j]
	}
	return outF, outX
}

// exitCode is 1 for findings, or with --fail-on live for live keys (and
// keys whose probe could not tell: a gate that opens whenever a provider
// is down protects nothing), else 0.
func (x *exposureFlags) exitCode(res walk.Result, extras []report.Extra) int {
	if x.failOn != "live" {
		if len(res.Findings) > 0 {
			return 1
		}
		return 0
	}
	for _, e := range extras {
		if e.Live || verify.Undecided(envscan.Verdict(e.Verdict)) {
			return 1
		}
	}
	return 0
}

func writeReport(stdout io.Writer, format report.Format, res walk.Result, extras []report.Extra) error {
	out := bufio.NewWriterSize(stdout, 64<<10)
	err := report.Write(out, format, res, report.Options{Color: format == report.Text && isColorTerminal(stdout), Version: version, Extras: extras})
	if err == nil {
		err = out.Flush()
	}
	return err
}
