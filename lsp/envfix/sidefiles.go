package envfix

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan"
)

var envNameRe = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// genericNames say nothing about which service the key belongs to; the
// provider's own variable is the better name for them.
var genericNames = map[string]bool{
	"KEY": true, "API_KEY": true, "APIKEY": true, "TOKEN": true, "SECRET": true,
	"AUTH": true, "PASSWORD": true, "API_TOKEN": true, "ACCESS_TOKEN": true, "SECRET_KEY": true,
	"BEARER": true, "AUTHORIZATION": true, "HEADERS": true, "VALUE": true,
}

// baseName is the variable name before de-duplication against .env: the
// assignment's own name when it reads as an environment variable
// (OPENAI_API_KEY, or openaiApiKey → OPENAI_API_KEY), else the variable the
// provider's SDK reads.
func baseName(f diagnostics.Finding) string {
	providerVar := ""
	if p, ok := diagnostics.ProviderByID(f.Provider); ok && len(p.EnvVars) > 0 {
		providerVar = p.EnvVars[0]
	} else {
		providerVar = upperSnake(f.Provider) + "_API_KEY"
		if f.Provider == "" || !envNameRe.MatchString(providerVar) {
			providerVar = "API_KEY"
		}
	}
	// self.api_key, config.openaiKey: the attribute names the value.
	v := f.VarName
	if i := strings.LastIndexAny(v, ".:>"); i >= 0 {
		v = v[i+1:]
	}
	name := upperSnake(v)
	if len(name) < 3 || !envNameRe.MatchString(name) || genericNames[name] {
		return providerVar
	}
	// A name that another provider's SDK reads would make that SDK send
	// this key to the wrong service.
	if p, ok := diagnostics.ProviderForVar(name); ok && p.ID != f.Provider {
		return providerVar
	}
	return name
}

// upperSnake turns openaiApiKey, OpenAIKey, openai-api-key or
// openai_api_key into OPENAI_API_KEY, OPEN_AI_KEY, …; an already
// UPPER_SNAKE name stays as it is. Anything else becomes "".
func upperSnake(s string) string {
	if envNameRe.MatchString(s) {
		return s
	}
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ':
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if unicode.IsUpper(r) && i > 0 && b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if prevLower || (unicode.IsUpper(rs[i-1]) && nextLower) {
					b.WriteByte('_')
				}
			}
			b.WriteRune(unicode.ToUpper(r))
		default:
			return ""
		}
	}
	out := strings.Trim(b.String(), "_")
	if !envNameRe.MatchString(out) {
		return ""
	}
	return out
}

// secretName adapts a name to GitHub's secret rules: no GITHUB_ prefix.
func secretName(name string) string {
	if strings.HasPrefix(name, "GITHUB_") {
		return "GH_" + strings.TrimPrefix(name, "GITHUB_")
	}
	return name
}

// chooseName de-duplicates base against the variables already in .env:
// a variable holding the same key is reused (whatever its name); a variable
// of that name holding another key pushes the name to NAME_2, NAME_3, ….
func chooseName(base, key string, env []byte) (name string, reused bool) {
	if env == nil {
		return base, false
	}
	values := map[string]string{}
	file := envscan.Parse(".env", env)
	for _, v := range file.Vars {
		values[v.Name] = v.Value
	}
	if v, ok := values[base]; ok && v == key {
		return base, true
	}
	for _, v := range file.Vars { // file order: the first name wins
		if v.Value == key {
			return v.Name, true
		}
	}
	// Names that exist only as unparsable lines still count as taken.
	taken := func(n string) bool {
		if _, ok := values[n]; ok {
			return true
		}
		return definesName(env, n)
	}
	if !taken(base) {
		return base, false
	}
	for i := 2; ; i++ {
		n := base + "_" + strconv.Itoa(i)
		if !taken(n) {
			return n, false
		}
	}
}

// definesName reports whether any line of a dotenv-style file assigns name
// (`NAME=`, `export NAME=`, `NAME =`), used for .env.example too.
func definesName(data []byte, name string) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		l := strings.TrimSpace(string(line))
		l = strings.TrimPrefix(l, "export ")
		l = strings.TrimLeft(l, " \t")
		if rest, ok := strings.CutPrefix(l, name); ok {
			rest = strings.TrimLeft(rest, " \t")
			if strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, ":") || rest == "" {
				return true
			}
		}
	}
	return false
}

// quoteEnvValue writes a value so that godotenv reads it back unchanged.
// API keys need no quotes; single quotes keep everything literal (no $
// expansion, no escapes) unless the value holds a single quote itself.
func quoteEnvValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t#'\"`$\\=") && v == strings.TrimSpace(v) {
		return v
	}
	if !strings.Contains(v, "'") {
		return "'" + v + "'"
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`)
	return `"` + r.Replace(v) + `"`
}

// appendLine adds one line at the end of a file without touching a byte of
// what is there: it keeps the file's line ending (CRLF when the file uses
// it) and first ends an unterminated last line. A nil file is created.
func appendLine(file []byte, line string) *FileChange {
	if file == nil {
		return &FileChange{Create: true, Edits: []Edit{{0, 0, line + "\n"}}}
	}
	nl := "\n"
	if bytes.Contains(file, []byte("\r\n")) {
		nl = "\r\n"
	}
	text := line + nl
	if len(file) > 0 && !bytes.HasSuffix(file, []byte("\n")) {
		if bytes.HasSuffix(file, []byte("\r")) { // a lone CR: finish the CRLF
			text = "\n" + text
		} else {
			text = nl + text
		}
	}
	return &FileChange{Edits: []Edit{{len(file), len(file), text}}}
}

// gitignoreChange adds ".env" unless a pattern already ignores it (with
// git's own semantics, negations included).
func gitignoreChange(gi []byte) *FileChange {
	if gi != nil && envIgnored(gi) {
		return nil
	}
	return appendLine(gi, ".env")
}

func envIgnored(gi []byte) bool {
	var patterns []gitignore.Pattern
	for _, line := range strings.Split(string(gi), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		patterns = append(patterns, gitignore.ParsePattern(line, nil))
	}
	return gitignore.NewMatcher(patterns).Match([]string{".env"}, false)
}

// exampleChange leaves "NAME=" in .env.example (never the key itself) so
// that the next developer knows which variable to set.
func exampleChange(ex []byte, name string) *FileChange {
	if ex != nil && definesName(ex, name) {
		return nil
	}
	return appendLine(ex, name+"=")
}
