package lsp

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A bad field is dropped and reported, never the whole section; an empty
// Lua table (encoded [] or {}) is an empty map or list.
func TestParseSettingsFieldByField(t *testing.T) {
	base := DefaultSettings()
	base.Endpoints = map[string]string{"openai": "http://127.0.0.1:1/v1"}
	base.Ignore = []string{"vendor/**"}
	for _, tc := range []struct {
		name     string
		raw      string
		want     func(*Settings)
		problems []string // substrings, one per problem
	}{
		{"empty", `{}`, func(*Settings) {}, nil},
		{"nested under keyguard", `{"keyguard":{"probe":{"enabled":false}}}`, func(s *Settings) { s.Probe.Enabled = false }, nil},
		{"dotted", `{"probe.ttlSeconds":60,"endpoints.groq":"https://g.example/v1"}`, func(s *Settings) {
			s.Probe.TTLSeconds = 60
			s.Endpoints = map[string]string{"groq": "https://g.example/v1"}
		}, nil},
		{"bad bool keeps the rest", `{"probe":{"enabled":"yes","onSave":false},"severity":{"hardcoded-key":"error"}}`, func(s *Settings) {
			s.Probe.OnSave = false
			s.Severity = map[string]string{"hardcoded-key": "error"}
		}, []string{"keyguard.probe.enabled"}},
		{"bad map entry", `{"severity":{"hardcoded-key":"hint","env-format":5}}`, func(s *Settings) {
			s.Severity = map[string]string{"hardcoded-key": "hint"}
		}, []string{"keyguard.severity.env-format"}},
		{"empty Lua tables", `{"endpoints":[],"severity":[],"ignore":{},"probe":{"allowedHosts":{}}}`, func(s *Settings) {
			s.Endpoints, s.Severity, s.Ignore, s.Probe.AllowedHosts = map[string]string{}, map[string]string{}, []string{}, []string{}
		}, nil},
		{"non-empty list for a map", `{"endpoints":["http://x"],"ignore":["*.py"]}`, func(s *Settings) { s.Ignore = []string{"*.py"} }, []string{"keyguard.endpoints"}},
		{"wrong types everywhere", `{"probe":7,"ignore":"*.py","ttlSeconds":1,"trustedSettings":"yes","endpoints":{"openai":"https://o.example/v1"}}`, func(s *Settings) {
			s.Endpoints = map[string]string{"openai": "https://o.example/v1"}
		}, []string{"keyguard.ignore", "keyguard.probe:", "keyguard.trustedSettings"}},
		{"bad ttl", `{"probe":{"ttlSeconds":-1}}`, func(*Settings) {}, []string{"probe.ttlSeconds"}},
		{"nulls keep base", `{"endpoints":null,"probe":{"enabled":null}}`, func(*Settings) {}, nil},
		{"trusted", `{"trustedSettings":true}`, func(s *Settings) { s.TrustedSettings = true }, nil},
		{"hardcoded probes and rotation", `{"probe":{"hardcoded":false},"rotation":{"maxAgeDays":30}}`, func(s *Settings) {
			s.Probe.Hardcoded = false
			s.Rotation.MaxAgeDays = 30
		}, nil},
		{"dotted rotation", `{"rotation.maxAgeDays":0,"probe.hardcoded":true}`, func(s *Settings) { s.Rotation.MaxAgeDays = 0 }, nil},
		{"bad rotation", `{"rotation":{"maxAgeDays":"90"},"probe":{"hardcoded":1}}`, func(*Settings) {},
			[]string{"keyguard.probe.hardcoded", "keyguard.rotation.maxAgeDays"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := base
			want.Endpoints = map[string]string{"openai": "http://127.0.0.1:1/v1"}
			want.Ignore = []string{"vendor/**"}
			tc.want(&want)
			got, problems, err := parseSettings(base, []byte(tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("settings (-want +got):\n%s", d)
			}
			if len(problems) != len(tc.problems) {
				t.Fatalf("problems %q, want %d", problems, len(tc.problems))
			}
			for i, p := range tc.problems {
				if !strings.Contains(problems[i], p) {
					t.Errorf("problem %q, want it to name %s", problems[i], p)
				}
			}
		})
	}
	if _, _, err := parseSettings(base, []byte(`[1]`)); err == nil {
		t.Error("a list is not a settings section")
	}
}

// A key pasted into the wrong setting is named by field and type in the
// problem shown to the user, never echoed.
func TestSettingsProblemsNeverEchoValues(t *testing.T) {
	secret := "gsk_" + strings.Repeat("Ab3", 17) + "x"
	_, problems, err := parseSettings(DefaultSettings(), []byte(`{"probe":"`+secret+`","ignore":["`+secret+`",1],"rotation":{"maxAgeDays":"`+secret+`"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 3 {
		t.Fatalf("problems %q", problems)
	}
	for _, p := range problems {
		if strings.Contains(p, secret[:10]) {
			t.Errorf("problem echoes the value: %q", p)
		}
	}
}
