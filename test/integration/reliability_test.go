package integration

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/assume/ststest"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
	"github.com/seed-2d15385e/awsfed/idp/idptest"
)

// The reliability suite runs the built awsfed against in-process fakes
// (generictest as the IdP, ststest as STS): no peer needed. docs/
// reliability.md lists what it tries and the figures of a run.

// relConfig is a config file of 300 sections with comments, the awsfed
// profile jump among them, and relCreds a credentials file of 300 sections
// with comments: the files every bad input must leave byte-identical.
var relConfig, relCreds = func() (string, string) {
	var c, k strings.Builder
	c.WriteString("# my AWS config\n[default]\nregion = eu-west-1\n")
	k.WriteString("# keys of other tools\n")
	for i := range 300 {
		fmt.Fprintf(&c, "\n# team %d\n[profile p%03d]\nregion = us-east-1\nrole_arn = arn:aws:iam::222222222222:role/r%03d\nsource_profile = jump\n", i, i, i)
		fmt.Fprintf(&k, "\n; tool %d\n[k%03d]\naws_access_key_id = AKIAOTHER%03d\naws_secret_access_key = other/secret+%03d\n", i, i, i, i)
	}
	return c.String(), k.String()
}()

// relHome is a home whose awsfed profile jump signs into a generictest
// IdP (whose certificate awsfed trusts through SSL_CERT_FILE) and
// assumes its role at a ststest STS.
type relHome struct {
	*home
	idp *generictest.Server
	sts *ststest.Server
	// jump is the [profile jump] section, appended to relConfig.
	jump string
}

func newRelHome(t *testing.T, idpOpts generictest.Options, stsOpts ...ststest.Option) *relHome {
	t.Helper()
	sts := ststest.NewServer(t, stsOpts...)
	h := &relHome{home: newHome(t, sts.URL), idp: generictest.NewServer(t, idpOpts), sts: sts}
	cert := filepath.Join(h.dir, "idp.pem")
	h.write(cert, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.idp.Certificate().Raw})))
	h.jump = "\n[profile jump]\nawsfed_idp = generic\nawsfed_url = " + h.idp.SSOURL() + "\nawsfed_username = " + generictest.Username +
		"\nawsfed_role_arn = " + generictest.RoleARN + "\n"
	h.env = append(h.env, "SSL_CERT_FILE="+cert, "AWSFED_PASSWORD="+generictest.Password, "AWSFED_NETWORK_TIMEOUT=2s")
	h.write(h.config, relConfig+h.jump)
	h.write(h.creds, relCreds)
	return h
}

// secrets are the values no output may hold: the password and every
// credential STS issued.
func (h *relHome) secrets() []string {
	out := []string{generictest.Password}
	for _, is := range h.sts.Issued() {
		out = append(out, is.SecretAccessKey, is.SessionToken)
	}
	return out
}

// relCase is one bad input: setup changes the home (its files, its
// environment), args are awsfed's, and the run must end with wantCode and
// one line on stderr starting "awsfed: " and holding want.
type relCase struct {
	name     string
	idp      generictest.Options
	sts      []ststest.Option
	setup    func(t *testing.T, h *relHome) (extraEnv []string)
	args     []string
	wantCode int
	want     string
}

// login is awsfed login of profile jump, unattended, with extra flags.
func login(extra ...string) []string {
	return append([]string{"login", "--profile", "jump", "--no-prompt"}, extra...)
}

// withConfig replaces the config file's content; withCreds the
// credentials file's.
func withConfig(s string) func(*testing.T, *relHome) []string {
	return func(t *testing.T, h *relHome) []string { h.write(h.config, s); return nil }
}

func withCreds(s string) func(*testing.T, *relHome) []string {
	return func(t *testing.T, h *relHome) []string { h.write(h.creds, s); return nil }
}

// withEnv adds environment variables.
func withEnv(kv ...string) func(*testing.T, *relHome) []string {
	return func(*testing.T, *relHome) []string { return kv }
}

// samlResponse serves the assertion of o.
func samlResponse(o idptest.AssertionOptions) generictest.Options {
	return generictest.Options{SAMLResponse: idptest.SAMLResponse(o)}
}

// stsServer points AWS_ENDPOINT_URL_STS at a server of handler's.
func stsServer(handler http.HandlerFunc) func(*testing.T, *relHome) []string {
	return func(t *testing.T, h *relHome) []string {
		srv := httptest.NewServer(handler)
		t.Cleanup(srv.Close)
		return []string{"AWS_ENDPOINT_URL_STS=" + srv.URL}
	}
}

// TestReliabilityBadInputs runs awsfed on inputs that are wrong, broken or
// hostile. Each must end with its exit code and one line on stderr
// starting "awsfed: ", nothing on stdout, no secret in any output, and
// both AWS files byte-identical, within a few seconds.
func TestReliabilityBadInputs(t *testing.T) {
	const garbage = "\x00\x01\x02 \xff\xfe binary \x7f [[[ = ]]]\n"
	bomb := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>` +
		`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol4;</samlp:Response>`
	cases := []relCase{
		// The config file.
		{name: "config: binary garbage", setup: withConfig(garbage), args: login(), wantCode: 2, want: "does not parse"},
		{name: "config: not UTF-8", setup: withConfig("[profile jump]\nregion = \xe9t\xe9\n"), args: login(), wantCode: 2, want: "not valid UTF-8"},
		{name: "config: byte-order mark", setup: withConfig("\ufeff" + relConfig), args: login(), wantCode: 2, want: "byte-order mark"},
		{name: "config: a section twice", setup: withConfig(relConfig + "\n[profile p001]\nregion = x\n"), args: login(), wantCode: 2, want: "does not parse"},
		{name: "config: a key twice", setup: withConfig("[profile jump]\nregion = a\nregion = b\n"), args: login(), wantCode: 2, want: "does not parse"},
		{name: "config: a key before any section", setup: withConfig("region = a\n" + relConfig), args: login(), wantCode: 2, want: "does not parse"},
		{name: "config: a line that is neither", setup: withConfig(relConfig + "\njust words\n"), args: login(), wantCode: 2, want: "does not parse"},
		{name: "config: [DEFAULT]", setup: withConfig("[DEFAULT]\nregion = a\n" + relConfig), args: login(), wantCode: 2, want: "does not parse"},
		{name: "config: a named pipe", setup: func(t *testing.T, h *relHome) []string {
			p := filepath.Join(h.dir, "fifo")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
			return []string{"AWS_CONFIG_FILE=" + p}
		}, args: login(), wantCode: 2, want: "is a named pipe (FIFO), not a regular file"},
		{name: "config: a folder", setup: withEnv("AWS_CONFIG_FILE=/"), args: login(), wantCode: 2, want: "is a folder, not a regular file"},
		{name: "config: a symbolic link loop", setup: func(t *testing.T, h *relHome) []string {
			a, b := filepath.Join(h.dir, "a"), filepath.Join(h.dir, "b")
			if os.Symlink(b, a) != nil || os.Symlink(a, b) != nil {
				t.Fatal("symlink")
			}
			return []string{"AWS_CONFIG_FILE=" + a}
		}, args: login(), wantCode: 1, want: "symbolic links"},
		{name: "config: a device", setup: withEnv("AWS_CONFIG_FILE=/dev/zero"), args: login(), wantCode: 2, want: "is a device, not a regular file"},
		// The credentials file.
		{name: "credentials: binary garbage", setup: withCreds(garbage), args: login(), wantCode: 2, want: "does not parse"},
		{name: "credentials: not UTF-8", setup: withCreds(relCreds + "\n[x]\naws_access_key_id = \xff\n"), args: login(), wantCode: 2, want: "not valid UTF-8"},
		{name: "credentials: byte-order mark", setup: withCreds("\ufeff" + relCreds), args: login(), wantCode: 2, want: "byte-order mark"},
		{name: "credentials: a section twice", setup: withCreds(relCreds + "\n[k001]\naws_access_key_id = x\n"), args: login(), wantCode: 2, want: "does not parse"},
		{name: "credentials: a folder", setup: func(t *testing.T, h *relHome) []string {
			return []string{"AWS_SHARED_CREDENTIALS_FILE=" + h.dir}
		}, args: login(), wantCode: 2, want: "is a folder, not a regular file"},
		{name: "credentials: a named pipe", setup: func(t *testing.T, h *relHome) []string {
			p := filepath.Join(h.dir, "credfifo")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
			return []string{"AWS_SHARED_CREDENTIALS_FILE=" + p}
		}, args: []string{"status"}, wantCode: 2, want: "is a named pipe (FIFO)"},
		{name: "status over a broken config", setup: withConfig(garbage), args: []string{"status"}, wantCode: 2, want: "does not parse"},
		{name: "credential-process over broken credentials", setup: withCreds(garbage), args: []string{"credential-process", "--profile", "jump"}, wantCode: 2, want: "does not parse"},
		// Flags.
		{name: "--profile [", args: []string{"login", "--profile", "[", "--no-prompt"}, wantCode: 2, want: "holds [ or ]"},
		{name: "--profile x]y", args: []string{"login", "--profile", "x]y", "--no-prompt"}, wantCode: 2, want: "holds [ or ]"},
		{name: "--profile with a line break", args: []string{"login", "--profile", "a\nb", "--no-prompt"}, wantCode: 2, want: "line break"},
		{name: "--profile with a leading space", args: []string{"login", "--profile", " jump", "--no-prompt"}, wantCode: 2, want: "space"},
		{name: "--profile DEFAULT", args: []string{"login", "--profile", "DEFAULT", "--no-prompt"}, wantCode: 2, want: "DEFAULT"},
		{name: "--region with a line break", args: login("--region", "eu-west-1\n"), wantCode: 2, want: "is not a region name"},
		{name: "--region Europe", args: login("--region", "Europe"), wantCode: 2, want: "is not a region name"},
		{name: "--duration 99999999", args: login("--duration", "99999999"), wantCode: 2, want: "15m (900) to 12h"},
		{name: "--duration 60", args: login("--duration", "60"), wantCode: 2, want: "15m (900) to 12h"},
		{name: "--duration abc", args: login("--duration", "abc"), wantCode: 2, want: "not a duration"},
		{name: "--duration -5", args: login("--duration", "-5"), wantCode: 2, want: "must be positive"},
		{name: "--skip-if-valid abc", args: login("--skip-if-valid", "abc"), wantCode: 2, want: "--skip-if-valid"},
		{name: "--also with --all-chains", args: login("--also", "p001", "--all-chains"), wantCode: 2, want: "not both"},
		{name: "--idp okta", args: login("--idp", "okta"), wantCode: 2, want: `unknown IdP "okta"`},
		{name: "--url ftp", args: login("--url", "ftp://idp.example.com/sso"), wantCode: 2, want: "--url"},
		{name: "--mfa bogus for Google", args: login("--idp", "google", "--url", "https://127.0.0.1:1/o/saml2/initsso?idpid=a&spid=b", "--mfa", "bogus"), wantCode: 2, want: "--mfa"},
		{name: "unknown flag", args: login("--frobnicate"), wantCode: 2, want: "unknown flag"},
		{name: "an argument login takes none of", args: login("extra"), wantCode: 2, want: "extra"},
		{name: "unknown command", args: []string{"logn"}, wantCode: 2, want: "unknown command"},
		{name: "credential-process without --profile", args: []string{"credential-process"}, wantCode: 2, want: "--profile"},
		{name: "credential-process --min-valid abc", args: []string{"credential-process", "--profile", "jump", "--min-valid", "abc"}, wantCode: 2, want: "--min-valid"},
		{name: "env --format xml", args: []string{"env", "--profile", "jump", "--format", "xml"}, wantCode: 2, want: "--format"},
		{name: "exec without a command", args: []string{"exec", "--profile", "jump"}, wantCode: 2, want: "needs a command"},
		{name: "exec of a command that does not exist", args: []string{"exec", "--profile", "jump", "--", "no-such-command-here"}, wantCode: 127, want: "command not found"},
		{name: "console --destination ftp", args: []string{"console", "--profile", "jump", "--destination", "ftp://x"}, wantCode: 2, want: "--destination"},
		{name: "configure chain with a bad role ARN", args: []string{"configure", "chain", "x", "--role-arn", "arn:aws:iam::1:role/x", "--source-profile", "jump"}, wantCode: 2, want: "is not an IAM role ARN"},
		{name: "configure chain from a missing source", args: []string{"configure", "chain", "x", "--role-arn", generictest.RoleARN, "--source-profile", "nope"}, wantCode: 2, want: "does not exist"},
		{name: "configure credential-process --name with a line break", args: []string{"configure", "credential-process", "--profile", "jump", "--name", "a\nb"}, wantCode: 2, want: "line break"},
		{name: "logout of long-term keys", setup: withCreds(relCreds + "\n[jump]\naws_access_key_id = AKIALONG\naws_secret_access_key = long/term\n"),
			args: []string{"logout", "--profile", "jump"}, wantCode: 2, want: "long-term access keys"},
		// The environment.
		{name: "no HOME", setup: func(t *testing.T, h *relHome) []string {
			return []string{"HOME=", "AWS_CONFIG_FILE=", "AWS_SHARED_CREDENTIALS_FILE="}
		}, args: login(), wantCode: 2, want: "HOME is not set"},
		{name: "AWS_ENDPOINT_URL_STS not a URL", setup: withEnv("AWS_ENDPOINT_URL_STS=not-a-url"), args: login(), wantCode: 2, want: "is not an endpoint URL"},
		{name: "AWS_REGION not a region", setup: withEnv("AWS_REGION=Europe"), args: login(), wantCode: 2, want: "is not a region name"},
		{name: "AWSFED_KEYRING maybe", setup: withEnv("AWSFED_KEYRING=maybe"), args: login(), wantCode: 2, want: "AWSFED_KEYRING"},
		{name: "AWSFED_BROWSER_FALLBACK maybe", setup: withEnv("AWSFED_BROWSER_FALLBACK=maybe"), args: login(), wantCode: 2, want: "AWSFED_BROWSER_FALLBACK"},
		{name: "--idp browser without a browser", setup: withEnv("AWSFED_BROWSER=/nonexistent/chromium"), args: login("--idp", "browser"), wantCode: 2, want: "was not found"},
		{name: "AWSFED_BROWSER_FLAGS with an unclosed quote", setup: withEnv("AWSFED_BROWSER=/bin/true", "AWSFED_BROWSER_FLAGS=--lang='en"), args: login("--idp", "browser"), wantCode: 2, want: "unclosed quote"},
		{name: "AWSFED_BROWSER_FLAGS changing the profile folder", setup: withEnv("AWSFED_BROWSER=/bin/true", "AWSFED_BROWSER_FLAGS=--user-data-dir=/tmp/x"), args: login("--idp", "browser"), wantCode: 2, want: "--user-data-dir"},
		{name: "AWSFED_NETWORK_TIMEOUT soon", setup: withEnv("AWSFED_NETWORK_TIMEOUT=soon"), args: login(), wantCode: 2, want: "AWSFED_NETWORK_TIMEOUT"},
		{name: "AWS_PROFILE names a cycle", setup: func(t *testing.T, h *relHome) []string {
			h.write(h.config, relConfig+h.jump+"\n[profile ca]\nrole_arn = "+generictest.RoleARN+"\nsource_profile = cb\n\n[profile cb]\nrole_arn = "+generictest.RoleARN+"\nsource_profile = ca\n")
			return []string{"AWS_PROFILE=ca"}
		}, args: []string{"login", "--no-prompt"}, wantCode: 2, want: "form a cycle"},
		{name: "no password and --no-prompt", setup: withEnv("AWSFED_PASSWORD="), args: login(), wantCode: 4, want: "AWSFED_PASSWORD"},
		{name: "wrong password", setup: withEnv("AWSFED_PASSWORD=wrong-one"), args: login(), wantCode: 3, want: "wrong username or password"},
		// The IdP's pages.
		{name: "IdP: a page with no form", idp: generictest.Options{FirstPage: "noform.html"}, args: login(), wantCode: 1, want: "--debug-dir"},
		{name: "IdP: HTTP 500", idp: generictest.Options{LoginStatus: 500, LoginPage: "error500.html"}, args: login(), wantCode: 1, want: "HTTP 500"},
		{name: "IdP: empty SAMLResponse", idp: generictest.Options{SAMLResponse: " "}, args: login(), wantCode: 3, want: "issued no assertion"},
		{name: "IdP: SAMLResponse not base64", idp: generictest.Options{SAMLResponse: "%%% not base64 %%%"}, args: login(), wantCode: 1, want: "not base64"},
		{name: "IdP: SAMLResponse not XML", idp: generictest.Options{SAMLResponse: "bm90IHhtbCBhdCBhbGw="}, args: login(), wantCode: 1, want: "not a SAML"},
		{name: "IdP: SAMLResponse too large", idp: generictest.Options{SAMLResponse: strings.Repeat("QUFB", 300000)}, args: login(), wantCode: 1, want: "too large"},
		{name: "IdP: SAMLResponse an entity bomb", idp: generictest.Options{SAMLResponse: b64(bomb)}, args: login(), wantCode: 1, want: "not a SAML"},
		{name: "IdP: SAMLResponse without roles", idp: samlResponse(idptest.AssertionOptions{Roles: []string{}}), args: login(), wantCode: 3, want: "grants no AWS role"},
		{name: "IdP: SAMLResponse expired", idp: samlResponse(idptest.AssertionOptions{Now: time.Now().Add(-time.Hour), NotOnOrAfter: time.Now().Add(-30 * time.Minute)}),
			args: login(), wantCode: 5, want: "has expired"},
		{name: "IdP: SAMLResponse not yet valid", idp: samlResponse(idptest.AssertionOptions{Now: time.Now().Add(time.Hour)}), args: login(), wantCode: 5, want: "not valid before"},
		{name: "IdP: the password echoed on the error page", idp: generictest.Options{EchoPassword: true}, setup: withEnv("AWSFED_PASSWORD=wrong-secret-pw"),
			args: login(), wantCode: 3, want: "(you typed ********)"},
		// STS.
		{name: "STS: AccessDenied", sts: []ststest.Option{ststest.WithFailure("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML", 403)}, args: login(), wantCode: 5, want: "trust policy"},
		{name: "STS: HTTP 500", sts: []ststest.Option{ststest.WithFailure("InternalFailure", "boom", 500)}, args: login(), wantCode: 5, want: "STS"},
		{name: "STS: an HTML 502", sts: []ststest.Option{ststest.WithHTMLFailure(502)}, args: login(), wantCode: 5, want: "not an STS reply"},
		{name: "STS: garbage XML", setup: stsServer(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprint(w, "<AssumeRoleWithSAMLResponse><<<")
		}), args: login(), wantCode: 5, want: "STS"},
		{name: "STS: answers without end", setup: stsServer(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprint(w, `<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithSAMLResult><Credentials><AccessKeyId>`)
			chunk := []byte(strings.Repeat("A", 64<<10))
			for {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}), args: login(), wantCode: 5, want: "larger than 8 MiB"},
		{name: "STS: never answers", setup: stsServer(func(w http.ResponseWriter, r *http.Request) {
			// Read the request, so that the server sees awsfed hang up.
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
		}),
			args: login(), wantCode: 5, want: "did not answer within 2s"},
		{name: "STS: nobody listens", setup: func(t *testing.T, h *relHome) []string {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close()
			return []string{"AWS_ENDPOINT_URL_STS=http://" + addr}
		}, args: login(), wantCode: 5, want: "could not reach STS"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			h := newRelHome(t, tt.idp, tt.sts...)
			var extra []string
			if tt.setup != nil {
				extra = tt.setup(t, h)
			}
			config, creds := readOrNone(h.config), readOrNone(h.creds)
			start := time.Now()
			r := h.awsfed(extra, tt.args...)
			took := time.Since(start)
			if took > 15*time.Second {
				t.Errorf("took %s", took)
			}
			if r.code != tt.wantCode || !strings.HasPrefix(r.stderr, "awsfed: ") || !strings.Contains(r.stderr, tt.want) ||
				strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q;\nwant exit %d, nothing on stdout, and one line starting \"awsfed: \" with %q", r.code, r.stdout, r.stderr, tt.wantCode, tt.want)
			}
			for _, s := range h.secrets() {
				if strings.Contains(r.stdout+r.stderr, s) {
					t.Errorf("a secret is in the output: %q", s)
				}
			}
			if got := readOrNone(h.config); got != config {
				t.Error("the config file changed")
			}
			if got := readOrNone(h.creds); got != creds {
				t.Error("the credentials file changed")
			}
		})
	}
}

// readOrNone is a file's content, or "" when it cannot be read as a file.
func readOrNone(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// b64 is s in standard base64, as an IdP posts a SAMLResponse.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestReliabilityFileAccess runs awsfed as a user who may not read the
// config file, or may not write in the folder of the AWS files: exit 2,
// one line naming the file and what to fix, nothing changed. As root it
// runs awsfed as nobody (uid 65534); as anyone else, as that user.
func TestReliabilityFileAccess(t *testing.T) {
	for _, tt := range []struct {
		name string
		// lock makes the home's files or folder off limits.
		lock func(h *relHome) error
		want string
	}{
		{name: "config file unreadable", lock: func(h *relHome) error { return os.Chmod(h.config, 0o000) },
			want: "cannot read " + "CONFIG: permission denied: this user may not read it; fix its owner or mode"},
		{name: "folder of the AWS files read-only", lock: func(h *relHome) error { return os.Chmod(filepath.Dir(h.creds), 0o500) },
			want: "nothing was written: cannot write CREDS: permission denied: this user may not create files in its folder"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newRelHome(t, generictest.Options{})
			bin := asOtherUser(t, h)
			config, creds := h.read(h.config), h.read(h.creds)
			if err := tt.lock(h); err != nil {
				t.Fatal(err)
			}
			r := h.run(nil, "", bin, login()...)
			want := strings.NewReplacer("CONFIG", h.config, "CREDS", h.creds).Replace(tt.want)
			if r.code != 2 || !strings.HasPrefix(r.stderr, "awsfed: "+want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line starting %q", r.code, r.stderr, "awsfed: "+want)
			}
			os.Chmod(h.config, 0o600)
			os.Chmod(filepath.Dir(h.creds), 0o700)
			if h.read(h.config) != config || h.read(h.creds) != creds {
				t.Error("a file changed")
			}
		})
	}
}

// asOtherUser makes h's runs those of another user than root, as a person
// runs awsfed: as root, nobody (uid 65534), who gets h's home and a copy of
// awsfed it may run; else the current user. It returns the awsfed to run.
func asOtherUser(t *testing.T, h *relHome) string {
	t.Helper()
	if os.Getuid() != 0 {
		return bins.awsfed
	}
	const nobody = 65534
	base, err := os.MkdirTemp("", "awsfed-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "awsfed")
	b, err := os.ReadFile(bins.awsfed)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	// The home moves under base, where nobody may enter, and becomes
	// nobody's.
	home := filepath.Join(base, "home")
	if err := os.Rename(h.dir, home); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Rename(home, h.dir) }) // for t.TempDir's own clean-up
	old := h.dir
	h.dir, h.config, h.creds = home, filepath.Join(home, ".aws", "config"), filepath.Join(home, ".aws", "credentials")
	for i, kv := range h.env {
		h.env[i] = strings.ReplaceAll(kv, old, home)
	}
	if err := filepath.Walk(home, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, nobody, nobody)
	}); err != nil {
		t.Fatal(err)
	}
	h.sysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	return bin
}

// TestReliabilityOddFiles logs in with files that are odd but valid: CRLF
// line ends, and a credentials file that is a symbolic link. The login
// works, every other section stays byte for byte, and the link stays a
// link to a file that now holds the credentials.
func TestReliabilityOddFiles(t *testing.T) {
	t.Run("CRLF line ends", func(t *testing.T) {
		h := newRelHome(t, generictest.Options{})
		crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
		h.write(h.config, crlf(relConfig+h.jump))
		h.write(h.creds, crlf(relCreds))
		if r := h.awsfed(nil, login()...); r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		for _, f := range []struct{ path, original string }{{h.config, relConfig}, {h.creds, relCreds}} {
			text := h.read(f.path)
			for _, sec := range strings.SplitAfter(f.original, "\n\n") {
				if !strings.Contains(text, crlf(strings.TrimSuffix(sec, "\n"))) {
					t.Fatalf("%s lost or changed a section:\n%q", f.path, sec)
				}
			}
			if _, err := awsconfig.Load(f.path); err != nil {
				t.Fatal(err)
			}
		}
		kf, _ := awsconfig.Load(h.creds)
		if _, ok := awsconfig.ReadCredentials(kf, "jump"); !ok {
			t.Error("no credentials for jump")
		}
	})
	t.Run("credentials file behind a symbolic link", func(t *testing.T) {
		h := newRelHome(t, generictest.Options{})
		real := filepath.Join(h.dir, "elsewhere", "creds")
		if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
			t.Fatal(err)
		}
		h.write(real, relCreds)
		os.Remove(h.creds)
		if err := os.Symlink(real, h.creds); err != nil {
			t.Fatal(err)
		}
		if r := h.awsfed(nil, login()...); r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if fi, err := os.Lstat(h.creds); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("the link was replaced: %v", err)
		}
		kf, err := awsconfig.Load(real)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := awsconfig.ReadCredentials(kf, "jump"); !ok || !strings.HasPrefix(h.read(real), relCreds) {
			t.Error("the link's target lacks the credentials, or lost a section")
		}
		if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
	})
}
