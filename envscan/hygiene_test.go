package envscan

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
)

// prefixIdentify stands in for the detector (built elsewhere) so these
// tests do not depend on its rule table.
func prefixIdentify(v string) (diagnostics.Match, bool) {
	for prefix, p := range map[string]string{"sk-ant-": "anthropic", "sk-proj-": "openai", "AIza": "gemini", "hf_": "huggingface", "gsk_": "groq"} {
		if strings.HasPrefix(v, prefix) && len(v) > 30 && !strings.ContainsAny(v, " \"'") {
			return diagnostics.Match{Provider: p, Rule: p}, true
		}
	}
	return diagnostics.Match{}, false
}

const (
	oaKey = "sk-proj-Sevz1WEVNmNnMndQ5gn6PjFcX9ay5SEKse8AL0EuYAB0cIgT3BlbkFJdD9FqO9Z3BoBu9FKFR6YJtvW6fUfqg2o2"
	anKey = "sk-ant-api03-Abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHAA"
)

func TestHygiene(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		in        string
		check     string
		line      int
		severity  Severity
		fixed     string // the file after applying the issue's Fix ("" = no fix expected)
		inMessage string
	}{
		{"leading and trailing space in quotes", ".env", "OPENAI_API_KEY=\" " + oaKey + " \"\n", CheckWhitespace, 1, SeverityError, "OPENAI_API_KEY=\"" + oaKey + "\"\n", "whitespace"},
		{"trailing space unquoted", ".env", "OPENAI_API_KEY=" + oaKey + "   \nX=1", CheckWhitespace, 1, SeverityWarning, "OPENAI_API_KEY=" + oaKey + "\nX=1", "trailing"},
		{"zero-width space", ".env", "X=1\nOPENAI_API_KEY=sk-proj-abc\u200bdef\n", CheckHiddenChar, 2, SeverityError, "X=1\nOPENAI_API_KEY=sk-proj-abcdef\n", "U+200B"},
		{"nbsp inside", ".env", "OPENAI_API_KEY=\"sk-proj\u00a0abcdef\"", CheckHiddenChar, 1, SeverityError, "OPENAI_API_KEY=\"sk-projabcdef\"", "no-break"},
		{"BOM mid-file", ".env", "A=1\nOPENAI_API_KEY=\ufeffsk-proj-abcdef\n", CheckHiddenChar, 2, SeverityError, "A=1\nOPENAI_API_KEY=sk-proj-abcdef\n", "U+FEFF"},
		{"BOM at start", ".env", "\ufeffA=1\n", CheckBOM, 1, SeverityError, "A=1\n", "byte order mark"},
		{"smart quotes", ".env", "OPENAI_API_KEY=“" + oaKey + "”\n", CheckSmartQuotes, 1, SeverityError, "OPENAI_API_KEY=\"" + oaKey + "\"\n", "typographic"},
		{"quotes kept", ".env", "OPENAI_API_KEY='\"" + oaKey + "\"'\n", CheckQuotesKept, 1, SeverityError, "OPENAI_API_KEY=" + oaKey + "\n", "quote"},
		{"backtick kept", ".env", "OPENAI_API_KEY=`" + oaKey + "`\n", CheckQuotesKept, 1, SeverityError, "OPENAI_API_KEY=" + oaKey + "\n", "quote"},
		{"bearer prefix", ".env", "OPENAI_API_KEY=Bearer " + oaKey + "\n", CheckBearerPrefix, 1, SeverityError, "OPENAI_API_KEY=" + oaKey + "\n", "Bearer"},
		{"bearer in quotes", ".env", "OPENAI_API_KEY=\"Bearer  " + oaKey + "\"", CheckBearerPrefix, 1, SeverityError, "OPENAI_API_KEY=\"" + oaKey + "\"", "Bearer"},
		{"empty api key", ".env", "MY_API_KEY=\n", CheckEmptyValue, 1, SeverityWarning, "", "empty"},
		{"duplicate", ".env", "OPENAI_API_KEY=a\nB=1\nOPENAI_API_KEY=b\n", CheckDuplicate, 1, SeverityWarning, "", "line 3"},
		{"anthropic key under OpenAI variable", ".env", "OPENAI_API_KEY=" + anKey + "\n", CheckWrongVariable, 1, SeverityError, "", "ANTHROPIC_API_KEY"},
		{"real key in example", ".env.example", "OPENAI_API_KEY=" + oaKey + "\n", CheckKeyInExample, 1, SeverityError, "OPENAI_API_KEY=your-openai-api-key\n", "placeholder"},
		{"no equals", ".env", "A=1\nJUSTTEXT", CheckMissingEquals, 2, SeverityError, "", "no '='"},
		{"unterminated quote", ".env", "A=1\nOPENAI_API_KEY=\"sk-proj-abc\nB=2\n", CheckParseError, 2, SeverityError, "", "unterminated"},
		{"invalid utf-8", ".env", "OPENAI_API_KEY=sk-proj-\xffabc\n", CheckInvalidUTF8, 1, SeverityError, "", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.in)
			issues := Hygiene(Parse(tt.path, data), data, HygieneOptions{Identify: prefixIdentify})
			var got *Issue
			for i := range issues {
				if issues[i].Check == tt.check {
					got = &issues[i]
				}
				is := issues[i]
				if strings.Contains(is.Message, oaKey) || strings.Contains(is.Message, anKey) {
					t.Errorf("message holds a full key: %q", is.Message)
				}
				if is.Code != CodeEnvFormat {
					t.Errorf("code %q", is.Code)
				}
			}
			if got == nil {
				t.Fatalf("no %s issue in %+v", tt.check, issues)
			}
			if got.Line != tt.line || got.Severity != tt.severity || !strings.Contains(got.Message, tt.inMessage) {
				t.Errorf("got line %d severity %v message %q; want line %d severity %v message with %q", got.Line, got.Severity, got.Message, tt.line, tt.severity, tt.inMessage)
			}
			if tt.fixed == "" {
				return
			}
			if got.Fix == nil {
				t.Fatalf("no fix")
			}
			after := tt.in[:got.Fix.Start] + got.Fix.NewText + tt.in[got.Fix.End:]
			if after != tt.fixed {
				t.Errorf("after fix %q:\n got %q\nwant %q", got.Fix.Title, after, tt.fixed)
			}
		})
	}
}

func TestHygieneCleanFile(t *testing.T) {
	in := "# keys\nOPENAI_API_KEY=" + oaKey + "\nANTHROPIC_API_KEY=\"" + anKey + "\"\nGREETING=\" hello \"\nDEBUG=\n"
	if issues := Hygiene(Parse(".env", []byte(in)), []byte(in), HygieneOptions{Identify: prefixIdentify}); len(issues) != 0 {
		t.Errorf("clean file has issues: %+v", issues)
	}
}

// gitT runs git in dir for a test's setup, apart from the user's own git
// configuration.
func gitT(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestHygieneGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	git := func(dir string, args ...string) { gitT(t, dir, args...) }
	checks := func(dir string) []string {
		path := filepath.Join(dir, ".env")
		data, _ := os.ReadFile(path)
		var out []string
		for _, is := range Hygiene(Parse(path, data), data, HygieneOptions{Root: dir, Identify: prefixIdentify}) {
			if is.Code == CodeEnvNotIgnored {
				out = append(out, is.Check)
			}
		}
		return out
	}
	write := func(dir, name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	notRepo := t.TempDir()
	write(notRepo, ".env", "A=1\n")
	if got := checks(notRepo); len(got) != 0 {
		t.Errorf("outside a repo: %v", got)
	}

	repo := t.TempDir()
	git(repo, "init", "-q")
	write(repo, ".env", "A=1\n")
	if got := strings.Join(checks(repo), ","); got != CheckNotIgnored {
		t.Errorf("not ignored: got %q", got)
	}
	write(repo, ".gitignore", ".env\n")
	if got := checks(repo); len(got) != 0 {
		t.Errorf("ignored: got %v", got)
	}
	git(repo, "add", "-f", ".env")
	if got := strings.Join(checks(repo), ","); got != CheckTrackedByGit {
		t.Errorf("tracked: got %q", got)
	}
}

// TestHygieneWithDetector runs the provider checks with the real detector.
func TestHygieneWithDetector(t *testing.T) {
	const realShapeAnthropic = "sk-ant-api03-Zx8vK2mQ9rT4wL7nB1cF6hJ3pS5dG0yU8eA2iO4kM7tR9vX1zC3bN6qW8sE5fH0jL2gP4uY7rT1mK9xV3cB6nZ8qWkLmAA"
	in := "OPENAI_API_KEY=" + realShapeAnthropic + "\n"
	var got []string
	for _, is := range Hygiene(Parse(".env", []byte(in)), []byte(in), HygieneOptions{}) {
		got = append(got, is.Check+": "+is.Message)
		if strings.Contains(is.Message, realShapeAnthropic) {
			t.Errorf("full key in message")
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], CheckWrongVariable) || !strings.Contains(got[0], "ANTHROPIC_API_KEY") {
		t.Errorf("issues %q", got)
	}
	kv := KeysToProbe(Parse(".env", []byte(in)), nil)
	if len(kv) != 1 || kv[0].Request.Provider != "anthropic" {
		t.Errorf("probe plan %+v: the key's format, not the variable, picks the provider", kv)
	}
}
