package lsp

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/keyguard/keyguard/diagnostics"
)

// Moving a key out of browser code into process.env hides the literal but
// not the problem: a bundler either inlines the value into the bundle (a
// public name such as NEXT_PUBLIC_…) or leaves it undefined. So reads of
// an AI provider's key in client code keep a client-side-key diagnostic
// after the fix, telling the user to read the key on the server.

// clientRead is one read of a provider-key variable in browser code.
type clientRead struct {
	start, end int
	name       string
	public     bool // a name the bundler inlines into the bundle
	// serverModule: the read is in a "use server" module (Next.js server
	// actions), which never reaches the browser itself.
	serverModule bool
	prefix       string // the public prefix of name, if public
}

var (
	// a read, matched only where bytes.Index found "process.env" or
	// "import.meta.env" (no regex over the whole document, as in the
	// detector)
	envReadRe = regexp.MustCompile(`^(?:process\.env|import\.meta\.env)(?:\.([A-Za-z_]\w*)|\[\s*["']([A-Za-z_]\w*)["']\s*\])`)
	// "use client" as the module's first statement (after comments).
	useClientRe    = regexp.MustCompile(`^(?:\s|//[^\n]*\n|/\*(?:[^*]|\*+[^*/])*\*+/)*["']use client["']`)
	useServerRe    = regexp.MustCompile(`^(?:\s|//[^\n]*\n|/\*(?:[^*]|\*+[^*/])*\*+/)*["']use server["']`)
	publicPrefixes = []string{"NEXT_PUBLIC_", "VITE_", "REACT_APP_", "EXPO_PUBLIC_", "NUXT_PUBLIC_", "GATSBY_", "VUE_APP_", "PUBLIC_"}
	componentExts  = map[string]bool{".vue": true, ".svelte": true}
	jsExts         = map[string]bool{".js": true, ".mjs": true, ".cjs": true, ".jsx": true, ".ts": true, ".mts": true, ".cts": true, ".tsx": true, ".vue": true, ".svelte": true, ".astro": true}
)

// clientEnvReads finds reads of provider keys that end up in the browser:
// any read in a "use client" module or a .vue/.svelte component, and a
// public-prefixed name (NEXT_PUBLIC_OPENAI_API_KEY) in any JavaScript file.
func clientEnvReads(path string, text []byte) []clientRead {
	ext := strings.ToLower(filepath.Ext(path))
	if !jsExts[ext] || !bytes.Contains(text, []byte(".env")) {
		return nil
	}
	client := componentExts[ext] || useClientRe.Match(text)
	serverModule := !client && useServerRe.Match(text)
	var out []clientRead
	for _, m := range envReads(text) {
		var name string
		if m[2] >= 0 {
			name = string(text[m[2]:m[3]])
		} else {
			name = string(text[m[4]:m[5]])
		}
		bare, public, prefix := name, false, ""
		for _, p := range publicPrefixes {
			if rest, ok := strings.CutPrefix(name, p); ok {
				bare, public, prefix = rest, true, p
				break
			}
		}
		if !providerKeyName(bare) || !(client || public) || allowed(text, m[0]) {
			continue
		}
		out = append(out, clientRead{start: m[0], end: m[1], name: name, public: public, serverModule: serverModule, prefix: prefix})
	}
	return out
}

// providerKeyName: a variable an AI provider's SDK reads, or one that
// names a provider and ends like a key (OPENAI_KEY, CLAUDE_TOKEN).
func providerKeyName(name string) bool {
	if _, ok := diagnostics.ProviderForVar(name); ok {
		return true
	}
	if !(strings.HasSuffix(name, "KEY") || strings.HasSuffix(name, "TOKEN") || strings.HasSuffix(name, "SECRET")) {
		return false
	}
	for _, p := range diagnostics.Providers() {
		id := strings.ToUpper(strings.ReplaceAll(p.ID, "-", "_"))
		if len(id) >= 3 && strings.Contains(name, id) {
			return true
		}
	}
	return strings.Contains(name, "CLAUDE")
}

// severity: a public variable's value is in the bundle (an error); a
// server-only one read in browser code is only undefined there (a warning).
func (r clientRead) severity() diagnostics.Severity {
	if r.public && !r.serverModule {
		return diagnostics.SeverityError
	}
	return diagnostics.SeverityWarning
}

func clientReadMessage(r clientRead) string {
	if r.public && r.serverModule {
		return fmt.Sprintf("%s is a public variable holding an AI provider key: this server module does not ship it, but the bundler inlines it into any browser code that reads it, and the name invites that. Keep the key in a variable without %s.", r.name, r.prefix)
	}
	if r.public {
		return fmt.Sprintf("%s is a public variable: the bundler inlines its value, an AI provider key, into the browser bundle. Keep the key in a server-only variable and call the provider from a server route.", r.name)
	}
	return fmt.Sprintf("%s is read in browser code, where it is undefined or, if made public, ships the key to every visitor: read it on the server (an API route or server action) and send the browser only the result.", r.name)
}

// allowed: an allow comment on the read's line or the line before, as for
// keys.
func allowed(text []byte, at int) bool {
	ls := bytes.LastIndexByte(text[:at], '\n') + 1
	if ls > 0 {
		ls = bytes.LastIndexByte(text[:ls-1], '\n') + 1
	}
	le := bytes.IndexByte(text[at:], '\n')
	if le < 0 {
		le = len(text) - at
	}
	span := text[ls : at+le]
	for _, w := range []string{"keyguard:allow", "gitleaks:allow", "pragma: allowlist secret"} {
		if bytes.Contains(span, []byte(w)) {
			return true
		}
	}
	return false
}

// envReads returns the submatch indexes (into text) of every env read.
func envReads(text []byte) [][]int {
	var out [][]int
	for _, lit := range [][]byte{[]byte("process.env"), []byte("import.meta.env")} {
		for i := 0; ; {
			j := bytes.Index(text[i:], lit)
			if j < 0 {
				break
			}
			at := i + j
			i = at + len(lit)
			if at > 0 && (isWordByte(text[at-1]) || text[at-1] == '.') {
				continue
			}
			end := min(len(text), at+len(lit)+200)
			m := envReadRe.FindSubmatchIndex(text[at:end])
			if m == nil {
				continue
			}
			for k := range m {
				if m[k] >= 0 {
					m[k] += at
				}
			}
			out = append(out, m)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a][0] < out[b][0] })
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
