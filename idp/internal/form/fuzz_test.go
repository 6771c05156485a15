package form

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds any bytes to the one HTML form parser: it must not
// panic, and whatever it finds must be consistent (forms resolved against
// the page's URL, at most one SAMLResponse form chosen).
func FuzzParse(f *testing.F) {
	pages, _ := filepath.Glob(filepath.Join("..", "..", "generic", "generictest", "pages", "*.html"))
	for _, p := range pages {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<form action="?x" method=post><input name=SAMLResponse value=""><input name=SAMLResponse value="abc"></form>`))
	f.Add([]byte(`<form><input type=password name=p><input name="otp" autocomplete=one-time-code></form><noscript>`))
	u, _ := url.Parse("https://idp.example.com/sso/login?x=1")
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := Parse(u, 200, body)
		if err != nil {
			return
		}
		for _, fm := range page.Forms {
			if fm.Action == nil || !fm.Action.IsAbs() {
				t.Fatalf("a form's action %v is not absolute", fm.Action)
			}
		}
		if fm, v, ok := page.SAMLResponse(); ok && (fm == nil || fm.Input("SAMLResponse") == nil) || !ok && v != "" {
			t.Fatalf("SAMLResponse() = %v, %q, %v", fm, v, ok)
		}
		page.LoginForm()
		page.CodeForm()
		page.AutoSubmitForm()
		page.ErrorText()
	})
}
