package form

import (
	"bytes"
	"net/url"
	"testing"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func parse(t *testing.T, page, html string) *Page {
	t.Helper()
	p, err := Parse(mustURL(t, page), 200, []byte(html))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResolveAction(t *testing.T) {
	const page = "https://idp.example.com/sso/login.php?AuthState=abc&x=1#frag"
	tests := []struct {
		action, want string
	}{
		{"", "https://idp.example.com/sso/login.php?AuthState=abc&x=1"},
		{"#", "https://idp.example.com/sso/login.php?AuthState=abc&x=1"},
		{"#top", "https://idp.example.com/sso/login.php?AuthState=abc&x=1"},
		{"?", "https://idp.example.com/sso/login.php?"},
		{"?a=b", "https://idp.example.com/sso/login.php?a=b"},
		{"/totp2fcheck", "https://idp.example.com/totp2fcheck"},
		{"next.php", "https://idp.example.com/sso/next.php"},
		{"../up", "https://idp.example.com/up"},
		{"https://other.example.org/saml", "https://other.example.org/saml"},
		{"//cdn.example.net/x", "https://cdn.example.net/x"},
		{"  /spaced  ", "https://idp.example.com/spaced"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			got := ResolveAction(mustURL(t, page), tt.action).String()
			if got != tt.want {
				t.Errorf("ResolveAction(%q) = %q, want %q", tt.action, got, tt.want)
			}
		})
	}
}

func TestValues(t *testing.T) {
	p := parse(t, "https://idp.example.com/login", `<form method="post" action="?">
	<input type="hidden" name="AuthState" value="a&amp;b">
	<input type="hidden" id="processing" value="unnamed is never sent">
	<input name="timezone" type="hidden">
	<input type="text" name="username" value="">
	<input type="password" name="password">
	<input type="checkbox" name="remember">
	<input type="checkbox" name="checked" checked>
	<input type="radio" name="r" value="a">
	<input type="radio" name="r" value="b" checked>
	<input type="text" name="off" value="x" disabled>
	<select name="lang"><option value="en">English</option><option value="fr" selected>Français</option></select>
	<textarea name="note">hi</textarea>
	<input type="submit" name="go" value="Login">
	<button name="btn" value="1">Go</button>
	</form>`)
	if len(p.Forms) != 1 {
		t.Fatalf("got %d forms, want 1", len(p.Forms))
	}
	got := p.Forms[0].Values().Encode()
	want := url.Values{
		"AuthState": {"a&b"}, "timezone": {""}, "username": {""}, "password": {""},
		"checked": {"on"}, "r": {"b"}, "lang": {"fr"}, "note": {"hi"},
	}.Encode()
	if got != want {
		t.Errorf("Values() = %s\nwant %s", got, want)
	}
	if p.Forms[0].Method != "POST" {
		t.Errorf("Method = %q, want POST", p.Forms[0].Method)
	}
}

func TestPageKinds(t *testing.T) {
	tests := []struct {
		name                          string
		html                          string
		wantSAML, wantLogin, wantCode bool
		wantAuto                      bool
		wantCodeField, wantUserField  string
	}{
		{
			name:     "saml response page with post.js",
			html:     `<form method="post" action="https://signin.aws.amazon.com/saml"><input type="submit"/><input type="hidden" name="SAMLResponse" value="PHNhbWw+"/><noscript><button>Submit</button></noscript></form>`,
			wantSAML: true,
			wantAuto: true, // a browser would post it on; the flow stops at the SAMLResponse first
		},
		{
			name:          "simplesamlphp login",
			html:          `<form action="?" method="post" name="f"><input id="username" type="text" name="username" autocomplete="username"><input id="password" type="password" name="password"><button type="submit">Login</button><input type="hidden" name="AuthState" value="x"></form>`,
			wantLogin:     true,
			wantUserField: "username",
		},
		{
			name:          "lemonldap login with user field named user",
			html:          `<form action="#" method="post"><input name="url" type="hidden" value="aHR0cA=="><input name="timezone" type="hidden"><input name="user" type="text"><input name="password" type="password"><input type="checkbox" name="checkLogins"></form>`,
			wantLogin:     true,
			wantUserField: "user",
		},
		{
			name:      "password only (username already known)",
			html:      `<form method="post"><input type="hidden" name="user" value="alice"><input type="password" name="pw"></form>`,
			wantLogin: true,
		},
		{
			name:          "code by autocomplete",
			html:          `<form action="/totp2fcheck" method="post"><input type="hidden" name="token" value="t"><input name="code" type="text" autocomplete="one-time-code"></form>`,
			wantCode:      true,
			wantCodeField: "code",
		},
		{
			name:          "code by name among two text inputs",
			html:          `<form method="post"><input type="text" name="comment"><input type="tel" name="otp_value"></form>`,
			wantCode:      true,
			wantCodeField: "otp_value",
		},
		{
			name:          "single visible number input",
			html:          `<form method="post"><input type="hidden" name="s" value="1"><input type="number" name="answer"></form>`,
			wantCode:      true,
			wantCodeField: "answer",
		},
		{
			name:     "saml request relay",
			html:     `<body onload="document.forms[0].submit()"><form method="post" action="https://idp.example.com/sso"><input type="hidden" name="SAMLRequest" value="abc"><input type="hidden" name="RelayState" value="r"></form></body>`,
			wantAuto: true,
		},
		{
			name:     "continue noscript form",
			html:     `<form method="post" action="/next"><input type="hidden" name="state" value="1"><noscript><input type="submit" value="Continue"></noscript></form>`,
			wantAuto: true,
		},
		{
			name: "hidden-only form without any script is not submitted",
			html: `<form method="post" action="/logout"><input type="hidden" name="state" value="1"><input type="submit" value="Log out"></form>`,
		},
		{
			name:          "two forms: search and login",
			html:          `<form action="/search"><input type="text" name="q"></form><form action="/login" method="post"><input name="email" type="email"><input name="pass" type="password"></form>`,
			wantLogin:     true,
			wantCode:      true, // the search form looks like a code form; the flow tries login first
			wantUserField: "email",
			wantCodeField: "q",
		},
		{
			name:          "nested forms are one form to a browser",
			html:          `<form action="/outer" method="post"><input name="a" type="hidden" value="1"><form action="/inner"><input name="u" type="text"><input name="p" type="password"></form></form>`,
			wantLogin:     true,
			wantUserField: "u",
		},
		{
			name: "no form",
			html: `<html><head><title>Error</title></head><body><h2>Error</h2><p>Metadata not found</p></body></html>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := parse(t, "https://idp.example.com/x?y=1", tt.html)
			_, _, gotSAML := p.SAMLResponse()
			if gotSAML != tt.wantSAML {
				t.Errorf("SAMLResponse found = %v, want %v", gotSAML, tt.wantSAML)
			}
			login := p.LoginForm()
			if (login != nil) != tt.wantLogin {
				t.Errorf("LoginForm found = %v, want %v", login != nil, tt.wantLogin)
			}
			if login != nil {
				got := ""
				if u := login.UsernameInput(); u != nil {
					got = u.Name
				}
				if got != tt.wantUserField {
					t.Errorf("UsernameInput = %q, want %q", got, tt.wantUserField)
				}
			}
			code := p.CodeForm()
			if (code != nil) != tt.wantCode {
				t.Errorf("CodeForm found = %v, want %v", code != nil, tt.wantCode)
			}
			if code != nil && code.CodeInput().Name != tt.wantCodeField {
				t.Errorf("CodeInput = %q, want %q", code.CodeInput().Name, tt.wantCodeField)
			}
			if got := p.AutoSubmitForm() != nil; got != tt.wantAuto {
				t.Errorf("AutoSubmitForm found = %v, want %v", got, tt.wantAuto)
			}
		})
	}
}

func TestFormAttributeInputs(t *testing.T) {
	p := parse(t, "https://idp.example.com/", `<form id="f" method="post" action="/login"><input name="user"></form>
	<input form="f" type="password" name="pw"><input form="other" name="not-mine">`)
	f := p.Forms[0]
	if f.PasswordInput() == nil || f.PasswordInput().Name != "pw" {
		t.Fatalf("the password input outside the form (form=f) was not found")
	}
	if f.Input("not-mine") != nil {
		t.Errorf("an input of another form was taken")
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct{ name, html, want string }{
		{"simplesamlphp", `<h2>Error</h2><p><strong>Incorrect username or password</strong></p><form><input type=password name=p></form>`, "Incorrect username or password"},
		{"alert role", `<div role="alert">  Invalid   username or
		 password. </div>`, "Invalid username or password."},
		{"keycloak", `<span class="kc-feedback-text">Invalid username or password.</span>`, "Invalid username or password."},
		{"none", `<form><input type=password name=p></form>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parse(t, "https://idp.example.com/", tt.html).ErrorText(); got != tt.want {
				t.Errorf("ErrorText() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRequest(t *testing.T) {
	p := parse(t, "https://idp.example.com/a/b?q=1", `<form action="c"><input name="x" value="1 2"></form><form method="POST" action="?"><input name="y" value="z"></form>`)
	get, err := p.Forms[0].Request(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if get.Method != "GET" || get.URL.String() != "https://idp.example.com/a/c?x=1+2" {
		t.Errorf("GET request = %s %s", get.Method, get.URL)
	}
	post, err := p.Forms[1].Request(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	body := new(bytes.Buffer)
	if _, err := body.ReadFrom(post.Body); err != nil {
		t.Fatal(err)
	}
	if post.Method != "POST" || post.URL.String() != "https://idp.example.com/a/b?" || body.String() != "y=z" ||
		post.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("POST request = %s %s %q %q", post.Method, post.URL, body, post.Header.Get("Content-Type"))
	}
}
