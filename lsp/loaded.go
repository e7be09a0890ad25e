package lsp

import (
	"strings"
	"unicode"

	"github.com/keyguard/keyguard/envscan"
)

// A probe sends a .env key as the loader produces it: godotenv keeps
// typographic quotes, quotes inside other quotes, spaces inside quotes, a
// "Bearer " prefix and invisible characters as part of the value, and the
// application would send exactly that. The provider then answers 401, but
// that is a verdict on the mangled value, not on the key: "invalid —
// regenerate it" would have a user revoke a key that works. So when the
// loaded value is mangled in one of the ways hygiene reports (env-format
// on the same line, with its own quick fix), a rejection becomes
// "unverified: fix the quotes first".

// mangling names what the loader keeps around a key's value, "" when the
// value looks like a bare key. It looks only at the value (a fingerprint's
// verdict then holds wherever that exact value appears).
func mangling(value string) (what, fix string) {
	const smart = "“”‘’„‟‚‛"
	first, last := firstRune(value), lastRune(value)
	switch {
	case strings.ContainsRune(smart, first) || strings.ContainsRune(smart, last):
		return "typographic quotes (“…”)", "fix the quotes first (quick fix \"Use straight quotes\")"
	case strings.ContainsRune(`"'`+"`", first) || strings.ContainsRune(`"'`+"`", last):
		return "quote characters", "fix the quotes first (quick fix \"Remove quotes\")"
	case unicode.IsSpace(first) || unicode.IsSpace(last):
		return "spaces around the key", "remove the spaces first (quick fix \"Trim whitespace\")"
	case strings.HasPrefix(strings.ToLower(value), "bearer "):
		return "\"Bearer \" prefix", "drop the prefix first (quick fix \"Drop Bearer prefix\")"
	}
	for _, r := range value {
		if unicode.Is(unicode.Cf, r) || r == '\u00a0' || r == '\ufeff' {
			return "invisible characters", "delete the invisible characters first (see the env-format problem on that line)"
		}
	}
	return "", ""
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}

func lastRune(s string) rune {
	r := rune(0)
	for _, c := range s {
		r = c
	}
	return r
}

// loadedVerdict turns a rejection of a mangled value into "unverified"
// with what to fix; other results pass unchanged.
func loadedVerdict(req envscan.ProbeRequest, r envscan.Result) envscan.Result {
	if r.Verdict != envscan.VerdictInvalid && r.Verdict != envscan.VerdictRevoked {
		return r
	}
	what, fix := mangling(req.Key)
	if what == "" {
		return r
	}
	r.Verdict = envscan.VerdictUnknown
	r.Detail = "The provider rejected the value as the .env loader reads it, " + what + " included: " + fix +
		", then check again. The key itself may well work: do not revoke or replace it yet."
	return r
}
