package fakeprovider

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, url string, header map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEveryScenarioReplays(t *testing.T) {
	fp := New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	for i, sc := range Scenarios() {
		key := "key-" + string(rune('a'+i))
		fp.Set(key, fp.Scenario(sc.Provider, sc.Name))
		path := sc.Request.Path
		hdr := map[string]string{"Authorization": "Bearer " + key}
		switch sc.Provider {
		case "anthropic":
			hdr = map[string]string{"x-api-key": key}
		case "gemini":
			hdr = map[string]string{"x-goog-api-key": key}
		}
		code, body := get(t, srv.URL+path, hdr)
		if code != sc.Status {
			t.Errorf("%s/%s: status %d, want %d", sc.Provider, sc.Name, code, sc.Status)
		}
		if sc.Status >= 400 && !strings.Contains(body, "error") && !strings.Contains(body, "Bad Gateway") {
			t.Errorf("%s/%s: body %q", sc.Provider, sc.Name, body)
		}
	}
}

func TestControlAPIAndDefaults(t *testing.T) {
	fp := New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/_fake/keys", "application/json", strings.NewReader(`{"key":"k1","sequence":["500","openai/valid"]}`))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("set: %v %v", err, resp.Status)
	}
	auth := map[string]string{"Authorization": "Bearer k1"}
	if code, _ := get(t, srv.URL+"/v1/models", auth); code != 500 {
		t.Errorf("first answer %d, want 500", code)
	}
	for range 2 { // the last answer repeats
		if code, _ := get(t, srv.URL+"/v1/models", auth); code != 200 {
			t.Errorf("later answer %d, want 200", code)
		}
	}
	if code, _ := get(t, srv.URL+"/v1/models", map[string]string{"Authorization": "Bearer unknown"}); code != 401 {
		t.Errorf("unknown key: %d, want 401", code)
	}
	if code, _ := get(t, srv.URL+"/v1/elsewhere", auth); code != 404 {
		t.Errorf("unknown path: %d, want 404", code)
	}
	bad, _ := http.Post(srv.URL+"/_fake/keys", "application/json", strings.NewReader(`{"key":"k2","scenario":"openai/nope"}`))
	if bad.StatusCode != 400 {
		t.Errorf("unknown scenario accepted: %d", bad.StatusCode)
	}
	_, body := get(t, srv.URL+"/_fake/requests", nil)
	var reqs []struct {
		Path    string
		Headers map[string]string
	}
	if err := json.Unmarshal([]byte(body), &reqs); err != nil || len(reqs) != 5 {
		t.Fatalf("requests: %v %s", err, body)
	}
	if strings.Contains(body, "k1") || reqs[0].Headers["Authorization"] != "(masked)" {
		t.Errorf("auth headers not masked: %s", body)
	}
	if fp.Count("k1") != 4 || fp.Count("") != 5 {
		t.Errorf("counts %d %d", fp.Count("k1"), fp.Count(""))
	}
}
