package mfa

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/ui"
)

func TestTOTP(t *testing.T) {
	// RFC 6238 appendix B: the SHA-1 secret is the ASCII "12345678901234567890";
	// the 6-digit codes are the last six digits of the 8-digit ones.
	const rfc = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	tests := []struct {
		name   string
		secret string
		unix   int64
		want   string
	}{
		{name: "RFC 6238 at 59", secret: rfc, unix: 59, want: "287082"},
		{name: "RFC 6238 at 1111111109", secret: rfc, unix: 1111111109, want: "081804"},
		{name: "RFC 6238 at 1111111111", secret: rfc, unix: 1111111111, want: "050471"},
		{name: "RFC 6238 at 1234567890", secret: rfc, unix: 1234567890, want: "005924"},
		{name: "RFC 6238 at 2000000000", secret: rfc, unix: 2000000000, want: "279037"},
		{name: "lower case in groups", secret: "gezd gnbv gy3t qojq gezd gnbv gy3t qojq", unix: 59, want: "287082"},
		{name: "surrounding white space", secret: "\t" + rfc + "\n", unix: 59, want: "287082"},
		{name: "dashes", secret: "GEZDG-NBVGY-3TQOJ-QGEZD-GNBVG-Y3TQO-JQ", unix: 59, want: "287082"},
		{name: "otpauth URI", secret: "otpauth://totp/ACME:alice@example.com?secret=" + rfc + "&issuer=ACME&algorithm=SHA1&digits=6&period=30", unix: 59, want: "287082"},
		{name: "otpauth URI, lower case secret", secret: "otpauth://totp/x?secret=" + strings.ToLower(rfc), unix: 59, want: "287082"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TOTP(tt.secret, time.Unix(tt.unix, 0))
			if err != nil || got != tt.want {
				t.Errorf("TOTP() = %q, %v; want %q, nil", got, err, tt.want)
			}
		})
	}
}

func TestTOTP_Padding(t *testing.T) {
	// A 10-character secret needs six "=" to be padded base32.
	at := time.Unix(1700000000, 0)
	want, err := TOTP("GEZDGNBVGY======", at)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"GEZDGNBVGY", "gezdgnbvgy", "GEZDGNBVGY=", "gezd gnbv gy"} {
		if got, err := TOTP(secret, at); err != nil || got != want {
			t.Errorf("TOTP(%q) = %q, %v; want %q, nil", secret, got, err, want)
		}
	}
}

func TestTOTP_InvalidSecret(t *testing.T) {
	tests := []struct {
		name    string
		secret  string
		wantErr string
	}{
		{name: "not base32", secret: "JBSWY3DP1HPK3PXP", wantErr: "invalid TOTP secret: it is not base32 (letters A to Z, digits 2 to 7)"},
		{name: "punctuation", secret: "JBSWY3DP!HPK3PXP", wantErr: "invalid TOTP secret: it is not base32 (letters A to Z, digits 2 to 7)"},
		{name: "impossible length", secret: "JBSWY3DPE", wantErr: "invalid TOTP secret: it is not base32 (letters A to Z, digits 2 to 7)"},
		{name: "empty", secret: "  ", wantErr: "invalid TOTP secret: it is empty"},
		{name: "several lines", secret: "JBSWY3DPEHPK3PXP\nlogin: alice\n", wantErr: "invalid TOTP secret: it has several lines; give the secret alone"},
		{name: "padding only", secret: "====", wantErr: "invalid TOTP secret: it is empty"},
		{name: "otpauth URI for HOTP", secret: "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1", wantErr: "invalid TOTP secret: the otpauth URI is not for TOTP codes"},
		{name: "otpauth URI with SHA256", secret: "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256", wantErr: `invalid TOTP secret: the otpauth URI asks for algorithm="SHA256"; awsfed computes codes with algorithm=SHA1 only`},
		{name: "otpauth URI with 8 digits", secret: "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=8", wantErr: `invalid TOTP secret: the otpauth URI asks for digits="8"; awsfed computes codes with digits=6 only`},
		{name: "otpauth URI without secret", secret: "otpauth://totp/x?issuer=ACME", wantErr: "invalid TOTP secret: the otpauth URI has no secret"},
		{name: "otpauth URI with a bad secret", secret: "otpauth://totp/x?secret=JBSWY3DP1HPK3PXP", wantErr: "invalid TOTP secret: it is not base32 (letters A to Z, digits 2 to 7)"},
		{name: "otpauth URI that does not parse", secret: "otpauth://totp/x?secret=JBSWY3DP%zz", wantErr: "invalid TOTP secret: it looks like an otpauth URI but does not parse as one"},
		{name: "otpauth URI whose path does not parse", secret: "otpauth://totp/x%zz?secret=JBSWY3DPEHPK3PXP", wantErr: "invalid TOTP secret: it looks like an otpauth URI but does not parse as one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TOTP(tt.secret, time.Unix(59, 0))
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("TOTP() = %q, %v; want error %q", got, err, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalidSecret) {
				t.Errorf("error %v does not wrap ErrInvalidSecret", err)
			}
			if strings.Contains(err.Error(), "JBSWY3DP") {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}

// fakeClock is a clock whose Sleep moves it on at once.
type fakeClock struct {
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

// fakePrompt answers prompts from a script and records their labels.
type fakePrompt struct {
	answers []string
	err     error // returned once the answers are used up
	labels  []string
}

func (p *fakePrompt) ask(_ context.Context, label string) (string, error) {
	p.labels = append(p.labels, label)
	if len(p.answers) == 0 {
		return "", p.err
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	return a, nil
}

func TestCodes_Code(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXP"
	// Two seconds into a 30-second step.
	start := time.Unix(1700000012, 0)
	totpAt := func(d time.Duration) string {
		t.Helper()
		c, err := TOTP(secret, start.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	errCommand := errors.New("pass: exit status 1")
	isRefused := func(hint string) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			t.Helper()
			var refused *idp.RefusedError
			if !errors.As(err, &refused) || !errors.Is(err, idp.ErrMFARejected) {
				t.Fatalf("error %v; want an *idp.RefusedError wrapping idp.ErrMFARejected", err)
			}
			if !strings.Contains(refused.Hint, hint) {
				t.Errorf("hint %q; want it to contain %q", refused.Hint, hint)
			}
		}
	}
	is := func(target error) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			t.Helper()
			if !errors.Is(err, target) {
				t.Errorf("error %v; want one wrapping %v", err, target)
			}
		}
	}

	tests := []struct {
		name        string
		fixed       string
		secret      string // "" for no Secret
		secretErr   error
		prompt      *fakePrompt // nil for no Prompt
		maxAttempts int
		// calls is how many times Code is called, advance how far the clock
		// moves before each call after the first.
		calls   int
		advance time.Duration

		want        []string // codes of the calls that succeed, in order
		checkErr    func(*testing.T, error)
		wantSleeps  []time.Duration
		wantStatus  string
		wantLabels  []string
		wantSecrets int // calls of Secret
	}{
		{
			name:  "fixed code",
			fixed: " 123 456 ",
			calls: 1,
			want:  []string{"123456"},
		},
		{
			name:     "fixed code rejected, nothing else",
			fixed:    "123456",
			calls:    2,
			want:     []string{"123456"},
			checkErr: isRefused("the code given for this run was rejected"),
		},
		{
			name:        "fixed code rejected, then the secret",
			fixed:       "123456",
			secret:      secret,
			calls:       2,
			want:        []string{"123456", totpAt(0)},
			wantSecrets: 1,
		},
		{
			name:       "fixed code rejected, then the prompt",
			fixed:      "123456",
			prompt:     &fakePrompt{answers: []string{"654321"}},
			calls:      2,
			want:       []string{"123456", "654321"},
			wantLabels: []string{"authenticator code"},
		},
		{
			name:        "secret",
			secret:      "jbsw y3dp ehpk 3pxp",
			calls:       1,
			want:        []string{totpAt(0)},
			wantSecrets: 1,
		},
		{
			name:        "secret, same step twice waits for the next",
			secret:      secret,
			calls:       2,
			advance:     10 * time.Second,
			want:        []string{totpAt(0), totpAt(28 * time.Second)},
			wantSleeps:  []time.Duration{18 * time.Second},
			wantStatus:  "waiting 18s for the next authenticator code…\n",
			wantSecrets: 1,
		},
		{
			name:        "secret, next step without waiting",
			secret:      secret,
			calls:       2,
			advance:     30 * time.Second,
			want:        []string{totpAt(0), totpAt(30 * time.Second)},
			wantSecrets: 1,
		},
		{
			name:        "secret rejected three times",
			secret:      secret,
			calls:       4,
			want:        []string{totpAt(0), totpAt(28 * time.Second), totpAt(58 * time.Second)},
			wantSleeps:  []time.Duration{28 * time.Second, 30 * time.Second},
			wantStatus:  "waiting 28s for the next authenticator code…\nwaiting 30s for the next authenticator code…\n",
			checkErr:    isRefused("3 codes computed from the TOTP secret were rejected; check this computer's clock"),
			wantSecrets: 1,
		},
		{
			name:        "secret with one attempt",
			secret:      secret,
			maxAttempts: 1,
			calls:       2,
			want:        []string{totpAt(0)},
			checkErr:    isRefused("the code computed from the TOTP secret was rejected"),
			wantSecrets: 1,
		},
		{
			name:        "bad secret",
			secret:      "JBSWY3DP1HPK3PXP",
			calls:       2,
			checkErr:    is(ErrInvalidSecret),
			wantSecrets: 1,
		},
		{
			name:        "secret command fails",
			secretErr:   errCommand,
			calls:       2,
			checkErr:    is(errCommand),
			wantSecrets: 1,
		},
		{
			name:        "secret preferred to the prompt",
			secret:      secret,
			prompt:      &fakePrompt{},
			calls:       1,
			want:        []string{totpAt(0)},
			wantSecrets: 1,
		},
		{
			name:       "prompt",
			prompt:     &fakePrompt{answers: []string{" 123 456\n"}},
			calls:      1,
			want:       []string{"123456"},
			wantLabels: []string{"authenticator code"},
		},
		{
			name:       "prompt asks again after an answer that is not digits",
			prompt:     &fakePrompt{answers: []string{"12345a", "654321"}},
			calls:      1,
			want:       []string{"654321"},
			wantLabels: []string{"authenticator code", "authenticator code (digits only)"},
		},
		{
			name:   "prompt gives up after two answers that are not digits",
			prompt: &fakePrompt{answers: []string{"", "abc"}},
			calls:  1,
			checkErr: func(t *testing.T, err error) {
				t.Helper()
				wantMessage(t, err, "no one-time code: the answers given were not digits")
			},
			wantLabels: []string{"authenticator code", "authenticator code (digits only)"},
		},
		{
			name:       "prompt rejected three times",
			prompt:     &fakePrompt{answers: []string{"111111", "222222", "333333"}},
			calls:      4,
			want:       []string{"111111", "222222", "333333"},
			checkErr:   isRefused("3 codes were rejected; check the authenticator's clock"),
			wantLabels: []string{"authenticator code", "authenticator code", "authenticator code"},
		},
		{
			name:       "prompt cancelled",
			prompt:     &fakePrompt{err: ui.ErrCancelled},
			calls:      1,
			checkErr:   is(ui.ErrCancelled),
			wantLabels: []string{"authenticator code"},
		},
		{
			name:  "no source",
			calls: 1,
			checkErr: func(t *testing.T, err error) {
				t.Helper()
				wantMessage(t, err, "a one-time code is needed and awsfed cannot prompt (no terminal, or --no-prompt): set AWSFED_TOTP_SECRET or pass --mfa-code")
				var input *ui.InputNeededError
				if !errors.As(err, &input) {
					t.Errorf("error %v is not a *ui.InputNeededError", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: start}
			var status strings.Builder
			secrets := 0
			c := &Codes{
				Fixed:        tt.fixed,
				Status:       &status,
				Now:          clock.Now,
				Sleep:        clock.Sleep,
				MaxAttempts:  tt.maxAttempts,
				NoPromptHint: "set AWSFED_TOTP_SECRET or pass --mfa-code",
			}
			if tt.secret != "" || tt.secretErr != nil {
				c.Secret = func(context.Context) (string, error) {
					secrets++
					return tt.secret, tt.secretErr
				}
			}
			if tt.prompt != nil {
				c.Prompt = tt.prompt.ask
			}

			var got []string
			var err error
			for i := range tt.calls {
				if i > 0 {
					clock.now = clock.now.Add(tt.advance)
				}
				var code string
				if code, err = c.Code(context.Background(), "authenticator code"); err != nil {
					break
				}
				got = append(got, code)
			}

			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("codes %q; want %q", got, tt.want)
			}
			for i := 1; i < len(got); i++ {
				if got[i] == got[i-1] {
					t.Errorf("code %q handed out twice in a row", got[i])
				}
			}
			switch {
			case tt.checkErr != nil:
				tt.checkErr(t, err)
			case err != nil:
				t.Errorf("error %v; want none", err)
			}
			if err != nil {
				for _, code := range got {
					if strings.Contains(err.Error(), code) {
						t.Errorf("error %q shows the code %q", err, code)
					}
				}
			}
			if !slices.Equal(clock.slept, tt.wantSleeps) {
				t.Errorf("slept %v; want %v", clock.slept, tt.wantSleeps)
			}
			if status.String() != tt.wantStatus {
				t.Errorf("status %q; want %q", status.String(), tt.wantStatus)
			}
			if tt.prompt != nil && strings.Join(tt.prompt.labels, "|") != strings.Join(tt.wantLabels, "|") {
				t.Errorf("prompted with %q; want %q", tt.prompt.labels, tt.wantLabels)
			}
			if secrets != tt.wantSecrets {
				t.Errorf("Secret called %d times; want %d", secrets, tt.wantSecrets)
			}
		})
	}
}

func TestCodes_CodeCancelledWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := &Codes{
		Secret: func(context.Context) (string, error) { return "JBSWY3DPEHPK3PXP", nil },
		Now:    func() time.Time { return time.Unix(1700000012, 0) },
		Sleep: func(ctx context.Context, d time.Duration) error {
			cancel()
			return ctx.Err()
		},
	}
	if _, err := c.Code(ctx, "authenticator code"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Code(ctx, "authenticator code"); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v; want one wrapping context.Canceled", err)
	}
}

func TestCodes_CodeRealClock(t *testing.T) {
	// The real clock: a code handed out now is the one TOTP gives for now
	// (unless a step begins in between, hence the second look).
	c := &Codes{Secret: func(context.Context) (string, error) { return "JBSWY3DPEHPK3PXP", nil }}
	before := time.Now()
	got, err := c.Code(context.Background(), "authenticator code")
	if err != nil {
		t.Fatal(err)
	}
	want1, _ := TOTP("JBSWY3DPEHPK3PXP", before)
	want2, _ := TOTP("JBSWY3DPEHPK3PXP", time.Now())
	if got != want1 && got != want2 {
		t.Errorf("Code() = %q; want %q or %q", got, want1, want2)
	}
}

func wantMessage(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || err.Error() != want {
		t.Errorf("error %v; want %q", err, want)
	}
}

// TestCodes_Used checks that a code another run sent is never sent again:
// a Fixed one gives way, the secret's waits for the next step, a typed one
// is asked for again.
func TestCodes_Used(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXP"
	start := time.Unix(1700000012, 0) // two seconds into a step
	now, _ := TOTP(secret, start)
	next, _ := TOTP(secret, start.Add(30*time.Second))
	tests := []struct {
		name      string
		fixed     string
		secret    bool
		answers   []string
		used      []string
		want      string
		wantErr   string
		wantSlept bool
	}{
		{name: "fixed used, secret next", fixed: "123456", secret: true, used: []string{"123456"}, want: now},
		{name: "fixed used, nothing else", fixed: "123456", used: []string{"123456"}, wantErr: "sent before"},
		{name: "secret's code used: the next step's", secret: true, used: []string{now}, want: next, wantSlept: true},
		{name: "typed code used: asked again", answers: []string{"111111", "222222"}, used: []string{"111111"}, want: "222222"},
		{name: "typed codes all used", answers: []string{"111111", "111111"}, used: []string{"111111"}, wantErr: "sent before"},
		{name: "nothing used", fixed: "123456", used: []string{"999999"}, want: "123456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: start}
			c := &Codes{Fixed: tt.fixed, Now: clock.Now, Sleep: clock.Sleep, Status: io.Discard,
				Used: func(code string) bool { return slices.Contains(tt.used, code) }}
			if tt.secret {
				c.Secret = func(context.Context) (string, error) { return secret, nil }
			}
			if tt.answers != nil {
				c.Prompt = (&fakePrompt{answers: tt.answers}).ask
			}
			got, err := c.Code(context.Background(), "MFA code")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error()+errorHint(err), tt.wantErr) {
					t.Fatalf("got %q, %v; want an error saying %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
			if slept := len(clock.slept) > 0; slept != tt.wantSlept {
				t.Errorf("slept %v, want a wait: %v", clock.slept, tt.wantSlept)
			}
		})
	}
}

// errorHint is the hint of an *idp.RefusedError, else "".
func errorHint(err error) string {
	var r *idp.RefusedError
	if errors.As(err, &r) {
		return r.Hint
	}
	return ""
}

// TestCodes_More says whether another code can come: not after the one
// code given for the run, nor once MaxAttempts codes went out; yes while
// the secret or the prompt is left.
func TestCodes_More(t *testing.T) {
	ctx := context.Background()
	secret := func(context.Context) (string, error) { return "JBSWY3DPEHPK3PXP", nil }
	step := int64(1700000000)
	clock := func() time.Time { step += 30; return time.Unix(step, 0) }
	tests := []struct {
		name  string
		c     *Codes
		sends int
		want  bool
	}{
		{name: "fixed, unsent", c: &Codes{Fixed: "123456"}, sends: 0, want: true},
		{name: "fixed, sent", c: &Codes{Fixed: "123456"}, sends: 1, want: false},
		{name: "fixed then the secret", c: &Codes{Fixed: "123456", Secret: secret, Now: clock}, sends: 1, want: true},
		{name: "secret, attempts used up", c: &Codes{Secret: secret, Now: clock, MaxAttempts: 2}, sends: 2, want: false},
		{name: "nothing at all", c: &Codes{}, sends: 0, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range tt.sends {
				if _, err := tt.c.Code(ctx, "authenticator code"); err != nil {
					t.Fatal(err)
				}
			}
			if got := tt.c.More(); got != tt.want {
				t.Errorf("More() = %v, want %v", got, tt.want)
			}
			if _, err := tt.c.Code(ctx, "authenticator code"); (err == nil) != tt.want {
				t.Errorf("More() = %v, but the next Code gave error %v", tt.want, err)
			}
		})
	}
}
