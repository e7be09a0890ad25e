package envscan

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	huge := make([]byte, 10<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range huge {
		// printable bytes, newlines and the odd '=' and quote
		huge[i] = " =\"'#\nABCabc_\t\\$"[rng.IntN(16)]
	}
	files := map[string][]byte{
		"binary.env":       {0x7f, 'E', 'L', 'F', 0, 1, 2, 3, '=', 0xff},
		"huge.env":         huge,
		"unterminated.env": []byte("A=1\nOPENAI_API_KEY=\"sk-proj-abc\nB=2\n"),
		"invalid-utf8.env": []byte("OPENAI_API_KEY=sk-\xff\xfe\xfd-abc\nX=\xc3\x28\n"),
		"crlf-bom.env":     []byte("\ufeffA=1\r\nB=\"x\r\ny\"\r\n"),
	}
	sums := map[string][32]byte{}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		sums[p] = sha256.Sum256(data)
	}
	if err := os.Mkdir(filepath.Join(dir, ".env"), 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for name := range files {
		paths = append(paths, filepath.Join(dir, name))
	}
	paths = append(paths, filepath.Join(dir, ".env"), filepath.Join(dir, "missing.env"))

	start := time.Now()
	rep, err := Check(context.Background(), paths, NewProber(ProberConfig{}), CheckOptions{Probe: false, Identify: prefixIdentify})
	t.Logf("Check over %d files (one 10 MB) took %v", len(paths), time.Since(start))

	var fileErrs []string
	for _, e := range unwrapAll(err) {
		var fe *FileError
		if !errors.As(e, &fe) {
			t.Errorf("not a FileError: %v", e)
			continue
		}
		fileErrs = append(fileErrs, filepath.Base(fe.File)+": "+fe.Err.Error())
	}
	wantErrs := []string{"binary.env: looks binary", ".env: is a directory", "missing.env: no such file"}
	if len(fileErrs) != len(wantErrs) {
		t.Errorf("file errors %q, want %d", fileErrs, len(wantErrs))
	}
	for _, w := range wantErrs {
		found := false
		for _, g := range fileErrs {
			found = found || strings.HasPrefix(g, w)
		}
		if !found {
			t.Errorf("no error %q in %q", w, fileErrs)
		}
	}
	lines := map[string][]string{}
	for _, is := range rep.Issues {
		if is.Line < 1 || is.Message == "" {
			t.Errorf("issue without line or message: %+v", is)
		}
		lines[filepath.Base(is.File)] = append(lines[filepath.Base(is.File)], is.Check)
	}
	for file, check := range map[string]string{"unterminated.env": CheckParseError, "invalid-utf8.env": CheckInvalidUTF8, "crlf-bom.env": CheckBOM, "huge.env": CheckParseError} {
		if !contains(lines[file], check) {
			t.Errorf("%s: no %s issue in %v", file, check, lines[file])
		}
	}
	for p, sum := range sums {
		data, _ := os.ReadFile(p)
		if sha256.Sum256(data) != sum {
			t.Errorf("%s changed", p)
		}
	}
}

func unwrapAll(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestKeysToProbe(t *testing.T) {
	in := strings.Join([]string{
		"OPENAI_API_KEY=sk-proj-first-is-overridden-" + strings.Repeat("a", 20),
		"OPENAI_ORG_ID=org-123",
		"OPENAI_PROJECT_ID=proj_456",
		"OPENAI_BASE_URL=https://evil.example/v1",
		"OPENAI_API_KEY=" + oaKey,
		"ANTHROPIC_API_KEY=your-anthropic-key-goes-here",
		"HF_TOKEN=hf_" + strings.Repeat("q", 34),
		"SOME_TOKEN=" + anKey,
		"DEBUG=true",
	}, "\n")
	got := map[string]ProbeRequest{}
	for _, kv := range KeysToProbe(Parse(".env", []byte(in)), prefixIdentify) {
		got[kv.Var.Name] = kv.Request
	}
	want := map[string]ProbeRequest{
		"OPENAI_API_KEY": {Provider: "openai", Key: oaKey, Organization: "org-123", Project: "proj_456", BaseURL: "https://evil.example/v1"},
		"HF_TOKEN":       {Provider: "huggingface", Key: "hf_" + strings.Repeat("q", 34)},
		"SOME_TOKEN":     {Provider: "anthropic", Key: anKey},
	}
	// Secrets (what results are scrubbed of) have their own test.
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(ProbeRequest{}, "Secrets", "Context")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCheckProbesWithFake(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	p := filepath.Join(dir, ".env")
	in := "OPENAI_API_KEY=" + oaKey + "\nANTHROPIC_API_KEY=" + anKey + "\n"
	if err := os.WriteFile(p, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	f.fp.Set(oaKey, f.fp.Scenario("openai", "valid"))
	f.fp.Set(anKey, f.fp.Scenario("anthropic", "invalid key"))
	rep, err := Check(context.Background(), []string{p}, NewProber(f.cfg), CheckOptions{Probe: true, Identify: prefixIdentify})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Verdict{}
	for _, r := range rep.Results {
		got[r.Var] = r.Verdict
		if r.Secret == "" || strings.Contains(r.Secret, oaKey[10:]) {
			t.Errorf("secret not masked: %q", r.Secret)
		}
	}
	if diff := cmp.Diff(map[string]Verdict{"OPENAI_API_KEY": VerdictValid, "ANTHROPIC_API_KEY": VerdictInvalid}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !rep.Bad() {
		t.Errorf("an invalid key must make the report bad")
	}
	data, _ := os.ReadFile(p)
	if !bytes.Equal(data, []byte(in)) {
		t.Errorf("file changed")
	}
}
