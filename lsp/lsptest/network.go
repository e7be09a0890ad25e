package lsptest

import (
	"fmt"
	"net"
	"net/http"
)

// loopbackOnly is the in-process server's default probe transport: a test
// that forgot to point a provider at the fake gets an error, never a
// request to a real provider (hardcoded keys are probed on open by
// default, so any test opening a file with a key would otherwise try).
type loopbackOnly struct{}

func (loopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	host := r.URL.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("lsptest: probe to %s refused: tests never reach a real provider (set an endpoint to the fake)", host)
	}
	return http.DefaultTransport.RoundTrip(r)
}
