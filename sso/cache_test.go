package sso

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// The vectors below were computed with Python 3.11 as botocore computes
// them (awscli/botocore/utils.py BaseSSOTokenFetcher, SSOTokenLoader):
//
//	python3 -c 'import hashlib,json,sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())' corp
//	python3 -c 'import hashlib,json; print(hashlib.sha1(json.dumps({"tool": "botocore", "startUrl": U, "region": R, "scopes": S, "session_name": N}, sort_keys=True).encode("utf-8")).hexdigest())'

const weirdName = "Équipe \"ü\" </>&\u2603\U0001F600\x7f\t"

func TestTokenPath(t *testing.T) {
	tests := []struct {
		name string
		s    Session
		want string
	}{
		{"session name", Session{Name: "corp", StartURL: "https://d-1234567890.awsapps.com/start"}, "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"},
		{"dashes", Session{Name: "my-sso"}, "0ad374308c5a4e22f723adf10145eafad7c4031c.json"},
		{"non-ASCII name hashed as UTF-8", Session{Name: weirdName}, "2b14e7ae068dba620383fdc9b0aa0007d35fb582.json"},
		{"legacy: the start URL", Session{StartURL: "https://d-1234567890.awsapps.com/start"}, "7487b5b67d5fa1132cf33fa93ae51ef38cc37752.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TokenPath("/c", tt.s); got != filepath.Join("/c", tt.want) {
				t.Errorf("TokenPath = %s, want /c/%s", got, tt.want)
			}
		})
	}
}

func TestRegistrationPath(t *testing.T) {
	tests := []struct {
		name string
		s    Session
		want string
	}{
		{
			// {"region": "us-east-1", "scopes": null, "session_name": "corp", "startUrl": "https://d-1234567890.awsapps.com/start", "tool": "botocore"}
			"no sso_registration_scopes: null",
			Session{Name: "corp", StartURL: "https://d-1234567890.awsapps.com/start", Region: "us-east-1"},
			"cfaf7ef4a0ec868a86f526a3143dcbf741b147ba.json",
		},
		{
			"one scope",
			Session{Name: "corp", StartURL: "https://d-1234567890.awsapps.com/start", Region: "eu-west-1", Scopes: []string{"sso:account:access"}},
			"c6a06e42182fb324db02aec3d36dc183754bc04e.json",
		},
		{
			"empty setting: [] is not null; the URL byte for byte",
			Session{Name: "dev", StartURL: "https://example.awsapps.com/start#/", Region: "eu-west-1", Scopes: []string{}},
			"cf2ef76afa4df74e86b0e30f2232cd21159c614b.json",
		},
		{
			// "session_name": "\u00c9quipe \"\u00fc\" </>&\u2603\ud83d\ude00\u007f\t"
			"ensure_ascii escapes, two scopes",
			Session{Name: weirdName, StartURL: "https://x.awsapps.cn/start", Region: "cn-north-1", Scopes: []string{"sso:account:access", "codewhisperer:completions"}},
			"10c510d873e55a4d8e88e0df77d3c2230794ef0c.json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RegistrationPath("/c", tt.s); got != filepath.Join("/c", tt.want) {
				t.Errorf("RegistrationPath = %s, want /c/%s", got, tt.want)
			}
		})
	}
}

func TestAppendPyString(t *testing.T) {
	// python3 -c 'import json; print(json.dumps("Équipe \"ü\" </>&\u2603\U0001F600\x7f\t\n\r\b\f\\/\x01"))'
	got := string(appendPyString(nil, weirdName+"\n\r\b\f\\/\x01"))
	want := `"\u00c9quipe \"\u00fc\" </>&\u2603\ud83d\ude00\u007f\t\n\r\b\f\\/\u0001"`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestParseScopes(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{"", []string{}},
		{"sso:account:access", []string{"sso:account:access"}},
		{" a , ,b,", []string{"a", "b"}},
	}
	for _, tt := range tests {
		got := ParseScopes(tt.raw)
		if got == nil || len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
			t.Errorf("ParseScopes(%q) = %#v, want %#v", tt.raw, got, tt.want)
		}
	}
}

// cliToken is a token file as the AWS CLI v2 writes it:
//
//	json.dumps({"startUrl": …, "region": …, "accessToken": "AT-old",
//	    "expiresAt": datetime(2026,11,1,12,10,0,123456,UTC), "clientId": "CID",
//	    "clientSecret": "CSECRET", "registrationExpiresAt": "2027-01-30T12:00:00Z",
//	    "refreshToken": "RT-old"}, default=_serialize_utc_timestamp)
const cliToken = `{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "eu-west-1", "accessToken": "AT-old", "expiresAt": "2026-11-01T12:10:00Z", "clientId": "CID", "clientSecret": "CSECRET", "registrationExpiresAt": "2027-01-30T12:00:00Z", "refreshToken": "RT-old"}`

var testSession = Session{Name: "corp", StartURL: "https://d-1234567890.awsapps.com/start", Region: "eu-west-1"}

func TestReadToken_CLIFile(t *testing.T) {
	dir := t.TempDir()
	// Members another tool added, which the Go SDK keeps and so must we.
	file := cliToken[:len(cliToken)-1] + `, "x_other": {"a": [1, 2.50]}, "zzz": null}`
	writeFile(t, TokenPath(dir, testSession), file)

	tok, err := ReadToken(dir, testSession)
	if err != nil {
		t.Fatal(err)
	}
	want := Token{
		StartURL: testSession.StartURL, Region: "eu-west-1", AccessToken: "AT-old",
		ExpiresAt: time.Date(2026, 11, 1, 12, 10, 0, 0, time.UTC), ClientID: "CID", ClientSecret: "CSECRET",
		RegistrationExpiresAt: time.Date(2027, 1, 30, 12, 0, 0, 0, time.UTC), RefreshToken: "RT-old",
	}
	got := *tok
	got.extra, got.session = nil, ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadToken =\n%+v\nwant\n%+v", got, want)
	}

	// Written back unchanged, the file is the same, byte for byte.
	if err := writeToken(dir, testSession, tok); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, TokenPath(dir, testSession)); got != file {
		t.Errorf("written back:\n%s\nwant\n%s", got, file)
	}
	checkMode(t, TokenPath(dir, testSession), 0o600)
}

func TestReadToken_OtherWriters(t *testing.T) {
	tests := []struct {
		name, file string
		wantExp    time.Time
		wantErr    error
	}{
		{
			"Go SDK: sorted keys, newline, fractional RFC 3339",
			`{"accessToken":"AT","clientId":"CID","clientSecret":"S","expiresAt":"2026-11-01T12:10:00.5+01:00","refreshToken":"RT","registrationExpiresAt":"2027-01-30T12:00:00Z"}` + "\n",
			time.Date(2026, 11, 1, 11, 10, 0, 5e8, time.UTC), nil,
		},
		{"aws-vault: three fields", `{"accessToken":"AT","expiresAt":"2026-11-01T12:10:00Z","region":"eu-west-1"}`, time.Date(2026, 11, 1, 12, 10, 0, 0, time.UTC), nil},
		{"old botocore %Z", `{"accessToken":"AT","expiresAt":"2026-11-01T12:10:00UTC"}`, time.Date(2026, 11, 1, 12, 10, 0, 0, time.UTC), nil},
		{"no accessToken", `{"expiresAt":"2026-11-01T12:10:00Z"}`, time.Time{}, errNotToken},
		{"not JSON", `{"accessToken":`, time.Time{}, errNotToken},
		{"expiresAt not a time", `{"accessToken":"AT","expiresAt":"tomorrow"}`, time.Time{}, errNotToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, TokenPath(dir, testSession), tt.file)
			tok, err := ReadToken(dir, testSession)
			if tt.wantExp.IsZero() {
				if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tok.ExpiresAt.Equal(tt.wantExp) {
				t.Errorf("ExpiresAt = %v, want %v", tok.ExpiresAt, tt.wantExp)
			}
		})
	}

	if _, err := ReadToken(t.TempDir(), testSession); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("absent file: %v, want fs.ErrNotExist", err)
	}
}

func TestRegistrationMarshal(t *testing.T) {
	exp := time.Date(2027, 1, 30, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		r    registration
		// python3: json.dumps({...}, default=_serialize_utc_timestamp)
		want string
	}{
		{"pkce", registration{ClientID: "CID", ClientSecret: "CSECRET", ExpiresAt: exp, Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code", "refresh_token"}},
			`{"clientId": "CID", "clientSecret": "CSECRET", "expiresAt": "2027-01-30T12:00:00Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}`},
		{"device without scopes", registration{ClientID: "CID", ClientSecret: "CSECRET", ExpiresAt: exp},
			`{"clientId": "CID", "clientSecret": "CSECRET", "expiresAt": "2027-01-30T12:00:00Z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.r.marshal()); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestTokenValidRefreshable(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	base := Token{AccessToken: "AT", ExpiresAt: now.Add(time.Hour), ClientID: "C", ClientSecret: "S", RefreshToken: "R", RegistrationExpiresAt: now.Add(24 * time.Hour)}
	tests := []struct {
		name            string
		edit            func(*Token)
		minValid        time.Duration
		valid, refresho bool
	}{
		{"fresh", func(*Token) {}, 30 * time.Minute, true, true},
		{"less than minValid", func(*Token) {}, 2 * time.Hour, false, true},
		{"expired", func(t *Token) { t.ExpiresAt = now.Add(-time.Second) }, 0, false, true},
		{"no refresh token", func(t *Token) { t.RefreshToken = "" }, 0, true, false},
		{"registration ended", func(t *Token) { t.RegistrationExpiresAt = now }, 0, true, false},
		{"no registration time (aws-vault)", func(t *Token) { t.RegistrationExpiresAt = time.Time{} }, 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := base
			tt.edit(&tok)
			if got := tok.Valid(now, tt.minValid); got != tt.valid {
				t.Errorf("Valid = %v, want %v", got, tt.valid)
			}
			if got := tok.Refreshable(now); got != tt.refresho {
				t.Errorf("Refreshable = %v, want %v", got, tt.refresho)
			}
		})
	}
}

func TestTokenStringHidesSecrets(t *testing.T) {
	tok := &Token{StartURL: "https://x/start", AccessToken: "AT-secret", ClientSecret: "CS-secret", RefreshToken: "RT-secret"}
	for _, s := range []string{tok.String(), tok.GoString()} {
		for _, secret := range []string{"AT-secret", "CS-secret", "RT-secret"} {
			if bytes.Contains([]byte(s), []byte(secret)) {
				t.Errorf("%q shows %s", s, secret)
			}
		}
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", path, got, want)
	}
}
