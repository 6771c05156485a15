package awsconfig

import (
	"reflect"
	"testing"
	"time"
)

func TestCredentialsChange(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	tests := []struct {
		name string
		in   Credentials
		want Change
	}{
		{
			name: "all fields, expiry made UTC",
			in: Credentials{
				AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token",
				Expiration:   time.Date(2026, 11, 22, 21, 4, 5, 999, tokyo),
				PrincipalARN: "arn:aws:sts::111111111111:assumed-role/jump-sso/alice@example.com",
			},
			want: Change{
				Section: "sts",
				Set: []KV{
					{"aws_access_key_id", "ASIAEXAMPLE"},
					{"aws_secret_access_key", "secret"},
					{"aws_session_token", "token"},
					{"aws_security_token", "token"},
					{"x_security_token_expires", "2026-11-22T12:04:05Z"},
					{"x_principal_arn", "arn:aws:sts::111111111111:assumed-role/jump-sso/alice@example.com"},
				},
				Unset: []string{"aws_session_expiration"},
			},
		},
		{
			name: "empty fields are removed",
			in:   Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "secret"},
			want: Change{
				Section: "sts",
				Set:     []KV{{"aws_access_key_id", "AKIAEXAMPLE"}, {"aws_secret_access_key", "secret"}},
				Unset:   []string{"aws_session_token", "aws_security_token", "x_security_token_expires", "x_principal_arn", "aws_session_expiration"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CredentialsChange("sts", tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CredentialsChange() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestReadCredentials(t *testing.T) {
	exp := time.Date(2026, 11, 22, 12, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		text   string
		want   Credentials
		wantOK bool
	}{
		{
			name: "awsfed's keys",
			text: "[sts]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\naws_security_token = T\n" +
				"x_security_token_expires = 2026-11-22T12:04:05Z\nx_principal_arn = arn:aws:sts::1:assumed-role/r/u\n",
			want:   Credentials{AccessKeyID: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: exp, PrincipalARN: "arn:aws:sts::1:assumed-role/r/u"},
			wantOK: true,
		},
		{
			name:   "aws-google-auth's keys",
			text:   "[sts]\naws_access_key_id = A\naws_secret_access_key = S\naws_security_token = T\naws_session_expiration = 2026-11-22T12:04:05+0000\n",
			want:   Credentials{AccessKeyID: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: exp},
			wantOK: true,
		},
		{
			name:   "saml2aws's local-time expiry",
			text:   "[sts]\naws_access_key_id = A\naws_secret_access_key = S\nx_security_token_expires = 2026-11-22T21:04:05+09:00\n",
			want:   Credentials{AccessKeyID: "A", SecretAccessKey: "S", Expiration: exp},
			wantOK: true,
		},
		{
			name:   "unreadable expiry is zero",
			text:   "[sts]\naws_access_key_id = A\naws_secret_access_key = S\nx_security_token_expires = tomorrow\n",
			want:   Credentials{AccessKeyID: "A", SecretAccessKey: "S"},
			wantOK: true,
		},
		{
			name:   "no secret",
			text:   "[sts]\naws_access_key_id = A\n",
			want:   Credentials{AccessKeyID: "A"},
			wantOK: false,
		},
		{
			name:   "no section",
			text:   "[other]\naws_access_key_id = A\n",
			wantOK: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parse("credentials", tt.text)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := ReadCredentials(f, "sts")
			if ok != tt.wantOK || !got.Expiration.Equal(tt.want.Expiration) {
				t.Errorf("ReadCredentials() = %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
			got.Expiration, tt.want.Expiration = time.Time{}, time.Time{}
			if got != tt.want {
				t.Errorf("ReadCredentials() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCredentialsRoundTrip(t *testing.T) {
	path := writeTemp(t, "[sts]\naws_session_expiration = 2020-01-01T00:00:00+0000\nx_principal_arn = old\n")
	want := testCreds(7)
	if _, err := Update(path, []Change{CredentialsChange("sts", want)}, UpdateOptions{Private: true}); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := ReadCredentials(f, "sts"); !ok || got != want {
		t.Errorf("ReadCredentials() = %+v, %v; want %+v", got, ok, want)
	}
	if s, _ := f.Section("sts"); s["aws_session_expiration"] != "" {
		t.Errorf("stale aws_session_expiration kept: %q", s["aws_session_expiration"])
	}
}
