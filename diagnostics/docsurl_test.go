package diagnostics

import "testing"

// Issue 13: a real-shaped key inside an example.com URL is a key (a test
// that calls the API with it); only placeholders and documentation sites'
// sample URLs are dropped.
func TestKeysInExampleURLs(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int
	}{
		{`resp = get("https://api.example.com/v1/chat?key=` + encGroq + `")`, 1},
		{`url = "https://example.org/callback#token=` + encGroq + `"`, 1},
		{`// see https://api.example.com/v1/chat?key=sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`, 0},
		{`url = "https://api.example.com/v1/chat?key=gsk_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"`, 0},
		{`see https://docs.example.com/quickstart?key=` + encGroq, 0},
	} {
		if got := len(Default.Scan("client_test.py", []byte(tc.text))); got != tc.want {
			t.Errorf("%d findings in %s, want %d", got, tc.text, tc.want)
		}
	}
}
