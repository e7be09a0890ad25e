package envfix

import (
	"encoding/json"
	"errors"
	"go/format"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyguard/keyguard/diagnostics"
)

// testKey looks like an OpenAI project key but is made up.
const testKey = "sk-proj-TESTabcdefghijklmnopqrstuvwxyzABCDEFGH0123456789"

// plant replaces {{KEY}} in a template and returns the text and a finding
// for the (first) key.
func plant(t *testing.T, tmpl, provider, varName string) ([]byte, diagnostics.Finding) {
	t.Helper()
	text := strings.ReplaceAll(tmpl, "{{KEY}}", testKey)
	i := strings.Index(text, testKey)
	if i < 0 {
		t.Fatalf("template has no {{KEY}}")
	}
	return []byte(text), diagnostics.Finding{Start: i, End: i + len(testKey), Key: testKey, Provider: provider, VarName: varName}
}

type sourceCase struct {
	name     string
	langID   string
	path     string
	in, want string // {{KEY}} stands for the key
	varName  string
	provider string // default "openai"
	wantErr  error
}

func runSourceCases(t *testing.T, cases []sourceCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			provider := tc.provider
			if provider == "" {
				provider = "openai"
			}
			content, f := plant(t, tc.in, provider, tc.varName)
			plan, err := MoveToEnv(Request{LanguageID: tc.langID, Path: tc.path, Content: content, Finding: f})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("MoveToEnv: %v", err)
			}
			got, err := Apply(content, plan.Source)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(tc.want, "{{KEY}}", testKey)
			if dump := os.Getenv("ENVFIX_DUMP_GOT"); dump != "" && want != string(got) {
				// regenerate goldens after a deliberate change: review the diff
				f, _ := os.OpenFile(dump, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
				_ = json.NewEncoder(f).Encode([2]string{tc.name, strings.ReplaceAll(string(got), testKey, "{{KEY}}")})
				_ = f.Close()
			}
			if diff := cmp.Diff(want, string(got)); diff != "" {
				t.Errorf("source (-want +got):\n%s\ngot:\n%s", diff, got)
			}
			if strings.Contains(string(got), testKey) {
				t.Errorf("the key is still in the source")
			}
			if tc.langID == "go" {
				// gofmt in-process: the rewrite must not need reformatting.
				formatted, err := format.Source(got)
				if err != nil {
					t.Fatalf("rewritten Go does not parse: %v", err)
				}
				if diff := cmp.Diff(string(formatted), string(got)); diff != "" {
					t.Errorf("gofmt would change the rewrite (-gofmt +got):\n%s", diff)
				}
			}
		})
	}
}
