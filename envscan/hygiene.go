package envscan

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/gitfiles"
	"github.com/keyguard/keyguard/diagnostics/gitsafe"
)

// Contract diagnostic codes (design.md) used by Issue.Code.
const (
	CodeEnvFormat     = "env-format"
	CodeEnvNotIgnored = "env-not-ignored"
)

// Names of the individual checks (Issue.Check).
const (
	CheckParseError      = "parse-error"
	CheckBOM             = "bom"
	CheckMissingEquals   = "missing-equals"
	CheckWhitespace      = "whitespace"
	CheckHiddenChar      = "hidden-character"
	CheckInvalidUTF8     = "invalid-utf8"
	CheckSmartQuotes     = "smart-quotes"
	CheckQuotesKept      = "quotes-kept"
	CheckBearerPrefix    = "bearer-prefix"
	CheckEmptyValue      = "empty-value"
	CheckDuplicate       = "duplicate"
	CheckWrongVariable   = "wrong-provider-variable"
	CheckKeyInExample    = "key-in-example"
	CheckNotIgnored      = "not-ignored"
	CheckTrackedByGit    = "tracked-by-git"
	CheckIgnoreFile      = "ignore-file-unreadable"
	CheckExpansionCapped = "expansion-too-large"
	CheckExpandedURL     = "expanded-base-url"
	CheckKeyInURL        = "key-in-url"
	gitTimeout           = 5 * time.Second
	smartQuoteCharacters = "“”‘’„‟‚‛"
)

// Hygiene finds problems in a parsed .env file. data must be the bytes f
// was parsed from. Messages show keys masked, never whole.
func Hygiene(f *File, data []byte, opts HygieneOptions) []Issue {
	h := &hygiene{f: f, data: data, li: diagnostics.NewLineIndex(data), identify: opts.identify()}
	if f.BOM {
		h.add(Issue{Start: 0, End: len(utf8BOM), Check: CheckBOM, Severity: SeverityError,
			Message: "the file starts with a byte order mark (BOM); godotenv cannot load it — save the file as UTF-8 without BOM",
			Fix:     &Fix{Title: "Remove byte order mark", Start: 0, End: len(utf8BOM)}})
	}
	for _, e := range f.Errors {
		start := h.li.Offset(e.Line-1, e.Column-1)
		end := h.li.Offset(e.Line-1, 1<<30)
		h.add(Issue{Start: start, End: end, Check: CheckParseError, Severity: SeverityError,
			Message: e.Message + "; godotenv stops loading the file at this line"})
	}
	lastByName := map[string]int{}
	for i, v := range f.Vars {
		lastByName[v.Name] = i
	}
	example := isExampleFile(f.Path)
	secrets := NewScrubber(FileSecrets(f, h.identify)...)
	for i, v := range f.Vars {
		h.checkVar(v, example)
		h.checkExpansion(v, secrets)
		if last := lastByName[v.Name]; last != i && v.Name != "" {
			lv := f.Vars[last]
			h.add(Issue{Start: v.Start, End: v.NameEnd, Var: v.Name, Check: CheckDuplicate, Severity: SeverityWarning,
				Message: fmt.Sprintf("%s is set again on line %d; godotenv (and python-dotenv, docker compose) keep the last value, so this one on line %d is ignored — godotenv.Load also never overrides a variable already set in the environment", v.Name, lv.Line, v.Line)})
		}
	}
	if opts.Root != "" && isSecretEnvFile(f.Path) {
		h.gitChecks(opts.Root)
	}
	sort.SliceStable(h.issues, func(i, j int) bool { return h.issues[i].Start < h.issues[j].Start })
	return h.issues
}

type hygiene struct {
	f        *File
	data     []byte
	li       *diagnostics.LineIndex
	identify func(string) (diagnostics.Match, bool)
	issues   []Issue
}

func (o HygieneOptions) identify() func(string) (diagnostics.Match, bool) {
	if o.Identify != nil {
		return o.Identify
	}
	return diagnostics.Default.Identify
}

func (h *hygiene) add(is Issue) {
	is.File = h.f.Path
	if is.Code == "" {
		is.Code = CodeEnvFormat
	}
	l, c := h.li.Position(is.Start)
	is.Line, is.Column = l+1, c+1
	l, c = h.li.Position(is.End)
	is.EndLine, is.EndColumn = l+1, c+1
	h.issues = append(h.issues, is)
}

// secretName tells whether a variable name is one a key is kept under.
func secretName(name string) bool {
	n := strings.ToUpper(name)
	for _, w := range []string{"KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	_, ok := providerOfVar(name)
	return ok
}

// providerOfVar finds the provider whose SDK reads the variable name.
func providerOfVar(name string) (diagnostics.Provider, bool) {
	for _, p := range diagnostics.Providers() {
		if p.ID == "generic" {
			continue
		}
		for _, e := range p.EnvVars {
			if e == name {
				return p, true
			}
		}
	}
	return diagnostics.Provider{}, false
}

func providerName(id string) string {
	if p, ok := diagnostics.ProviderByID(id); ok {
		return p.Name
	}
	return id
}

func (h *hygiene) checkVar(v Var, example bool) {
	if v.Name == "" {
		h.add(Issue{Start: v.Start, End: v.End, Check: CheckMissingEquals, Severity: SeverityError,
			Message: "this line has no '=': godotenv reads it as a variable with an empty name"})
		return
	}
	match, isKey := h.identify(strings.TrimSpace(v.Value))
	secret := isKey || secretName(v.Name)
	rawInner, innerStart := v.Raw, v.ValStart
	if v.Quote != 0 {
		rawInner, innerStart = v.Raw[1:len(v.Raw)-1], v.ValStart+1
	}

	h.hiddenChars(v, secret)

	if secret {
		trimmed := strings.TrimSpace(v.Value)
		switch {
		case v.Quote != 0 && trimmed != v.Value:
			lead := len(rawInner) - len(strings.TrimLeftFunc(rawInner, unicode.IsSpace))
			trail := len(rawInner) - len(strings.TrimRightFunc(rawInner, unicode.IsSpace))
			h.add(Issue{Start: v.ValStart, End: v.ValEnd, Var: v.Name, Check: CheckWhitespace, Severity: SeverityError,
				Message: fmt.Sprintf("%s has %s inside the quotes; it becomes part of the key and the provider will reject it", v.Name, spaceWhere(lead > 0, trail > 0)),
				Fix:     &Fix{Title: "Trim whitespace", Start: innerStart, End: innerStart + len(rawInner), NewText: strings.TrimSpace(rawInner)}})
		case v.Quote == 0 && v.CommentStart < 0 && v.ValEnd < v.End && strings.TrimSpace(string(h.data[v.ValEnd:v.End])) == "" && v.ValEnd > v.ValStart:
			h.add(Issue{Start: v.ValEnd, End: v.End, Var: v.Name, Check: CheckWhitespace, Severity: SeverityWarning,
				Message: fmt.Sprintf("%s has trailing whitespace; godotenv trims it, but shells and some loaders keep it as part of the key", v.Name),
				Fix:     &Fix{Title: "Trim whitespace", Start: v.ValEnd, End: v.End}})
		}
	}

	// Smart quotes are ordinary characters to every loader.
	if r, _ := utf8.DecodeRuneInString(v.Raw); v.Quote == 0 && strings.ContainsRune(smartQuoteCharacters, r) {
		last, _ := utf8.DecodeLastRuneInString(v.Raw)
		inner := strings.TrimFunc(v.Raw, func(r rune) bool { return strings.ContainsRune(smartQuoteCharacters, r) })
		is := Issue{Start: v.ValStart, End: v.ValEnd, Var: v.Name, Check: CheckSmartQuotes, Severity: SeverityError,
			Message: fmt.Sprintf("%s is wrapped in typographic quotes (%c…%c), which the loader keeps as part of the value; use straight quotes", v.Name, r, last)}
		if !strings.ContainsAny(inner, `"\$`) {
			is.Fix = &Fix{Title: "Use straight quotes", Start: v.ValStart, End: v.ValEnd, NewText: `"` + inner + `"`}
		}
		h.add(is)
	} else if secret && len(v.Value) > 0 && (strings.ContainsRune(`"'`+"`", rune(v.Value[0])) || strings.ContainsRune(`"'`+"`", rune(v.Value[len(v.Value)-1]))) {
		inner := strings.Trim(v.Value, `"'`+"`")
		is := Issue{Start: v.ValStart, End: v.ValEnd, Var: v.Name, Check: CheckQuotesKept, Severity: SeverityError,
			Message: fmt.Sprintf("the value of %s keeps quote characters after loading (%s); the provider will reject the key", v.Name, maskValue(v.Value))}
		if inner != "" && !strings.ContainsAny(inner, "\"'`\\$# \t") {
			is.Fix = &Fix{Title: "Remove quotes", Start: v.ValStart, End: v.ValEnd, NewText: inner}
		}
		h.add(is)
	}

	if i := strings.Index(strings.ToLower(rawInner), "bearer "); i >= 0 && strings.HasPrefix(strings.ToLower(strings.TrimSpace(v.Value)), "bearer ") {
		end := i + len("bearer ")
		for end < len(rawInner) && rawInner[end] == ' ' {
			end++
		}
		h.add(Issue{Start: innerStart + i, End: innerStart + end, Var: v.Name, Check: CheckBearerPrefix, Severity: SeverityError,
			Message: fmt.Sprintf("%s starts with \"Bearer \"; SDKs add that themselves, so the request would send \"Bearer Bearer …\" — keep only the key", v.Name),
			Fix:     &Fix{Title: "Drop Bearer prefix", Start: innerStart + i, End: innerStart + end}})
	}

	if strings.TrimSpace(v.Value) == "" {
		if _, known := providerOfVar(v.Name); known || strings.HasSuffix(strings.ToUpper(v.Name), "_API_KEY") {
			h.add(Issue{Start: v.Start, End: v.End, Var: v.Name, Check: CheckEmptyValue, Severity: SeverityWarning,
				Message: fmt.Sprintf("%s is empty; SDKs that read it will fail with a missing-key error", v.Name)})
		}
		return
	}

	if isKey && !example {
		if p, ok := providerOfVar(v.Name); ok && p.ID != match.Provider && !sameFamily(p.ID, match.Provider) {
			want := ""
			if kp, ok := diagnostics.ProviderByID(match.Provider); ok && len(kp.EnvVars) > 0 {
				want = "; move it to " + kp.EnvVars[0]
			}
			h.add(Issue{Start: v.ValStart, End: v.ValEnd, Var: v.Name, Check: CheckWrongVariable, Severity: SeverityError,
				Message: fmt.Sprintf("%s looks like a %s key, but %s is read by the %s SDK%s", maskValue(v.Value), providerName(match.Provider), v.Name, p.Name, want)})
		}
	}
	if isKey && example {
		h.add(Issue{Start: v.ValStart, End: v.ValEnd, Var: v.Name, Check: CheckKeyInExample, Severity: SeverityError,
			Message: fmt.Sprintf("%s holds what looks like a real %s key (%s) in %s, a file meant to be committed; replace it with a placeholder and rotate the key", v.Name, providerName(match.Provider), maskValue(v.Value), filepath.Base(h.f.Path)),
			Fix:     &Fix{Title: "Replace with placeholder", Start: v.ValStart, End: v.ValEnd, NewText: "your-" + strings.ToLower(strings.ReplaceAll(v.Name, "_", "-"))}})
	}
}

// checkExpansion reports a value whose ${} expansion keyguard refused (too
// big or too deep: "billion laughs"), and a URL built by expansion: keyguard
// never probes through one, and one that splices in a secret of the file
// would make the app itself send its key inside a URL.
func (h *hygiene) checkExpansion(v Var, secrets *Scrubber) {
	if v.ExpandErr != "" {
		h.add(Issue{Start: v.Start, End: v.End, Var: v.Name, Check: CheckExpansionCapped, Severity: SeverityError,
			Message: fmt.Sprintf("%s was not expanded: %s; write the value out instead of building it from other variables", v.Name, v.ExpandErr)})
		return
	}
	if !v.Expanded || !(isBaseURLVar(v.Name) || strings.Contains(v.Value, "://")) {
		return
	}
	if secrets.String(v.Value) != v.Value {
		h.add(Issue{Start: v.ValStart, End: v.ValEnd, Var: v.Name, Check: CheckKeyInURL, Severity: SeverityError,
			Message: fmt.Sprintf("%s splices a secret of this file into a URL through ${}: a key must never be part of a URL (servers and proxies log URLs); keyguard does not use this URL", v.Name)})
		return
	}
	if isBaseURLVar(v.Name) {
		h.add(Issue{Start: v.ValStart, End: v.ValEnd, Var: v.Name, Check: CheckExpandedURL, Severity: SeverityWarning,
			Message: fmt.Sprintf("%s is built with ${} expansion; keyguard never follows expansion into a base URL, so key checks go to the provider's official host — write the URL out in full if it should be used", v.Name)})
	}
}

// isBaseURLVar tells variables that hold an API's base URL.
func isBaseURLVar(name string) bool {
	for _, names := range BaseURLVars {
		for _, n := range names {
			if n == name {
				return true
			}
		}
	}
	n := strings.ToUpper(name)
	return strings.HasSuffix(n, "_BASE_URL") || strings.HasSuffix(n, "_API_BASE") || strings.HasSuffix(n, "_ENDPOINT")
}

// sameFamily allows a provider's key under the generic variable.
func sameFamily(varProvider, keyProvider string) bool {
	return varProvider == "generic" || keyProvider == "generic"
}

func spaceWhere(lead, trail bool) string {
	switch {
	case lead && trail:
		return "leading and trailing whitespace"
	case lead:
		return "leading whitespace"
	}
	return "trailing whitespace"
}

// maskValue shows a value the way a key is shown: masked.
func maskValue(v string) string { return diagnostics.Mask(v) }

// hiddenChars reports zero-width, no-break and other format characters and
// invalid UTF-8 in a variable's statement.
func (h *hygiene) hiddenChars(v Var, secret bool) {
	stmt := h.data[v.Start:v.End]
	var hidden []int // offsets into stmt
	var clean strings.Builder
	invalid := -1
	for i := 0; i < len(stmt); {
		r, w := utf8.DecodeRune(stmt[i:])
		switch {
		case r == utf8.RuneError && w == 1:
			if invalid < 0 {
				invalid = i
			}
		case isHidden(r):
			hidden = append(hidden, i)
			i += w
			continue
		}
		if v.Start+i >= v.ValStart && v.Start+i < v.ValEnd {
			clean.Write(stmt[i : i+w])
		}
		i += w
	}
	if invalid >= 0 {
		off := v.Start + invalid
		h.add(Issue{Start: off, End: off + 1, Var: v.Name, Check: CheckInvalidUTF8, Severity: SeverityError,
			Message: fmt.Sprintf("%s contains a byte that is not valid UTF-8; loaders replace it with U+FFFD, so the value is not what the file shows", v.Name)})
	}
	if len(hidden) == 0 {
		return
	}
	first := v.Start + hidden[0]
	r, w := utf8.DecodeRune(h.data[first:])
	sev := SeverityWarning
	if secret {
		sev = SeverityError
	}
	is := Issue{Start: first, End: first + w, Var: v.Name, Check: CheckHiddenChar, Severity: sev,
		Message: fmt.Sprintf("%s contains %d invisible character(s), first %U %s; they become part of the value", v.Name, len(hidden), r, hiddenName(r))}
	// A fix only when every hidden character is inside the value.
	if v.Start+hidden[0] >= v.ValStart && v.Start+hidden[len(hidden)-1] < v.ValEnd && invalid < 0 {
		is.Fix = &Fix{Title: "Remove hidden characters", Start: v.ValStart, End: v.ValEnd, NewText: clean.String()}
	}
	h.add(is)
}

func isHidden(r rune) bool {
	switch r {
	case 0xA0, 0x2007, 0x202F, 0xFEFF, 0x3000:
		return true
	}
	return unicode.Is(unicode.Cf, r) || (unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r')
}

func hiddenName(r rune) string {
	switch r {
	case 0x200B:
		return "(zero-width space)"
	case 0x200C:
		return "(zero-width non-joiner)"
	case 0x200D:
		return "(zero-width joiner)"
	case 0xFEFF:
		return "(byte order mark / zero-width no-break space)"
	case 0xA0:
		return "(no-break space)"
	case 0x2060:
		return "(word joiner)"
	case 0xAD:
		return "(soft hyphen)"
	}
	if unicode.IsControl(r) {
		return "(control character)"
	}
	return "(invisible format character)"
}

// isExampleFile tells whether path is a template meant to be committed.
func isExampleFile(path string) bool {
	base := strings.ToLower(filepath.Base(path))
	for _, s := range []string{"example", "sample", "template", "dist", "defaults"} {
		if strings.HasSuffix(base, "."+s) || strings.HasPrefix(base, s+".") {
			return true
		}
	}
	return false
}

// isSecretEnvFile tells whether path is a .env file that holds real values
// (.env, .env.local, prod.env …) rather than a committed template.
func isSecretEnvFile(path string) bool {
	base := strings.ToLower(filepath.Base(path))
	if isExampleFile(path) {
		return false
	}
	return base == ".env" || strings.HasPrefix(base, ".env.") || strings.HasSuffix(base, ".env")
}

// gitChecks reports a .env that git tracks or does not ignore. Outside a
// git repository, or without git, there is nothing to report.
func (h *hygiene) gitChecks(root string) {
	path := h.f.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	// git reads the ignore files itself, with a blocking open: a FIFO
	// .gitignore (a hostile repository can commit one) would hang it until
	// the timeout, a link to /dev/zero flood it. Ask git where the
	// repository-wide ones are (which reads none of them), then look at
	// each before git is asked about the .env. Outside a repository, or
	// without git, there is nothing to ask.
	ctx, cancel := context.WithTimeout(context.Background(), gitTimeout)
	defer cancel()
	excludes, err := gitfiles.ExcludeFiles(ctx, root)
	if err != nil {
		return
	}
	// A linked .gitignore is followed: see gitsafe.GitignoreLinks.
	if unsafe := gitsafe.CheckIgnoreFiles([]string{filepath.Dir(path)}, excludes, gitsafe.GitignoreLinksFollowed); len(unsafe) > 0 {
		var bad *gitsafe.UnsafeIgnoreFileError
		errors.As(unsafe[0], &bad)
		h.add(Issue{Code: CodeEnvNotIgnored, Check: CheckIgnoreFile, Severity: SeverityWarning,
			Message: fmt.Sprintf("could not check whether %s is git-ignored: %s %s; keyguard reads only regular files (a FIFO or device could hang it), so git was not asked", filepath.Base(path), bad.Path, bad.Reason())})
		return
	}
	if code, err := runGit(root, "ls-files", "--error-unmatch", "--", path); err == nil && code == 0 {
		h.add(Issue{Code: CodeEnvNotIgnored, Check: CheckTrackedByGit, Severity: SeverityError,
			Message: fmt.Sprintf("%s is tracked by git, so its keys are in the history; run `git rm --cached %s`, add it to .gitignore and rotate the keys", filepath.Base(path), filepath.Base(path))})
		return
	}
	if code, err := runGit(root, "check-ignore", "-q", "--", path); err == nil && code == 1 {
		h.add(Issue{Code: CodeEnvNotIgnored, Check: CheckNotIgnored, Severity: SeverityWarning,
			Message: fmt.Sprintf("%s is not git-ignored; add it to .gitignore so its keys are never committed", filepath.Base(path))})
	}
}

// runGit runs git in dir and returns its exit code, with gitsafe's
// settings: the workspace may be hostile.
func runGit(dir string, args ...string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", gitsafe.Args(args...)...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), gitsafe.Env...)
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return -1, err
	}
	return 0, nil
}
