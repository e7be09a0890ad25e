package verify

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan"
	"github.com/keyguard/keyguard/envscan/fakeprovider"
)

func TestKeysOncePerFingerprint(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	// Key-shaped strings built at run time.
	k1 := "sk-proj-" + strings.Repeat("Qw3rTy7uIo9p", 6) + "T3Blbk" + "FJ" + strings.Repeat("aS2dF4gH6jK8", 6)
	k2 := "sk-proj-" + strings.Repeat("Zx1cV3bN5mL7", 6) + "T3Blbk" + "FJ" + strings.Repeat("pO9iU7yT5rE3", 6)
	fp.Set(k1, fp.Scenario("openai", "valid"))
	finding := func(k, path string) diagnostics.Finding {
		return diagnostics.Finding{Path: path, Provider: "openai", Key: k, Fingerprint: diagnostics.Fingerprint(k)}
	}
	fs := []diagnostics.Finding{finding(k1, "a.py"), finding(k2, "b.py"), finding(k1, "c.py"),
		{Path: "d.py", Provider: "openai", Fingerprint: "0000000000000000"}} // no key: never probed
	prober := envscan.NewProber(envscan.ProberConfig{Endpoints: map[string]string{"openai": srv.URL + "/v1"}})
	got := Keys(context.Background(), prober, fs)
	if len(got) != 2 || got[diagnostics.Fingerprint(k1)].Verdict != envscan.VerdictValid || got[diagnostics.Fingerprint(k2)].Verdict != envscan.VerdictInvalid {
		t.Errorf("results %+v", got)
	}
	if n := fp.Count(""); n != 2 {
		t.Errorf("%d requests for 2 distinct keys", n)
	}
	// Cancelled: nothing more is asked.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	Keys(ctx, envscan.NewProber(envscan.ProberConfig{Endpoints: map[string]string{"openai": srv.URL + "/v1"}}), fs)
	if n := fp.Count(""); n != 2 {
		t.Errorf("a cancelled verification made %d requests", n-2)
	}
}

func TestLive(t *testing.T) {
	for v, want := range map[envscan.Verdict]bool{
		envscan.VerdictValid: true, envscan.VerdictRestricted: true, envscan.VerdictNoQuota: true, envscan.VerdictRateLimited: true,
		envscan.VerdictInvalid: false, envscan.VerdictRevoked: false, envscan.VerdictUnknown: false, envscan.VerdictSkipped: false,
	} {
		if Live(v) != want {
			t.Errorf("Live(%s) = %v", v, !want)
		}
	}
	if !Undecided(envscan.VerdictUnknown) || Undecided(envscan.VerdictSkipped) {
		t.Error("Undecided")
	}
}

// Past MaxKeys distinct keys nothing more is asked, and the rest are
// unknown — undecided, so --fail-on live fails closed rather than letting
// decoys push a live key past the cap unverified.
func TestKeysCapped(t *testing.T) {
	defer func(old int) { MaxKeys = old }(MaxKeys)
	MaxKeys = 3
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	var fs []diagnostics.Finding
	for i := range 8 {
		k := "sk-proj-" + strings.Repeat("Qw3rTy7uIo9p", 6) + "T3Blbk" + "FJ" + strings.Repeat("aS2dF4gH6jK8", 5) + strings.Repeat(string(rune('a'+i)), 12)
		fs = append(fs, diagnostics.Finding{Path: "a.py", Provider: "openai", Key: k, Fingerprint: diagnostics.Fingerprint(k)})
	}
	prober := envscan.NewProber(envscan.ProberConfig{Endpoints: map[string]string{"openai": srv.URL + "/v1"}})
	got := Keys(context.Background(), prober, fs)
	if n := fp.Count(""); n != 3 {
		t.Errorf("%d requests, want 3 (the cap)", n)
	}
	unknown := 0
	for _, f := range fs {
		r := got[f.Fingerprint]
		if Undecided(r.Verdict) && strings.Contains(r.Detail, "more than 3 distinct keys") {
			unknown++
		}
	}
	if len(got) != 8 || unknown != 5 {
		t.Errorf("%d results, %d undecided past the cap; want 8 and 5", len(got), unknown)
	}
}
