package envfix

import (
	"regexp"
	"strings"

	"github.com/keyguard/keyguard/diagnostics"
)

// typeWords are what a naive "name before =" finds in a typed declaration
// (`const KEY: string = …`, `api_key: str = …`, `var k string = …`): never
// a variable name.
var typeWords = map[string]bool{
	"string": true, "str": true, "int": true, "bool": true, "any": true, "object": true, "char": true,
	"byte": true, "bytes": true, "var": true, "let": true, "const": true, "val": true, "final": true,
	"static": true, "readonly": true, "public": true, "private": true, "protected": true, "text": true,
	"unknown": true, "number": true, "optional": true, "&str": true, "&'static": true, "new": true,
	"return": true, "default": true, "case": true, "=": true,
}

var (
	// name: Type = "…" (Python, TypeScript, Kotlin, Swift, Rust let)
	typedDecl = regexp.MustCompile(`([A-Za-z_$][\w$]*)\??\s*:\s*[\w.<>\[\]|&' ?,]+?\s*=\s*[\w@$]*["'\x60]*$`)
	// var name Type = "…" (Go)
	goTypedDecl = regexp.MustCompile(`\b(?:var|const)\s+([A-Za-z_]\w*)\s+[\w.\[\]*]+\s*=\s*\x60?"?$`)
)

// declaredName re-reads the declaration on the key's line when the
// detector's name is a type or keyword.
func declaredName(src []byte, keyAt int) string {
	before := lineBefore(src, keyAt)
	if m := goTypedDecl.FindStringSubmatch(before); m != nil {
		return m[1]
	}
	if m := typedDecl.FindStringSubmatch(before); m != nil && !typeWords[strings.ToLower(m[1])] {
		return m[1]
	}
	return ""
}

// nameWords that say nothing beyond "the provider's key": a name made of
// them and the provider's own words (OPENAI_KEY, CLAUDE_TOKEN, MY_API_KEY)
// is better replaced by the variable the provider's SDK reads itself.
var nameWords = map[string]bool{
	"API": true, "KEY": true, "KEYS": true, "TOKEN": true, "SECRET": true, "MY": true, "THE": true,
	"DEFAULT": true, "CLIENT": true, "AUTH": true, "ACCESS": true, "APIKEY": true,
}

// clientPrefixes are the variable prefixes that frameworks expose to the
// browser (Next.js, Vite, Create React App, Expo, Nuxt, Gatsby, SvelteKit).
var clientPrefixes = []string{"NEXT_PUBLIC_", "VITE_", "REACT_APP_", "EXPO_PUBLIC_", "NUXT_PUBLIC_", "GATSBY_", "VUE_APP_", "PUBLIC_"}

var providerAliases = map[string][]string{
	"openai": {"OPEN", "AI", "GPT", "CHATGPT"}, "anthropic": {"CLAUDE"}, "gemini": {"GOOGLE", "AI", "GENAI"},
	"huggingface": {"HF", "HUGGING", "FACE", "HUGGINGFACE"}, "xai": {"GROK"}, "perplexity": {"PPLX"},
}

// nameFor is the variable name for the finding: the assignment's own name
// when it says more than the provider's, else the provider SDK's variable.
func nameFor(f diagnostics.Finding, src []byte) string {
	if v := f.VarName; v == "" || typeWords[strings.ToLower(v[strings.LastIndexAny(v, ".:>")+1:])] {
		f.VarName = declaredName(src, f.Start)
	}
	name := baseName(f)
	// A public prefix makes the bundler inline the value into browser
	// code: the secret must never be saved under such a name.
	for _, pre := range clientPrefixes {
		if rest, ok := strings.CutPrefix(name, pre); ok && rest != "" {
			f.VarName = rest
			name = baseName(f)
		}
	}
	p, ok := diagnostics.ProviderByID(f.Provider)
	if !ok || len(p.EnvVars) == 0 || name == p.EnvVars[0] {
		return name
	}
	words := map[string]bool{strings.ToUpper(p.ID): true}
	for _, w := range strings.FieldsFunc(strings.ToUpper(p.Name), func(r rune) bool { return r == ' ' || r == '-' }) {
		words[w] = true
	}
	for _, ev := range p.EnvVars {
		for _, w := range strings.Split(ev, "_") {
			words[w] = true
		}
	}
	for _, w := range providerAliases[p.ID] {
		words[w] = true
	}
	for _, w := range strings.Split(name, "_") {
		if !words[w] && !nameWords[w] {
			return name // says something of its own: SUMMARIZER_OPENAI_KEY
		}
	}
	return p.EnvVars[0]
}
