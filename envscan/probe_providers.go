package envscan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// response is what one probe request brought back, provider-neutral.
type response struct {
	status int
	header http.Header
	body   []byte // the first bodyLimit bytes
	// From an error body, when it had one.
	message, errType, code, reason string
	err                            error // no HTTP response at all
	undecodable                    bool  // a 2xx whose body made no sense
}

const bodyLimit = 64 << 10

// providerProbe knows one provider's free request and opt-in quota request.
type providerProbe struct {
	probe func(ctx context.Context, c *http.Client, base string, req ProbeRequest) response
	quota func(ctx context.Context, c *http.Client, base string, req ProbeRequest) response
}

// quotaModels are the cheapest chat models for the 1-token quota check.
var quotaModels = map[string]string{
	"openai":     "gpt-4o-mini",
	"groq":       "llama-3.1-8b-instant",
	"mistral":    "mistral-small-latest",
	"deepseek":   "deepseek-chat",
	"xai":        "grok-3-mini",
	"openrouter": "openai/gpt-4o-mini",
	"together":   "meta-llama/Llama-3.2-3B-Instruct-Turbo",
	"anthropic":  "claude-3-5-haiku-latest",
}

var probers = map[string]providerProbe{
	"anthropic":   {probe: anthropicModels, quota: anthropicQuota},
	"gemini":      {probe: geminiModels},
	"huggingface": {probe: huggingFaceWhoami},
}

func init() {
	for id := range DefaultBaseURLs {
		if openAICompatible(id) {
			pp := providerProbe{probe: openAIModels}
			if quotaModels[id] != "" {
				pp.quota = openAIQuota
			}
			probers[id] = pp
		}
	}
}

func openAICompatible(id string) bool {
	switch id {
	case "anthropic", "gemini", "huggingface":
		return false
	}
	_, ok := DefaultBaseURLs[id]
	return ok
}

// recorder remembers the last response's status and headers, which
// go-openai does not return on every path (a 2xx body it cannot decode).
type recorder struct {
	next   http.RoundTripper
	status int
	header http.Header
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if resp != nil {
		r.status, r.header = resp.StatusCode, resp.Header
	}
	return resp, err
}

func recording(c *http.Client) (*http.Client, *recorder) {
	rec := &recorder{next: c.Transport}
	cc := *c
	cc.Transport = rec
	return &cc, rec
}

func openAIClient(c *http.Client, base string, req ProbeRequest) *openai.Client {
	cfg := openai.DefaultConfig(req.Key)
	cfg.BaseURL = base
	cfg.OrgID = req.Organization // sent as OpenAI-Organization
	cfg.HTTPClient = c
	return openai.NewClientWithConfig(cfg)
}

// openAIModels lists models through go-openai: GET {base}/models, Bearer.
func openAIModels(ctx context.Context, c *http.Client, base string, req ProbeRequest) response {
	if req.Provider == "openai" && strings.HasPrefix(req.Key, "sk-admin-") {
		// Admin keys are refused by /v1/models; they manage the org.
		return httpGet(ctx, c, base+"/organization/projects?limit=1", map[string]string{"Authorization": "Bearer " + req.Key})
	}
	c, rec := recording(c)
	models, err := openAIClient(c, base, req).ListModels(ctx)
	return fromOpenAI(err, models.Header(), rec)
}

// openAIQuota makes the 1-token chat completion (costs a token).
func openAIQuota(ctx context.Context, c *http.Client, base string, req ProbeRequest) response {
	c, rec := recording(c)
	resp, err := openAIClient(c, base, req).CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model: quotaModels[req.Provider],
		// max_tokens, not max_completion_tokens: every OpenAI-compatible
		// provider accepts it, and the quota models are not o1-series.
		//lint:ignore SA1019 see above
		MaxTokens: 1,
		Messages:  []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hi"}},
	})
	return fromOpenAI(err, resp.Header(), rec)
}

// fromOpenAI turns go-openai's errors into a response.
func fromOpenAI(err error, h http.Header, rec *recorder) response {
	if h == nil {
		h = rec.header
	}
	r := response{status: rec.status, header: h}
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case err == nil:
	case errors.As(err, &apiErr):
		r.status = apiErr.HTTPStatusCode
		r.message, r.errType = apiErr.Message, apiErr.Type
		if apiErr.Code != nil {
			r.code = fmt.Sprint(apiErr.Code)
		}
	case errors.As(err, &reqErr) && reqErr.HTTPStatusCode != 0:
		// Not a JSON error body: an HTML gateway page, empty, …
		r.status, r.body = reqErr.HTTPStatusCode, reqErr.Body
	case rec.status != 0:
		r.undecodable = true
	default:
		r.err = err
	}
	return r
}

func anthropicModels(ctx context.Context, c *http.Client, base string, req ProbeRequest) response {
	return httpGet(ctx, c, base+"/v1/models", map[string]string{"x-api-key": req.Key, "anthropic-version": "2023-06-01"})
}

func anthropicQuota(ctx context.Context, c *http.Client, base string, req ProbeRequest) response {
	body := fmt.Sprintf(`{"model":%q,"max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`, quotaModels["anthropic"])
	return httpDo(ctx, c, http.MethodPost, base+"/v1/messages", strings.NewReader(body),
		map[string]string{"x-api-key": req.Key, "anthropic-version": "2023-06-01", "content-type": "application/json"})
}

// geminiModels sends the key in x-goog-api-key, never as ?key=, so it stays
// out of URLs and logs.
func geminiModels(ctx context.Context, c *http.Client, base string, req ProbeRequest) response {
	return httpGet(ctx, c, base+"/v1beta/models?pageSize=1", map[string]string{"x-goog-api-key": req.Key})
}

func huggingFaceWhoami(ctx context.Context, c *http.Client, base string, req ProbeRequest) response {
	return httpGet(ctx, c, base+"/api/whoami-v2", map[string]string{"Authorization": "Bearer " + req.Key})
}

func httpGet(ctx context.Context, c *http.Client, u string, headers map[string]string) response {
	return httpDo(ctx, c, http.MethodGet, u, nil, headers)
}

func httpDo(ctx context.Context, c *http.Client, method, u string, body io.Reader, headers map[string]string) response {
	hr, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return response{err: err}
	}
	hr.Header.Set("Accept", "application/json")
	for k, v := range headers {
		hr.Header.Set(k, v)
	}
	resp, err := c.Do(hr)
	if err != nil {
		return response{err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, bodyLimit))
	r := response{status: resp.StatusCode, header: resp.Header, body: data}
	if err != nil && len(data) == 0 {
		// Headers came but the body broke off: treat as a network failure.
		r.err = err
		return r
	}
	if resp.StatusCode >= 400 {
		parseErrorBody(&r)
	} else if resp.StatusCode < 300 && !json.Valid(data) {
		r.undecodable = true
	}
	return r
}

// parseErrorBody reads the error shapes of OpenAI ({"error":{message,type,
// code}}), Anthropic ({"type":"error","error":{type,message}}), Google
// ({"error":{code,message,status,details:[{reason}]}}) and Hugging Face
// ({"error":"…"}).
func parseErrorBody(r *response) {
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(r.body, &env) != nil || len(env.Error) == 0 {
		return
	}
	var s string
	if json.Unmarshal(env.Error, &s) == nil {
		r.message = s
		return
	}
	var e struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"`
		Status  string          `json:"status"`
		Details []struct {
			Reason string `json:"reason"`
		} `json:"details"`
	}
	if json.Unmarshal(env.Error, &e) != nil {
		return
	}
	r.message, r.errType = e.Message, e.Type
	var code string
	if json.Unmarshal(e.Code, &code) == nil {
		r.code = code
	}
	if e.Status != "" {
		r.code = e.Status
	}
	for _, d := range e.Details {
		if d.Reason != "" {
			r.reason = d.Reason
			break
		}
	}
}

// outcome is a classified response.
type outcome struct {
	Result
	retry      bool
	retryAfter time.Duration
}

// keyPages are where a user regenerates a key.
var keyPages = map[string]string{
	"openai":      "https://platform.openai.com/api-keys",
	"anthropic":   "https://console.anthropic.com/settings/keys",
	"gemini":      "https://aistudio.google.com/app/apikey",
	"huggingface": "https://huggingface.co/settings/tokens",
	"groq":        "https://console.groq.com/keys",
	"mistral":     "https://console.mistral.ai/api-keys",
	"xai":         "https://console.x.ai",
	"deepseek":    "https://platform.deepseek.com/api_keys",
	"together":    "https://api.together.ai/settings/api-keys",
	"openrouter":  "https://openrouter.ai/settings/keys",
	"perplexity":  "https://www.perplexity.ai/settings/api",
}

var billingPages = map[string]string{
	"openai":    "https://platform.openai.com/settings/organization/billing",
	"anthropic": "https://console.anthropic.com/settings/billing",
}

func keyPage(provider string) string {
	if u := keyPages[provider]; u != "" {
		return " at " + u
	}
	return " in the provider's console"
}

// classify maps a response to a verdict (design.md, provider-probes.md).
func classify(req ProbeRequest, r response, base string, now time.Time) outcome {
	host := base
	if u, err := url.Parse(base); err == nil {
		host = u.Host
	}
	name := providerName(req.Provider)
	// Scrub before any truncation, which could cut a key in half where the
	// final scrubber no longer recognises it.
	r.message = scrubberFor(req).String(r.message)
	o := outcome{Result: Result{Status: r.status, RequestID: requestID(r.header), RateLimit: rateLimitHeaders(r.header)}}
	o.Code = firstNonEmpty(r.code, r.reason, r.errType)
	msg := strings.ToLower(r.message)
	set := func(v Verdict, detail string) outcome {
		o.Verdict, o.Detail = v, detail
		return o
	}
	if r.err != nil {
		o.Verdict = VerdictUnknown
		o.Code = "network"
		switch {
		case errors.Is(r.err, context.Canceled):
			o.Code = codeCancelled
			o.Detail = "The check was cancelled before the provider answered."
		case isDNS(r.err):
			// A name that does not exist will not exist in a second
			// either; a temporary resolver failure may pass.
			o.retry = !isDNSNotFound(r.err)
			o.Detail = fmt.Sprintf("Could not resolve %s (DNS failure): check the network, proxy or endpoint setting; the key was not checked.", host)
		case isNetworkTimeout(r.err) || errors.Is(r.err, context.DeadlineExceeded):
			o.Code, o.retry = "timeout", true
			o.Detail = fmt.Sprintf("%s did not answer in time: check the network and try again; the key was not checked.", host)
		case errors.Is(r.err, syscall.ECONNREFUSED):
			o.retry = true
			o.Detail = fmt.Sprintf("Connection to %s refused: check the network or the endpoint setting; the key was not checked.", host)
		default:
			o.retry = true
			o.Detail = fmt.Sprintf("Could not reach %s (%s): check the network; the key was not checked.", host, netReason(r.err))
		}
		return o
	}
	switch s := r.status; {
	case s >= 200 && s < 300 && r.undecodable:
		return set(VerdictUnknown, fmt.Sprintf("%s answered HTTP %d with a body that is not the %s API's: check the endpoint setting.", host, s, name))
	case s >= 200 && s < 300:
		detail := fmt.Sprintf("The %s key works (HTTP %d from %s).", name, s, host)
		if role := hfRole(r); role != "" {
			detail = fmt.Sprintf("The %s token works (role: %s).", name, role)
		}
		return set(VerdictValid, detail)
	case s >= 300 && s < 400:
		return set(VerdictUnknown, fmt.Sprintf("%s answered with a redirect (HTTP %d), which keyguard does not follow so the key cannot leak to another host: check the endpoint setting.", host, s))
	case s == 401:
		switch {
		case r.code == "mismatched_organization" || r.code == "mismatched_project" || strings.Contains(msg, "organization") && strings.Contains(msg, "match"):
			return set(VerdictRestricted, "The key is live but the organization/project sent with it does not own it: check OPENAI_ORG_ID / OPENAI_PROJECT_ID.")
		case strings.Contains(msg, "deactivated") || strings.Contains(msg, "revoked") || strings.Contains(msg, "disabled"):
			return set(VerdictRevoked, "The key was revoked or deactivated: create a new key"+keyPage(req.Provider)+" and replace it in the .env.")
		}
		return set(VerdictInvalid, "The "+name+" API rejected this key (wrong, mistyped or deleted): regenerate it"+keyPage(req.Provider)+" and update the .env.")
	case s == 400 && (r.reason == "API_KEY_INVALID" || strings.Contains(msg, "api key not valid") || r.reason == "API_KEY_EXPIRED" || strings.Contains(msg, "api key expired")):
		return set(VerdictInvalid, "The "+name+" API rejected this key: regenerate it"+keyPage(req.Provider)+" and update the .env.")
	case s == 400 && strings.Contains(msg, "credit balance is too low"):
		return set(VerdictNoQuota, "The key works but the account has no credit: check billing"+billingPage(req.Provider)+".")
	case s == 403:
		why := "its scopes, project, region or IP allowlist"
		switch {
		case strings.Contains(msg, "missing scopes"):
			why = "it lacks a scope (" + truncate(r.message[strings.Index(msg, "missing scopes"):], 60) + ")"
		case r.code == "unsupported_country_region_territory" || strings.Contains(msg, "region"):
			why = "this country/region is not supported"
		case r.reason != "":
			why = "the key's API restrictions refuse it (" + r.reason + ")"
		case strings.Contains(msg, "ip address") || strings.Contains(msg, "allowlist") || strings.Contains(msg, " ip "):
			why = "the caller's IP is not on the allowlist"
		}
		return set(VerdictRestricted, "The key is live but not allowed here: "+why+"; check the key's org/project and permissions.")
	case s == 429 && (r.code == "insufficient_quota" || r.code == "billing_not_active" || r.errType == "insufficient_quota" || strings.Contains(msg, "exceeded your current quota") || strings.Contains(msg, "billing")):
		return set(VerdictNoQuota, "The key works but the account has no quota or billing is off: check billing"+billingPage(req.Provider)+".")
	case s == 429:
		o.retry = true
		o.retryAfter = retryAfter(r.header, now)
		wait := ""
		if o.retryAfter > 0 {
			wait = fmt.Sprintf(" (provider asks to wait %s)", o.retryAfter.Round(time.Millisecond))
		}
		return set(VerdictRateLimited, "Rate limited by "+name+wait+": wait and back off before retrying; the key itself was not judged.")
	case s >= 500 || s == 529:
		o.retry = true
		o.retryAfter = retryAfter(r.header, now)
		what := fmt.Sprintf("HTTP %d", s)
		if isHTML(r) {
			what += ", an HTML gateway page"
		}
		return set(VerdictUnknown, fmt.Sprintf("%s had trouble (%s): try again later; the key was not judged.", host, what))
	case s == 404:
		return set(VerdictUnknown, fmt.Sprintf("%s answered 404: the endpoint is probably wrong (check the base URL); the key was not judged.", host))
	}
	return set(VerdictUnknown, fmt.Sprintf("%s answered HTTP %d%s: the key was not judged.", host, r.status, suffix(r.message)))
}

func billingPage(provider string) string {
	if u := billingPages[provider]; u != "" {
		return " at " + u
	}
	return " in the provider's console"
}

func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return " (" + truncate(msg, 80) + ")"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func isHTML(r response) bool {
	ct := ""
	if r.header != nil {
		ct = r.header.Get("Content-Type")
	}
	return strings.Contains(ct, "html") || bytes.HasPrefix(bytes.TrimSpace(bytes.ToLower(r.body)), []byte("<"))
}

func hfRole(r response) string {
	var who struct {
		Auth struct {
			AccessToken struct {
				Role string `json:"role"`
			} `json:"accessToken"`
		} `json:"auth"`
	}
	if json.Unmarshal(r.body, &who) != nil {
		return ""
	}
	return who.Auth.AccessToken.Role
}

func requestID(h http.Header) string {
	for _, k := range []string{"x-request-id", "request-id", "x-goog-request-id", "cf-ray"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// rateLimitHeaders keeps the rate-limit headers as received, for hover.
func rateLimitHeaders(h http.Header) map[string]string {
	var out map[string]string
	for k, v := range h {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-ratelimit-") || strings.HasPrefix(lk, "anthropic-ratelimit-") || lk == "retry-after" || lk == "retry-after-ms" {
			if out == nil {
				out = map[string]string{}
			}
			out[lk] = strings.Join(v, ", ")
		}
	}
	return out
}

func isDNS(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de)
}

func isDNSNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// netReason names a transport error without repeating the URL.
func netReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection reset"
	}
	return truncate(err.Error(), 80)
}
