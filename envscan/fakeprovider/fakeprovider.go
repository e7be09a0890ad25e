// Package fakeprovider is a stand-in for the AI providers' APIs, for tests:
// an http.Handler (serve it with httptest.NewServer on 127.0.0.1) that
// replays the scenarios of provider-responses.json (a copy of
// shared/anchors/provider-responses.json) and a few network faults.
//
// One server answers every provider; the answer is chosen by the key in the
// request's auth header (Authorization: Bearer, x-api-key or
// x-goog-api-key), so a test can give each key its own verdict:
//
//	fp := fakeprovider.New()
//	srv := httptest.NewServer(fp)
//	fp.Set(key1, fp.Scenario("openai", "valid"))
//	fp.Set(key2, fakeprovider.Status(500, "boom"), fp.Scenario("openai", "valid")) // fails once, then works
//	fp.Set(key3, fakeprovider.Reset())
//	… probe with endpoint srv.URL+"/v1" …
//	fp.Requests() // what arrived, for assertions
//
// An unknown key gets the provider's "invalid key" scenario. The server
// also answers a small control API, used by cmd/fakeprovider's clients:
// POST /_fake/keys {"key":"…","scenario":"openai/valid"} and
// GET /_fake/requests (auth header values masked).
package fakeprovider

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed provider-responses.json
var scenariosJSON []byte

// Scenario is one entry of provider-responses.json.
type Scenario struct {
	Provider string `json:"provider"`
	Name     string `json:"scenario"`
	Request  struct {
		Method string `json:"method"`
		Path   string `json:"path"`
	} `json:"request"`
	Status    int               `json:"status"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	Verdict   string            `json:"verdict"`
	Retryable bool              `json:"retryable"`
}

// Scenarios returns every scenario of the embedded file, in file order.
func Scenarios() []Scenario {
	var out []Scenario
	if err := json.Unmarshal(scenariosJSON, &out); err != nil {
		panic("fakeprovider: bad embedded provider-responses.json: " + err.Error())
	}
	return out
}

// Response is one canned answer.
type Response struct {
	Status  int
	Headers map[string]string
	Body    []byte
	Delay   time.Duration // wait before answering (or until the client gives up)
	Reset   bool          // hijack the connection and close it, no answer
}

// Status is a plain answer with a text body.
func Status(code int, body string) Response {
	return Response{Status: code, Body: []byte(body), Headers: map[string]string{"Content-Type": "text/plain"}}
}

// Reset closes the connection without answering.
func Reset() Response { return Response{Reset: true} }

// Slow delays r by d.
func Slow(d time.Duration, r Response) Response { r.Delay = d; return r }

// RetryAfter is a 429 rate-limit answer asking to wait (headers as given:
// "retry-after" seconds or date, "retry-after-ms").
func RetryAfter(headers map[string]string) Response {
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range headers {
		h[k] = v
	}
	return Response{Status: 429, Headers: h,
		Body: []byte(`{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}`)}
}

// Request is what the server received.
type Request struct {
	Method string
	Path   string
	Query  string
	Host   string
	Header http.Header
	Key    string // the key found in the auth header
	At     time.Time
}

// Server is the fake provider. It is safe for concurrent use.
type Server struct {
	scenarios []Scenario

	mu       sync.Mutex
	plans    map[string][]Response // per key, played in order; the last repeats
	served   map[string]int
	requests []Request
	inFlight int
	maxIn    int
}

// New builds a Server over the embedded scenarios.
func New() *Server {
	return &Server{scenarios: Scenarios(), plans: map[string][]Response{}, served: map[string]int{}}
}

// Scenario returns the answer of a named scenario ("openai", "valid"). It
// panics on an unknown name: that is a bug in the test.
func (s *Server) Scenario(provider, name string) Response {
	for _, sc := range s.scenarios {
		if sc.Provider == provider && sc.Name == name {
			return scenarioResponse(sc)
		}
	}
	panic(fmt.Sprintf("fakeprovider: no scenario %s/%s", provider, name))
}

func scenarioResponse(sc Scenario) Response {
	r := Response{Status: sc.Status, Headers: map[string]string{}}
	for k, v := range sc.Headers {
		r.Headers[k] = v
	}
	var text string
	if json.Unmarshal(sc.Body, &text) == nil {
		r.Body = []byte(text) // a non-JSON body (HTML page) stored as a string
		if r.Headers["content-type"] == "" {
			r.Headers["content-type"] = "text/plain"
		}
	} else {
		r.Body = sc.Body
		if r.Headers["content-type"] == "" {
			r.Headers["content-type"] = "application/json"
		}
	}
	return r
}

// Set makes key get the responses in order (the last one repeats).
func (s *Server) Set(key string, responses ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plans[key] = responses
	s.served[key] = 0
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count is the number of requests received for key ("" counts all).
func (s *Server) Count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if key == "" || r.Key == key {
			n++
		}
	}
	return n
}

// MaxInFlight is the most requests the server handled at once.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxIn
}

// keyOf finds the key and guesses the provider from the auth header.
func keyOf(r *http.Request) (key, provider string) {
	switch {
	case r.Header.Get("x-api-key") != "":
		return r.Header.Get("x-api-key"), "anthropic"
	case r.Header.Get("x-goog-api-key") != "":
		return r.Header.Get("x-goog-api-key"), "gemini"
	}
	key = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if strings.HasSuffix(r.URL.Path, "/api/whoami-v2") {
		return key, "huggingface"
	}
	return key, "openai"
}

// knownPaths are the endpoints probes use; anything else is a 404, which
// catches a probe building a wrong URL.
var knownPaths = []string{"/models", "/api/whoami-v2", "/organization/projects", "/chat/completions", "/v1/messages"}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_fake/") {
		s.control(w, r)
		return
	}
	key, provider := keyOf(r)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Host: r.Host,
		Header: r.Header.Clone(), Key: key, At: time.Now()})
	s.inFlight++
	s.maxIn = max(s.maxIn, s.inFlight)
	resp, planned := s.next(key)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()

	known := false
	for _, p := range knownPaths {
		known = known || strings.HasSuffix(r.URL.Path, p)
	}
	switch {
	case !known:
		resp = Response{Status: 404, Body: []byte(`{"error":{"message":"Unknown path","type":"invalid_request_error","code":"unknown_url"}}`)}
	case key == "" || !planned:
		resp = s.Scenario(provider, invalidScenario(provider))
	}
	if resp.Delay > 0 {
		select {
		case <-time.After(resp.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if resp.Reset {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(resp.Status)
	w.Write(resp.Body)
}

func invalidScenario(provider string) string {
	if provider == "huggingface" {
		return "invalid"
	}
	return "invalid key"
}

// next is the planned response for key; the caller holds s.mu.
func (s *Server) next(key string) (Response, bool) {
	plan, ok := s.plans[key]
	if !ok || len(plan) == 0 {
		return Response{}, false
	}
	i := min(s.served[key], len(plan)-1)
	s.served[key]++
	return plan[i], true
}

// control is the small HTTP API cmd/fakeprovider's users drive.
func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/_fake/keys" && r.Method == http.MethodPost:
		var in struct {
			Key      string   `json:"key"`
			Scenario string   `json:"scenario"` // "openai/valid"
			Sequence []string `json:"sequence"` // several, in order
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Key == "" {
			http.Error(w, "want {\"key\":…,\"scenario\":\"provider/name\"}", http.StatusBadRequest)
			return
		}
		names := in.Sequence
		if in.Scenario != "" {
			names = append([]string{in.Scenario}, names...)
		}
		var plan []Response
		for _, n := range names {
			resp, err := s.Named(n)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			plan = append(plan, resp)
		}
		s.Set(in.Key, plan...)
		w.WriteHeader(http.StatusNoContent)
	case r.URL.Path == "/_fake/requests":
		type masked struct {
			Method, Path, Query string
			Headers             map[string]string
		}
		var out []masked
		for _, q := range s.Requests() {
			h := map[string]string{}
			for k := range q.Header {
				v := q.Header.Get(k)
				if lk := strings.ToLower(k); lk == "authorization" || lk == "x-api-key" || lk == "x-goog-api-key" {
					v = "(masked)"
				}
				h[k] = v
			}
			out = append(out, masked{q.Method, q.Path, q.Query, h})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	default:
		http.NotFound(w, r)
	}
}

// Named resolves "provider/scenario" or one of the faults "reset",
// "slow" (a valid OpenAI answer after 3 s), "500", "html502".
func (s *Server) Named(name string) (resp Response, err error) {
	switch name {
	case "reset":
		return Reset(), nil
	case "slow":
		return Slow(3*time.Second, s.Scenario("openai", "valid")), nil
	case "500":
		return Status(500, "internal error"), nil
	case "html502":
		return s.Scenario("openai", "gateway html"), nil
	}
	provider, scen, ok := strings.Cut(name, "/")
	if !ok {
		return Response{}, fmt.Errorf("unknown scenario %q; want provider/name, one of %s", name, strings.Join(s.names(), ", "))
	}
	defer func() {
		if recover() != nil {
			err = fmt.Errorf("unknown scenario %q; known: %s", name, strings.Join(s.names(), ", "))
		}
	}()
	return s.Scenario(provider, scen), nil
}

func (s *Server) names() []string {
	var out []string
	for _, sc := range s.scenarios {
		out = append(out, sc.Provider+"/"+sc.Name)
	}
	sort.Strings(out)
	return out
}
