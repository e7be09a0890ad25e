// Package diagnostics finds hardcoded AI-provider API keys in text.
//
// It knows nothing of LSP: it speaks in byte offsets and 1-based lines and
// byte columns. The lsp package converts to UTF-16 positions with LineIndex.
package diagnostics

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"
)

// Code is the contract diagnostic code of a finding (design.md).
type Code string

const (
	CodeHardcodedKey  Code = "hardcoded-key"
	CodeClientSideKey Code = "client-side-key"
)

// Severity orders findings; the LSP maps it to DiagnosticSeverity.
type Severity int

const (
	SeverityError Severity = iota + 1
	SeverityWarning
	SeverityInfo
	SeverityHint
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	case SeverityInfo:
		return "info"
	case SeverityHint:
		return "hint"
	}
	return "unknown"
}

// Finding is one key found in one document.
//
// Key holds the full secret so that a quick fix the user chose can move it and
// a probe can send it to the provider's own host. It is tagged json:"-" and
// must never be printed or logged; use Secret (masked) for anything a person
// or a log sees.
type Finding struct {
	Path string `json:"path"`
	// Start and End are byte offsets of the key in the scanned content.
	Start int `json:"-"`
	End   int `json:"-"`
	// Line, Column, EndLine, EndColumn are 1-based; columns count UTF-8
	// bytes. EndColumn is exclusive (one past the last byte of the key).
	Line      int `json:"line"`
	Column    int `json:"column"`
	EndLine   int `json:"endLine"`
	EndColumn int `json:"endColumn"`

	Provider string `json:"provider"` // provider id, e.g. "openai" (see Providers)
	// Rule is the id of the key-format rule that matched, e.g.
	// "openai-project-key", or "client-side-key" when Code is
	// CodeClientSideKey (the issue names the rule so for client-side code).
	Rule string `json:"rule"`
	// Format is always the key-format rule id, even for client-side findings.
	Format   string   `json:"format"`
	Code     Code     `json:"code"`
	Severity Severity `json:"-"`

	// Encoding is "base64" or "url" when the key was found by decoding
	// the text at the finding's range (ScanEncoded), else empty.
	Encoding string `json:"encoding,omitempty"`

	Secret      string `json:"secret"`      // masked: Mask(Key)
	Fingerprint string `json:"fingerprint"` // Fingerprint(Key)

	// VarName is the name the key is assigned to in the source when the
	// detector saw one (`OPENAI_API_KEY = "sk-…"` → "OPENAI_API_KEY"), used
	// to name the environment variable in the move-to-env fix.
	VarName string `json:"-"`

	// Context is the text of the key's line (at most LineWindow bytes on
	// each side of its start), which may name the key's provider: a
	// probe of a key whose shape several services share is sent only
	// where it does (envscan.RouteKey). Set by a Detector built with
	// Options.LineContext and by ScanEncoded (the encoded text's line);
	// never for binary files. It holds the key itself: never print or
	// log it.
	Context string `json:"-"`

	Key string `json:"-"`
}

// LineWindow bounds a finding's Context on each side of the key: a minified
// file's one line can be megabytes.
const LineWindow = 512

// LineAround is the line of text holding offset i, at most LineWindow
// bytes of it on each side of i: a finding's Context. Every probe path
// takes a key's context from here, so that `keyguard scan --verify` and
// the language server route a key the same way.
func LineAround(text []byte, i int) string {
	if i < 0 || i > len(text) {
		return ""
	}
	lo, hi := i, i
	for lo > 0 && text[lo-1] != '\n' && i-lo < LineWindow {
		lo--
	}
	for hi < len(text) && text[hi] != '\n' && hi-i < LineWindow {
		hi++
	}
	return string(text[lo:hi])
}

// Mask shows the first 6 and last 4 characters of a key: "sk-pro…abcd".
// Keys of 12 characters or fewer are masked entirely, so that mask and key
// never coincide.
func Mask(key string) string {
	if utf8.RuneCountInString(key) <= 12 {
		return "…"
	}
	r := []rune(key)
	return string(r[:6]) + "…" + string(r[len(r)-4:])
}

// Fingerprint identifies a key without revealing it: the first 16 hex digits
// of its SHA-256.
func Fingerprint(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:16]
}
