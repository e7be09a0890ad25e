package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/keyguard/keyguard/envscan"
)

// Settings is the `keyguard` settings section (design.md). It arrives in
// initializationOptions, from workspace/configuration and with
// workspace/didChangeConfiguration.
type Settings struct {
	Probe struct {
		Enabled      bool     `json:"enabled"`
		OnSave       bool     `json:"onSave"`
		TTLSeconds   int      `json:"ttlSeconds"`
		AllowedHosts []string `json:"allowedHosts"`
	} `json:"probe"`
	// Endpoints override providers' base URLs: {"openai": "http://127.0.0.1:8080/v1"}.
	Endpoints map[string]string `json:"endpoints"`
	// Severity per diagnostic code: "error", "warning", "information",
	// "hint" or "off".
	Severity map[string]string `json:"severity"`
	// Ignore globs (gitignore syntax) of files to leave alone, relative to
	// the workspace root.
	Ignore []string `json:"ignore"`
}

// DefaultSettings are the settings before the client says anything.
func DefaultSettings() Settings {
	var s Settings
	s.Probe.Enabled = true
	s.Probe.OnSave = true
	s.Probe.TTLSeconds = 600
	return s
}

// parseSettings overlays raw on base. raw is the section itself or an
// object holding it under "keyguard"; dotted keys ("probe.enabled": false,
// as some editors flatten settings) are expanded first. Each field is
// decoded on its own: a field of the wrong type is dropped (it keeps its
// value from base) and named in problems, never the whole section. An
// empty array where an object belongs is an empty object: Lua clients
// (Neovim) cannot tell `{}` from `[]` and send `"endpoints": []`.
func parseSettings(base Settings, raw json.RawMessage) (_ Settings, problems []string, _ error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return base, nil, fmt.Errorf("settings are not an object: %w", err)
	}
	if inner, ok := m["keyguard"].(map[string]any); ok {
		m = inner
	}
	m = expandDotted(m)
	// Maps are replaced, not merged, so that removing an endpoint removes it.
	out := base
	out.Probe.AllowedHosts = append([]string(nil), base.Probe.AllowedHosts...)
	field := func(name string, v any, dst any, want string) {
		if err := decodeField(v, dst); err != nil {
			problems = append(problems, fmt.Sprintf("%s (want %s)", name, want))
		}
	}
	for k, v := range m {
		switch k {
		case "probe":
			probe, ok := asObject(v)
			if !ok {
				problems = append(problems, "probe (want an object)")
				continue
			}
			for pk, pv := range probe {
				switch pk {
				case "enabled":
					field("probe.enabled", pv, &out.Probe.Enabled, "true or false")
				case "onSave":
					field("probe.onSave", pv, &out.Probe.OnSave, "true or false")
				case "ttlSeconds":
					field("probe.ttlSeconds", pv, &out.Probe.TTLSeconds, "a whole number of seconds")
				case "allowedHosts":
					field("probe.allowedHosts", emptyList(pv), &out.Probe.AllowedHosts, "a list of host names")
				}
			}
		case "endpoints":
			out.Endpoints, problems = stringMap("endpoints", v, base.Endpoints, problems)
		case "severity":
			out.Severity, problems = stringMap("severity", v, base.Severity, problems)
		case "ignore":
			field("ignore", emptyList(v), &out.Ignore, "a list of globs")
		}
	}
	sort.Strings(problems)
	return out, problems, nil
}

// decodeField decodes one JSON value into dst, leaving dst alone on error.
func decodeField(v any, dst any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := reflect.New(reflect.TypeOf(dst).Elem())
	if err := json.Unmarshal(b, tmp.Interface()); err != nil {
		return err
	}
	reflect.ValueOf(dst).Elem().Set(tmp.Elem())
	return nil
}

// asObject accepts an object, and an empty array or null as an empty one.
func asObject(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, true
	case []any:
		return map[string]any{}, len(x) == 0
	case nil:
		return map[string]any{}, true
	}
	return nil, false
}

// emptyList lets an empty object stand for an empty list (vim.empty_dict()).
func emptyList(v any) any {
	if m, ok := v.(map[string]any); ok && len(m) == 0 {
		return []any{}
	}
	return v
}

// stringMap decodes an object of strings; an entry that is not a string is
// dropped and named, a value that is no object at all keeps old.
func stringMap(name string, v any, old map[string]string, problems []string) (map[string]string, []string) {
	obj, ok := asObject(v)
	if !ok {
		return old, append(problems, name+" (want an object)")
	}
	out := make(map[string]string, len(obj))
	for k, x := range obj {
		str, ok := x.(string)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s.%s (want a string)", name, k))
			continue
		}
		out[k] = str
	}
	return out, problems
}

// reportSettingsProblems tells the user which settings fields were dropped
// (window/showMessage, once per distinct list) and logs them. Field names
// only: a value could be a key.
func (s *Server) reportSettingsProblems(source string, problems []string) {
	if len(problems) == 0 {
		return
	}
	msg := "keyguard: ignored invalid settings: " + strings.Join(problems, ", ")
	s.log.Warn("ignored invalid settings", "source", source, "fields", strings.Join(problems, ", "))
	s.settingsMu.Lock()
	same := s.lastSettingsProblem == msg
	s.lastSettingsProblem = msg
	s.settingsMu.Unlock()
	if !same {
		s.notify("window/showMessage", map[string]any{"type": 2, "message": msg})
	}
}

// expandDotted turns {"probe.enabled": false} into {"probe": {"enabled":
// false}}, merging with keys already nested. Endpoint ids are left alone.
func expandDotted(m map[string]any) map[string]any {
	out := map[string]any{}
	put := func(dst map[string]any, k string, v any) {
		if vm, ok := v.(map[string]any); ok {
			if existing, ok := dst[k].(map[string]any); ok {
				for kk, vv := range vm {
					existing[kk] = vv
				}
				return
			}
		}
		dst[k] = v
	}
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok && k != "endpoints" && k != "severity" {
			v = expandDotted(sub)
		}
		parts := strings.Split(k, ".")
		if len(parts) == 1 || parts[0] == "endpoints" && len(parts) > 2 {
			put(out, k, v)
			continue
		}
		cur := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[p] = next
			}
			cur = next
		}
		put(cur, parts[len(parts)-1], v)
	}
	return out
}

// applySettings installs cfg: a new prober when what it depends on
// changed, and fresh diagnostics for every open document (severity and
// ignore globs may have changed). Called with s.mu held.
func (s *Server) applySettings(cfg Settings) {
	if len(cfg.Endpoints) > 0 {
		eps := map[string]string{}
		for provider, u := range cfg.Endpoints {
			if _, err := envscan.ValidateEndpoint(u); err != nil {
				s.log.Warn("ignored an invalid endpoint", "provider", provider, "err", err.Error())
				continue
			}
			eps[provider] = u
		}
		cfg.Endpoints = eps
	}
	old := s.cfg
	s.cfg = cfg
	if fmt.Sprint(old.Endpoints, old.Probe.AllowedHosts, old.Probe.TTLSeconds) != fmt.Sprint(cfg.Endpoints, cfg.Probe.AllowedHosts, cfg.Probe.TTLSeconds) {
		s.prober = envscan.NewProber(s.proberConfig())
	}
	for _, d := range s.docs {
		if d.published {
			// Ignore globs change what a scan returns: rescan.
			s.schedule(d, 0)
		}
	}
}

func (s *Server) proberConfig() envscan.ProberConfig {
	pc := s.opts.ProberConfig
	if len(s.cfg.Endpoints) > 0 {
		eps := map[string]string{}
		for k, v := range pc.Endpoints {
			eps[k] = v
		}
		for k, v := range s.cfg.Endpoints {
			eps[k] = v
		}
		pc.Endpoints = eps
	}
	pc.AllowedHosts = append(append([]string(nil), pc.AllowedHosts...), s.cfg.Probe.AllowedHosts...)
	if s.cfg.Probe.TTLSeconds > 0 {
		pc.TTL = time.Duration(s.cfg.Probe.TTLSeconds) * time.Second
	}
	return pc
}

// pullConfiguration asks the client for the keyguard section. It runs in
// its own goroutine: the answer arrives through the reader that a handler
// would be blocking.
func (s *Server) pullConfiguration() {
	var res []json.RawMessage
	params := map[string]any{"items": []map[string]any{{"section": "keyguard"}}}
	if err := s.call(s.bg, "workspace/configuration", params, &res); err != nil {
		s.log.Warn("workspace/configuration failed", "err", err.Error())
		return
	}
	if len(res) == 0 || len(res[0]) == 0 || string(res[0]) == "null" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Pulled settings overlay initializationOptions, which overlay the
	// defaults: an editor that sends both keeps the explicit options for
	// keys the pull does not mention.
	base := DefaultSettings()
	if len(s.initOptions) > 0 {
		if b, _, err := parseSettings(base, s.initOptions); err == nil {
			base = b
		}
	}
	cfg, problems, err := parseSettings(base, res[0])
	if err != nil {
		s.log.Warn("ignored invalid settings from workspace/configuration", "err", err.Error())
		return
	}
	s.reportSettingsProblems("workspace/configuration", problems)
	s.applySettings(cfg)
	s.log.Info("settings updated", "source", "workspace/configuration")
}

func (s *Server) didChangeConfiguration(_ context.Context, raw json.RawMessage) (any, error) {
	var p struct {
		Settings json.RawMessage `json:"settings"`
	}
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	// Clients that support pull send null (or anything) and expect the
	// server to ask; others push the settings here.
	if s.caps.Workspace.Configuration {
		s.goSafe("pull configuration", s.pullConfiguration)
		return nil, nil
	}
	if len(p.Settings) == 0 || string(p.Settings) == "null" {
		return nil, nil
	}
	cfg, problems, err := parseSettings(s.cfg, p.Settings)
	if err != nil {
		return nil, err
	}
	s.reportSettingsProblems("didChangeConfiguration", problems)
	s.applySettings(cfg)
	s.log.Info("settings updated", "source", "didChangeConfiguration")
	return nil, nil
}

// ignored reports whether path (absolute, or relative when root is "")
// matches an `ignore` glob. Called with s.mu held.
func (s *Server) ignored(path, root string) bool {
	if len(s.cfg.Ignore) == 0 || path == "" {
		return false
	}
	rel := path
	if root != "" {
		if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
			rel = r
		}
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	for _, g := range s.cfg.Ignore {
		if gitignore.ParsePattern(g, nil).Match(parts, false) == gitignore.Exclude {
			return true
		}
	}
	return false
}
