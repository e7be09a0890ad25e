package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/keyguard/keyguard/diagnostics/report"
	"github.com/keyguard/keyguard/envscan"
)

const checkUsage = `Usage: keyguard check [--env-file F]... [--endpoint PROVIDER=URL]... [--no-probe] [--format text|json]

Checks .env files (default: .env in the current directory): hygiene problems,
and whether each key works, with one free request to the provider.

Flags:
`

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// endpointFlag collects --endpoint PROVIDER=URL, validated as it is read.
type endpointFlag map[string]string

func (e endpointFlag) String() string { return "" }
func (e endpointFlag) Set(v string) error {
	provider, raw, ok := strings.Cut(v, "=")
	if !ok || provider == "" || raw == "" {
		return fmt.Errorf("want PROVIDER=URL, e.g. openai=http://127.0.0.1:8080/v1")
	}
	if _, err := envscan.ValidateEndpoint(raw); err != nil {
		return err
	}
	e[strings.ToLower(provider)] = raw
	return nil
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("keyguard check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, checkUsage)
		fs.PrintDefaults()
	}
	var files, allowHosts listFlag
	endpoints := endpointFlag{}
	fs.Var(&files, "env-file", "a .env file to check (repeatable; default .env)")
	fs.Var(endpoints, "endpoint", "PROVIDER=URL base URL override (repeatable); http only to loopback")
	fs.Var(&allowHosts, "allow-host", "a host a base URL found in the .env may point at (repeatable)")
	noProbe := fs.Bool("no-probe", false, "do not contact any provider; verdicts are \"skipped\"")
	quota := fs.Bool("quota", false, "also make a paid 1-token request per key to learn no-quota")
	format := fs.String("format", "text", "output format: text or json")
	timeout := fs.Duration("timeout", envscan.DefaultTimeout, "timeout of one probe request")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "keyguard check: unexpected argument %s (use --env-file)\n", report.Quote(fs.Arg(0)))
		return 2
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "keyguard check: --format must be text or json, not %q\n", *format)
		return 2
	}
	if len(files) == 0 {
		files = listFlag{".env"}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	prober := envscan.NewProber(envscan.ProberConfig{Endpoints: endpoints, AllowedHosts: allowHosts, Timeout: *timeout})
	rep, err := envscan.Check(ctx, files, prober, envscan.CheckOptions{Probe: !*noProbe, Quota: *quota})

	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if werr := enc.Encode(rep); werr != nil {
			fmt.Fprintf(stderr, "keyguard check: %v\n", werr)
			return 2
		}
	} else {
		writeCheckText(stdout, rep, isColorTerminal(stdout), err == nil)
	}
	if err != nil {
		for _, e := range unjoin(err) {
			fmt.Fprintf(stderr, "keyguard check: %s\n", report.Quote(e.Error()))
		}
		return 2
	}
	if rep.Bad() {
		return 1
	}
	return 0
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

const (
	colorRed    = "\x1b[31m"
	colorYellow = "\x1b[33m"
	colorGreen  = "\x1b[32m"
	colorDim    = "\x1b[2m"
	colorReset  = "\x1b[0m"
)

func verdictColor(v envscan.Verdict) string {
	switch v {
	case envscan.VerdictValid:
		return colorGreen
	case envscan.VerdictInvalid, envscan.VerdictRevoked, envscan.VerdictNoQuota:
		return colorRed
	case envscan.VerdictSkipped:
		return colorDim
	}
	return colorYellow
}

// writeCheckText prints one line per key and per issue; keys are masked.
func writeCheckText(w io.Writer, rep envscan.Report, color, complete bool) {
	paint := func(c, s string) string {
		if !color {
			return s
		}
		return c + s + colorReset
	}
	for _, r := range rep.Results {
		status := ""
		if r.Status != 0 {
			status = fmt.Sprintf(" HTTP %d", r.Status)
		}
		if r.RequestID != "" {
			status += " request " + r.RequestID
		}
		// Every string from the repository or the provider is quoted if it
		// holds control characters: a file name or a hostile endpoint's
		// message must not drive the terminal (report.Quote, as scan).
		q := report.Quote
		fmt.Fprintf(w, "%s:%d: %s %s (%s): %s%s — %s\n", q(r.File), r.Line, q(r.Var), q(r.Secret), q(r.Provider),
			paint(verdictColor(r.Verdict), q(string(r.Verdict))), q(status), q(r.Detail))
	}
	for _, is := range rep.Issues {
		c := colorYellow
		if is.Severity == "error" {
			c = colorRed
		}
		q := report.Quote
		fmt.Fprintf(w, "%s:%d:%d: %s %s [%s]: %s\n", q(is.File), is.Line, is.Column, paint(c, q(is.Severity)), q(is.Code), q(is.Check), q(is.Message))
	}
	if complete && len(rep.Results) == 0 && len(rep.Issues) == 0 {
		fmt.Fprintln(w, "no keys and no problems found")
	}
}
