package diagnostics

import "testing"

func TestScanBinary(t *testing.T) {
	key := "gsk_" + "Iw23uPOzcF3U9lY6snmaWGdyb3FY7rFwT2FFaGHtkUxnszs6TiYs"
	for _, tc := range []struct {
		name, content string
		want          int
	}{
		// A marshalled Python string: type byte, length byte ('8' is 56),
		// the key, the next object's type byte ('z').
		{"pyc-style glued", "\xe3\x00\xda8" + key + "z\xa4\x00", 1},
		{"NUL-separated", "\x00" + key + "\x00", 1},
		// Context and generic rules stay off in binary data.
		{"context rule", "\x00mistral_api_key = \"Qm9vbGVhblF1ZXN0aW9uRmFjdG9yeUlt\"\x00", 0},
		{"generic rule", "\x00OPENAI_API_KEY = \"a8f5f167f44f4964e6c998dee827110c\"\x00", 0},
		{"placeholder", "\x00sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\x00", 0},
	} {
		fs := ScanBinary("x.pyc", []byte(tc.content))
		if len(fs) != tc.want {
			t.Errorf("%s: %d findings, want %d: %+v", tc.name, len(fs), tc.want, fs)
			continue
		}
		if tc.want == 1 && (fs[0].Key != key || fs[0].Path != "x.pyc" || fs[0].Code != CodeHardcodedKey) {
			t.Errorf("%s: finding %+v", tc.name, fs[0])
		}
	}
	// Text scanning keeps its boundaries: a glued key is not a key there.
	if fs := Default.Scan("x.txt", []byte("8"+key+"z")); len(fs) != 0 {
		t.Errorf("text scan of a glued key: %+v", fs)
	}
}
