package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"path/filepath"
	"slices"
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
		// Hardcoded probes keys found in code documents too (on open and
		// save, like .env keys): a live one becomes an error, a dead one
		// a hint.
		Hardcoded bool `json:"hardcoded"`
	} `json:"probe"`
	Rotation struct {
		// MaxAgeDays: a .env key whose `# created YYYY-MM-DD` comment is
		// older gets a rotation reminder; 0 or less turns it off.
		MaxAgeDays int `json:"maxAgeDays"`
	} `json:"rotation"`
	// Endpoints override providers' base URLs: {"openai": "http://127.0.0.1:8080/v1"}.
	Endpoints map[string]string `json:"endpoints"`
	// Severity per diagnostic code: "error", "warning", "information",
	// "hint" or "off".
	Severity map[string]string `json:"severity"`
	// Ignore globs (gitignore syntax) of files to leave alone, relative to
	// the workspace root.
	Ignore []string `json:"ignore"`
	// TrustedSettings, read from initializationOptions only, is the
	// client vouching that what it answers to workspace/configuration (and
	// pushes with didChangeConfiguration) for endpoints and
	// probe.allowedHosts is user-level: it filtered out workspace values,
	// as the VS Code extension does. Without it the server takes those
	// two from initializationOptions only (see README, Trust model).
	TrustedSettings bool `json:"trustedSettings"`
}

// DefaultSettings are the settings before the client says anything.
func DefaultSettings() Settings {
	var s Settings
	s.Probe.Enabled = true
	s.Probe.OnSave = true
	s.Probe.TTLSeconds = 600
	s.Probe.Hardcoded = true
	s.Rotation.MaxAgeDays = 90
	return s
}

// parseSettings overlays raw on base. raw is the section itself or an
// object holding it under "keyguard"; dotted keys ("probe.enabled": false,
// as some editors flatten settings) are expanded first. Each field is
// decoded on its own: a bad one is dropped and reported in problems, never
// the whole section. Absent (or null) fields keep base's value; maps and
// lists are replaced, not merged, so that removing an endpoint removes it.
// An empty list where a map is expected (`"endpoints": []`, as Neovim
// encodes an empty Lua table) is an empty map, and an empty object where a
// list is expected an empty list. err is set only when raw is not an
// object at all.
func parseSettings(base Settings, raw json.RawMessage) (out Settings, problems []string, err error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		if err == nil {
			err = errors.New("null")
		}
		return base, nil, fmt.Errorf("settings are not an object: %w", err)
	}
	if inner, ok := m["keyguard"].(map[string]any); ok {
		m = inner
	}
	m = expandDotted(m)
	out = base
	out.Probe.AllowedHosts = slices.Clone(base.Probe.AllowedHosts)
	// A problem names the field and the JSON type it got, never the value:
	// a key pasted into the wrong setting must not be echoed back.
	bad := func(field string, v any, want string) {
		problems = append(problems, fmt.Sprintf("keyguard.%s: %s is not %s; ignored", field, jsonKind(v), want))
	}
	for k, v := range m {
		if v == nil {
			continue
		}
		switch k {
		case "probe":
			pm, ok := v.(map[string]any)
			if !ok {
				bad("probe", v, "an object")
				continue
			}
			for pk, pv := range pm {
				if pv == nil {
					continue
				}
				switch pk {
				case "enabled", "onSave", "hardcoded":
					b, ok := pv.(bool)
					if !ok {
						bad("probe."+pk, pv, "true or false")
						continue
					}
					switch pk {
					case "enabled":
						out.Probe.Enabled = b
					case "onSave":
						out.Probe.OnSave = b
					default:
						out.Probe.Hardcoded = b
					}
				case "ttlSeconds":
					f, ok := pv.(float64)
					if !ok || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
						bad("probe.ttlSeconds", pv, "a whole number of seconds")
						continue
					}
					out.Probe.TTLSeconds = int(f)
				case "allowedHosts":
					l, ok := stringList(pv)
					if !ok {
						bad("probe.allowedHosts", pv, "a list of host names")
						continue
					}
					out.Probe.AllowedHosts = l
				}
			}
		case "rotation":
			rm, ok := v.(map[string]any)
			if !ok {
				bad("rotation", v, "an object")
				continue
			}
			if rv, ok := rm["maxAgeDays"]; ok && rv != nil {
				f, ok := rv.(float64)
				if !ok || f != math.Trunc(f) || f > math.MaxInt32 || f < math.MinInt32 {
					bad("rotation.maxAgeDays", rv, "a whole number of days")
					continue
				}
				out.Rotation.MaxAgeDays = int(f)
			}
		case "endpoints", "severity":
			sm, dropped, ok := stringMap(v)
			if !ok {
				bad(k, v, "an object of strings")
				continue
			}
			for _, d := range dropped {
				bad(k+"."+d, sm[d], "a string")
				delete(sm, d)
			}
			if k == "endpoints" {
				out.Endpoints = sm
			} else {
				out.Severity = sm
			}
		case "ignore":
			l, ok := stringList(v)
			if !ok {
				bad("ignore", v, "a list of globs")
				continue
			}
			out.Ignore = l
		case "trustedSettings":
			b, ok := v.(bool)
			if !ok {
				bad(k, v, "true or false")
				continue
			}
			out.TrustedSettings = b
		}
	}
	sort.Strings(problems)
	return out, problems, nil
}

// stringList reads a JSON list of strings; an empty object (an empty Lua
// table) is an empty list.
func stringList(v any) ([]string, bool) {
	switch t := v.(type) {
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	case map[string]any:
		return []string{}, len(t) == 0
	}
	return nil, false
}

// stringMap reads a JSON object of strings; an empty list (an empty Lua
// table) is an empty object. dropped are the keys whose value is not a
// string (left in the map for the caller's report).
func stringMap(v any) (m map[string]string, dropped []string, ok bool) {
	switch t := v.(type) {
	case map[string]any:
		m = map[string]string{}
		for k, e := range t {
			s, isStr := e.(string)
			if !isStr {
				dropped = append(dropped, k)
				b, _ := json.Marshal(e)
				m[k] = string(b)
				continue
			}
			m[k] = s
		}
		sort.Strings(dropped)
		return m, dropped, true
	case []any:
		return map[string]string{}, nil, len(t) == 0
	}
	return nil, nil, false
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
	// And the unopened .env files' diagnostics (envfiles.go).
	s.scheduleEnvRefresh("settings")
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
	user := s.userSettings()
	cfg, problems, err := parseSettings(user, res[0])
	if err != nil {
		s.log.Warn("ignored invalid settings from workspace/configuration", "err", err.Error())
		return
	}
	problems = append(problems, s.gateWorkspaceSettings(&cfg, user, "workspace/configuration")...)
	s.reportSettings(problems)
	s.applySettings(cfg)
	s.log.Info("settings updated", "source", "workspace/configuration")
}

// userSettings are the defaults overlaid with initializationOptions: what
// the client vouches for as the user's. Called with s.mu held.
func (s *Server) userSettings() Settings {
	base := DefaultSettings()
	if len(s.initOptions) > 0 {
		if b, _, err := parseSettings(base, s.initOptions); err == nil {
			base = b
		}
	}
	return base
}

// gateWorkspaceSettings enforces the trust model (issue 10, README "Trust
// model") on settings from workspace/configuration or
// didChangeConfiguration: editors merge workspace values (a cloned
// repository's .vscode/settings.json, a project-local Neovim config) into
// what they answer, and endpoints and probe.allowedHosts decide where keys
// are sent. Unless initializationOptions set trustedSettings, those two
// come from initializationOptions (user level) only: the allowlist is the
// user's, and an endpoint that differs from the user's is kept only when
// its host is on the user's allowlist, as for a base URL found in a .env.
// It returns what it refused. Called with s.mu held.
func (s *Server) gateWorkspaceSettings(cfg *Settings, user Settings, source string) []string {
	cfg.TrustedSettings = user.TrustedSettings
	if user.TrustedSettings {
		return nil
	}
	var refused []string
	cfg.Endpoints = maps.Clone(cfg.Endpoints) // may be shared with the current settings
	if !slices.Equal(cfg.Probe.AllowedHosts, user.Probe.AllowedHosts) {
		refused = append(refused, fmt.Sprintf("keyguard.probe.allowedHosts from %s ignored: only user-level settings (initializationOptions) may widen where keys are sent", source))
		cfg.Probe.AllowedHosts = slices.Clone(user.Probe.AllowedHosts)
	}
	allowed := append(slices.Clone(s.opts.ProberConfig.AllowedHosts), user.Probe.AllowedHosts...)
	for provider, u := range cfg.Endpoints {
		if u == user.Endpoints[provider] {
			continue
		}
		host := "(not a URL)"
		if pu, err := url.Parse(strings.TrimSpace(u)); err == nil && pu.Hostname() != "" {
			host = pu.Hostname()
		}
		if slices.ContainsFunc(allowed, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), host) }) {
			continue
		}
		// The host only, never the URL: a path may carry anything.
		refused = append(refused, fmt.Sprintf("keyguard.endpoints.%s from %s ignored: its host %s is not in the user-level keyguard.probe.allowedHosts (a client that filters workspace values sends \"trustedSettings\": true in initializationOptions)", provider, source, host))
		if uu, ok := user.Endpoints[provider]; ok {
			cfg.Endpoints[provider] = uu
		} else {
			delete(cfg.Endpoints, provider)
		}
	}
	sort.Strings(refused)
	return refused
}

// reportSettings shows what was dropped from the settings, in one
// window/showMessage. Called with s.mu held.
func (s *Server) reportSettings(problems []string) {
	if len(problems) == 0 {
		return
	}
	for _, p := range problems {
		s.log.Warn("settings: " + p)
	}
	s.notify("window/showMessage", LogMessageParams{Type: 2, Message: "keyguard settings: " + strings.Join(problems, "; ")})
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
	user := s.userSettings()
	cfg, problems, err := parseSettings(s.cfg, p.Settings)
	if err != nil {
		return nil, err
	}
	problems = append(problems, s.gateWorkspaceSettings(&cfg, user, "workspace/didChangeConfiguration")...)
	s.reportSettings(problems)
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

// jsonKind names the JSON type of a decoded value, for settings problems.
func jsonKind(v any) string {
	switch t := v.(type) {
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		if len(t) == 0 {
			return "an empty list"
		}
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "null"
}
