// Command fakeprovider runs envscan/fakeprovider on 127.0.0.1 for editor
// end-to-end tests. It prints its base URL (http://127.0.0.1:PORT) as the
// first line on stdout and serves until killed or stdin closes.
//
// Point keyguard at it with endpoints such as
// {"openai": "<URL>/v1", "anthropic": "<URL>"}. Choose the answer per key:
//
//	fakeprovider -key 'sk-proj-…=openai/valid' -key 'sk-ant-…=anthropic/invalid key'
//
// or at run time: POST <URL>/_fake/keys {"key":"…","scenario":"openai/valid"}.
// Scenarios are "provider/name" from provider-responses.json, or the faults
// "reset", "slow", "500", "html502". An unknown key gets the provider's
// "invalid key" answer. GET <URL>/_fake/requests lists what arrived (auth
// headers masked).
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/keyguard/keyguard/envscan/fakeprovider"
)

type keyFlags []string

func (k *keyFlags) String() string     { return strings.Join(*k, ",") }
func (k *keyFlags) Set(v string) error { *k = append(*k, v); return nil }

func main() {
	var keys keyFlags
	flag.Var(&keys, "key", "KEY=provider/scenario (repeatable); the last '=' separates key and scenario")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	exitOnEOF := flag.Bool("exit-on-stdin-eof", true, "exit when stdin closes, so a test's child never outlives it")
	flag.Parse()

	fp := fakeprovider.New()
	for _, kv := range keys {
		i := strings.LastIndex(kv, "=")
		if i <= 0 {
			fmt.Fprintf(os.Stderr, "fakeprovider: -key %q: want KEY=provider/scenario\n", kv)
			os.Exit(2)
		}
		resp, err := fp.Named(kv[i+1:])
		if err != nil {
			fmt.Fprintf(os.Stderr, "fakeprovider: %v\n", err)
			os.Exit(2)
		}
		fp.Set(kv[:i], resp)
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !(host == "127.0.0.1" || host == "::1" || host == "localhost") {
		fmt.Fprintln(os.Stderr, "fakeprovider: -addr must be a loopback address")
		os.Exit(2)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fakeprovider: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", l.Addr())
	if *exitOnEOF {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			os.Exit(0)
		}()
	}
	if err := http.Serve(l, fp); err != nil {
		fmt.Fprintf(os.Stderr, "fakeprovider: %v\n", err)
		os.Exit(1)
	}
}
