package envscan

import (
	"fmt"
	"strings"

	"github.com/keyguard/keyguard/diagnostics"
)

// Some key formats are issued by more than one service: `sk-` + 32
// lower-case alphanumerics is DeepSeek's, but also DashScope's (Alibaba),
// a LiteLLM proxy's master key and many in-house gateways' tokens. The
// detector still reports such a key (it is a secret either way), but
// sending it to the one provider the shape suggests would hand another
// service's key to DeepSeek. So a key of a shared shape is probed only
// when its context names the provider; otherwise its verdict is skipped,
// with a reason.

// sharedShape is a format rule whose shape is not provider-unique.
type sharedShape struct {
	provider string
	// confirm are words (upper case) that name the provider: in the key's
	// variable name (DEEPSEEK_API_KEY), or lower-cased in the value of the
	// base URL variable that goes with it (OPENAI_BASE_URL=https://api.deepseek.com).
	confirm []string
	others  string // who else issues the shape, for the detail
}

// sharedShapes are keyed by the detector's rule id. TestSharedShapeRules
// checks each id against the detector with a key of that shape.
var sharedShapes = map[string]sharedShape{
	"deepseek-api-key":   {provider: "deepseek", confirm: []string{"DEEPSEEK"}, others: "DashScope (Alibaba), LiteLLM proxies and in-house gateways"},
	"sk-48-key":          {provider: "stability", confirm: []string{"STABILITY", "STABLE_DIFFUSION", "DREAMSTUDIO"}, others: "Braintrust and OpenAI keys with a mistyped marker"},
	"elevenlabs-api-key": {provider: "elevenlabs", confirm: []string{"ELEVENLABS", "ELEVEN_LABS", "XI_API_KEY"}, others: "other services' sk_ tokens"},
}

// CodeSharedShape is Result.Code of a key skipped because its shape does
// not tell its provider.
const CodeSharedShape = "shared-shape"

// CodeProbeCap is Result.Code of a key skipped because the automatic probe
// cap was reached (see ProbeLimiter).
const CodeProbeCap = "probe-cap"

// RouteKey decides whether a key that the detector classed by rule as
// provider's may be sent to that provider. The decision rests on the rule:
// provider is the detector's label, which for a shared shape may be the
// likely provider or a neutral one. varName is the variable (or
// the identifier) the key is assigned to; context is other text that may
// name the provider: the base URL that goes with the key, an SDK call's
// line. It returns "" when the key may go, else the reason it may not.
// Every probe path (keyguard check, the server's automatic probes and
// keyguard.checkEnv) takes the decision from here, through KeysToProbe.
func RouteKey(rule, provider, varName string, context ...string) string {
	// By rule alone: the detector may label a shared shape with its likely
	// provider or with a neutral name; either way it is not provider-unique.
	sh, ok := sharedShapes[rule]
	if !ok {
		return ""
	}
	name := strings.ToUpper(varName)
	for _, w := range sh.confirm {
		if strings.Contains(name, w) {
			return ""
		}
		for _, c := range context {
			if strings.Contains(strings.ToLower(c), strings.ToLower(w)) {
				return ""
			}
		}
	}
	return fmt.Sprintf("Not checked: this key's shape is shared by several services (%s, but also %s), so it was not sent anywhere; name the provider in the variable, e.g. %s.",
		providerName(sh.provider), sh.others, exampleVar(sh.provider))
}

// RouteRequest is the Prober's last gate before it sends req: the reason
// req's key may not be sent (req.SkipReason, or RouteKey on the key's own
// shape and req.Context), "" when it may. A caller that has several
// contexts for one key (a scan finds it on many lines) asks it to choose
// the one that routes the key.
func RouteRequest(req ProbeRequest) string {
	if req.SkipReason != "" {
		return req.SkipReason
	}
	if m, ok := diagnostics.Default.Identify(strings.TrimSpace(req.Key)); ok {
		return RouteKey(m.Rule, req.Provider, "", req.Context...)
	}
	return ""
}

func exampleVar(provider string) string {
	if p, ok := diagnostics.ProviderByID(provider); ok && len(p.EnvVars) > 0 {
		return p.EnvVars[0]
	}
	return strings.ToUpper(provider) + "_API_KEY"
}

// companionBaseURLs are the variables that would hold the base URL used
// with the key in varName: OPENAI_API_KEY goes with OPENAI_BASE_URL and
// OPENAI_API_BASE.
func companionBaseURLs(varName string) []string {
	n := strings.ToUpper(varName)
	for _, suf := range []string{"_API_KEY", "_API_TOKEN", "_KEY", "_TOKEN", "_SECRET"} {
		if strings.HasSuffix(n, suf) {
			p := strings.TrimSuffix(n, suf)
			return []string{p + "_BASE_URL", p + "_API_BASE", p + "_API_BASE_URL", p + "_ENDPOINT", p + "_URL", p + "_HOST"}
		}
	}
	return nil
}
