package google

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-2d15385e/awsfed/idp/internal/form"
)

// FuzzClassify feeds any page, at a 2020 and a 2024 sign-in URL, to the
// Google page classifier: it must not panic, and must name a kind it knows.
func FuzzClassify(f *testing.F) {
	pages, _ := filepath.Glob(filepath.Join("googletest", "pages", "*.html"))
	if dir := os.Getenv("AWSFED_GOOGLE_FIXTURES"); dir != "" {
		real, _ := filepath.Glob(filepath.Join(dir, "*.html"))
		pages = append(pages, real...)
	}
	for _, p := range pages {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, false)
			f.Add(b, true)
		}
	}
	old, _ := url.Parse("https://accounts.google.com/signin/challenge/totp/2")
	v3, _ := url.Parse("https://accounts.google.com/v3/signin/challenge/pwd")
	f.Fuzz(func(t *testing.T, body []byte, newer bool) {
		u := old
		if newer {
			u = v3
		}
		p, err := form.Parse(u, 200, body)
		if err != nil {
			return
		}
		g := Classify(p)
		if g.Kind < KindUnknown || g.Kind > KindTooManyAttempts || g.Kind.String() == "" {
			t.Fatalf("Classify gave kind %d", g.Kind)
		}
		if g.Kind == KindSAML && g.SAMLResponse == "" {
			if _, _, ok := p.SAMLResponse(); !ok {
				t.Fatal("a SAML page without a SAMLResponse form")
			}
		}
	})
}
