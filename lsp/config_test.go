package lsp_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	. "github.com/keyguard/keyguard/lsp/lsptest"
)

// TestSettingsEmptyTablesAndBadFields: Neovim's Lua encodes an empty table
// as [] (the README's `endpoints = {}` sent "endpoints": []), and once
// that made the server drop the whole section, so the user's endpoint was
// lost. An empty array stands for an empty object; a field of the wrong
// type is dropped on its own and named in a window/showMessage; the rest
// of the section applies.
func TestSettingsEmptyTablesAndBadFields(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings string // {{endpoint}}: the fake's OpenAI base URL
		bad      []string
		noProbe  bool // probing is off: nothing to check at the endpoint
	}{
		{name: "empty Lua tables", settings: `{"endpoints": {"openai": "{{endpoint}}"}, "severity": [], "ignore": {}, "probe": {"allowedHosts": {}}}`},
		{name: "empty endpoints", settings: `{"keyguard": {"probe": {"enabled": false}, "severity": {"hardcoded-key": "hint"}, "endpoints": [], "ignore": []}}`, noProbe: true},
		{name: "one bad field", settings: `{"probe": {"ttlSeconds": "ten", "onSave": true}, "severity": {"hardcoded-key": "hint"}, "endpoints": {"openai": "{{endpoint}}", "groq": 7}}`,
			bad: []string{"endpoints.groq", "probe.ttlSeconds"}},
		{name: "probe not an object", settings: `{"probe": "yes", "endpoints": {"openai": "{{endpoint}}"}}`, bad: []string{"probe (want an object)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fp, settings := fake(t, map[string]string{"openai": "openai/invalid key"})
			raw := strings.ReplaceAll(tc.settings, "{{endpoint}}", settings["endpoints"].(map[string]string)["openai"])
			var opts map[string]any
			if err := json.Unmarshal([]byte(raw), &opts); err != nil {
				t.Fatal(err)
			}
			env := New(t, "-- .gitignore --\n.env\n-- .env --\nOPENAI_API_KEY={{openai}}\n-- a.py --\nk = '{{openai2}}'\n",
				WithInitializationOptions(opts))
			env.Initialize()
			if !tc.noProbe {
				env.Open(".env")
				// The endpoint survived: the probe reached the fake.
				env.Await(Diagnostics(".env", Code("env-key-invalid")))
				if len(fp.Requests()) == 0 {
					t.Error("no request reached the configured endpoint")
				}
			}
			if strings.Contains(raw, `"hardcoded-key": "hint"`) {
				env.Open("a.py")
				env.Await(Diagnostics("a.py", Code("hardcoded-key"), Severity(4)))
			}
			if len(tc.bad) == 0 {
				time.Sleep(50 * time.Millisecond)
				for _, m := range env.Snapshot().ShowMessages {
					if strings.Contains(m, "settings") {
						t.Errorf("valid settings were reported: %q", m)
					}
				}
				return
			}
			env.Await(Expectation{Description: "a showMessage naming the dropped fields", Check: func(s State) bool {
				for _, m := range s.ShowMessages {
					ok := strings.Contains(m, "ignored invalid settings")
					for _, b := range tc.bad {
						ok = ok && strings.Contains(m, b)
					}
					if ok {
						return true
					}
				}
				return false
			}})
		})
	}
}
