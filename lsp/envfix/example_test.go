package envfix

import "testing"

func TestAddToEnv(t *testing.T) {
	const key = "sk-proj-abcDEF123ghiJKL456mnoPQR789stuVWX"
	for _, tc := range []struct {
		name      string
		env       []byte
		wantName  string
		wantAfter string // "" when no change
	}{
		{"no .env", nil, "OPENAI_API_KEY", "OPENAI_API_KEY=" + key + "\n"},
		{"name free", []byte("DEBUG=1"), "OPENAI_API_KEY", "DEBUG=1\nOPENAI_API_KEY=" + key + "\n"},
		{"already there", []byte("MY_KEY=" + key + "\n"), "MY_KEY", ""},
		{"name taken by another key", []byte("OPENAI_API_KEY=other\r\n"), "OPENAI_API_KEY_2", "OPENAI_API_KEY=other\r\nOPENAI_API_KEY_2=" + key + "\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, ch, err := AddToEnv(tc.env, "OPENAI_API_KEY", key)
			if err != nil {
				t.Fatal(err)
			}
			if name != tc.wantName {
				t.Errorf("name %q, want %q", name, tc.wantName)
			}
			if tc.wantAfter == "" {
				if ch != nil {
					t.Errorf("a change for a key already in .env: %+v", ch)
				}
				return
			}
			base := tc.env
			if ch.Create {
				base = nil
			}
			got, err := Apply(base, ch.Edits)
			if err != nil || string(got) != tc.wantAfter {
				t.Errorf(".env after = %q, %v; want %q", got, err, tc.wantAfter)
			}
			if ch.Create != (tc.env == nil) {
				t.Errorf("create = %v", ch.Create)
			}
		})
	}
}
