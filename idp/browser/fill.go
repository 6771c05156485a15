package browser

import (
	"context"
	"errors"
	"strconv"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/seed-2d15385e/awsfed/idp"
)

// Fill supplies what a headless run types into the IdP's login form. A nil
// func means that input cannot be had: a page asking for it ends the run.
type Fill struct {
	// Password returns the IdP password. It is asked once per run, when a
	// password field is shown. An error wrapping *ui.InputNeededError ends
	// the run with that error.
	Password func(ctx context.Context) (string, error)
	// Code returns a fresh one-time code each call; label names the factor
	// ("one-time code").
	Code func(ctx context.Context, label string) (string, error)
}

// fieldKind names the fields the page script looks for.
type fieldKind string

const (
	fieldUser     fieldKind = "user"
	fieldPassword fieldKind = "password"
	fieldCode     fieldKind = "code"
)

// pageState is what the page script reports of the main frame: which
// visible fields awsfed has not yet filled on this document.
type pageState struct {
	// User is an empty visible username or e-mail field.
	User bool `json:"user"`
	// Password is a visible password field.
	Password bool `json:"password"`
	// Code is a visible one-time-code field.
	Code bool `json:"code"`
}

// pageScript finds the login fields of the page. It is one expression,
// evaluated anew on every look, since the page navigates under it. Called
// with an action it acts on the first field of that kind: "focus:KIND"
// focuses it (selecting its text) and remembers it as filled; "submit:KIND"
// submits its form. Fields are remembered in a WeakSet the page cannot reach
// by name, so a field is filled once per document.
const pageScript = `(function (action) {
  const key = Symbol.for('awsfed.filled');
  const filled = window[key] || (window[key] = new WeakSet());
  // Visible to a person: not hidden from the accessibility tree or the tab
  // order (Google's identifier page carries such a password field for
  // password managers), not off the page, not transparent.
  const visible = (el) => {
    if (el.disabled || el.readOnly || el.type === 'hidden') return false;
    if (el.tabIndex < 0 || el.closest('[aria-hidden="true"]')) return false;
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 &&
      s.visibility !== 'hidden' && s.display !== 'none' && s.opacity !== '0';
  };
  const inputs = Array.from(document.querySelectorAll('input')).filter(visible);
  const words = (el) => ((el.name || '') + ' ' + (el.id || '')).toLowerCase();
  const isCode = (el) => el.type !== 'password' &&
    ((el.autocomplete || '').toLowerCase() === 'one-time-code' ||
     (el.inputMode || '').toLowerCase() === 'numeric' ||
     /otp|totp|code|token|pin/.test(words(el)));
  const isUser = (el) => ['text', 'email', ''].includes((el.type || '').toLowerCase()) && !isCode(el) &&
    (el.type === 'email' || /^(username|email)\b/.test((el.autocomplete || '').toLowerCase()) ||
     /user|login|email|mail|ident|account/.test(words(el)));
  const find = {
    user: () => inputs.find((el) => isUser(el) && el.value === '' && !filled.has(el)),
    password: () => inputs.find((el) => el.type === 'password' && !filled.has(el)),
    code: () => inputs.find((el) => isCode(el) && !filled.has(el)),
  };
  if (!action) {
    // Not before the page's own scripts have run: they may still change
    // the form (a token, the fields) until the load event.
    if (document.readyState !== 'complete') return {user: false, password: false, code: false};
    return {user: !!find.user(), password: !!find.password(), code: !!find.code()};
  }
  const [verb, kind] = action.split(':');
  if (verb === 'focus') {
    const el = find[kind]();
    if (!el) return false;
    el.focus();
    el.select();
    filled.add(el);
    return document.activeElement === el;
  }
  if (verb === 'submit') {
    const el = Array.from(document.querySelectorAll('input')).filter((e) => filled.has(e)).pop();
    if (!el) return false;
    const f = el.form;
    if (f) {
      const b = f.querySelector('button:not([type]), button[type=submit], input[type=submit]');
      if (typeof f.requestSubmit === 'function') f.requestSubmit(b && b.form === f ? b : undefined);
      else if (b) b.click();
      else f.submit();
      return true;
    }
    const b = Array.from(document.querySelectorAll('button, input[type=submit]')).find(visible);
    if (b) { b.click(); return true; }
    return false;
  }
  return false;
})`

// inspect reports the page's login fields, or nil while the page cannot be
// read (it is navigating).
func (s *session) inspect(ctx context.Context) *pageState {
	cctx, cancel := context.WithTimeout(s.tab, cdpTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	st, err := chromedp.Run(cctx, chromedp.Evaluate[pageState](pageScript+"()"))
	if err != nil {
		return nil
	}
	return &st
}

// pageAction runs the page script with an action and reports its result.
func (s *session) pageAction(ctx context.Context, action string) (bool, error) {
	cctx, cancel := context.WithTimeout(s.tab, cdpTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	return chromedp.Run(cctx, chromedp.Evaluate[bool](pageScript+"("+strconv.Quote(action)+")"))
}

// errFieldGone means the page changed while awsfed filled it: the next look
// starts again.
var errFieldGone = errors.New("the page changed while awsfed filled it")

// typeInto focuses the first unfilled field of kind and inserts text as if
// typed. The text goes to the browser over the debugging pipe only; errors
// never carry it.
func (s *session) typeInto(ctx context.Context, kind fieldKind, text string) error {
	ok, err := s.pageAction(ctx, "focus:"+string(kind))
	if err != nil || !ok {
		return errFieldGone
	}
	cctx, cancel := context.WithTimeout(s.tab, cdpTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	if _, err := chromedp.Call(cctx, input.InsertText, input.InsertTextParams{Text: text}); err != nil {
		return errFieldGone
	}
	return nil
}

func (s *session) submit(ctx context.Context) error {
	ok, err := s.pageAction(ctx, "submit:")
	if err != nil || !ok {
		return errFieldGone
	}
	return nil
}

// step looks at the page once and fills what it can. It returns
// ErrLoginRequired when the page asks for what Fill cannot give, and
// progressed when it submitted something. A page that changes while it is
// filled is looked at again on the next step.
func (s *session) step(ctx context.Context) (progressed bool, err error) {
	st := s.inspect(ctx)
	if st == nil {
		return false, nil
	}
	if s.o.Headful {
		// A person signs in; awsfed only saves them typing the user name.
		if st.User && s.o.Username != "" {
			_ = s.typeInto(ctx, fieldUser, s.o.Username)
		}
		return false, nil
	}
	progressed, err = s.fill(ctx, st)
	if errors.Is(err, errFieldGone) {
		return false, nil
	}
	return progressed, err
}

// fill fills and submits a headless run's login page.
func (s *session) fill(ctx context.Context, st *pageState) (bool, error) {
	f := s.o.Fill
	if !st.Password && !st.Code {
		if !st.User || s.o.Username == "" || f == nil {
			return false, nil
		}
		// An identifier-first page: the name now, the password on the next.
		if s.usernameSent >= maxUsernameSubmits {
			return false, ErrLoginRequired
		}
		if err := s.typeInto(ctx, fieldUser, s.o.Username); err != nil {
			return false, err
		}
		s.usernameSent++
		return true, s.submit(ctx)
	}
	if st.Password {
		if f == nil || f.Password == nil {
			return false, ErrLoginRequired
		}
		if s.passwordSent && s.codeSent {
			// The form came back after the password and a code went through.
			return false, &idp.RefusedError{Err: errAskedAgain}
		}
		if s.passwordSent {
			// The form came back after the password was sent.
			return false, &idp.RefusedError{Err: idp.ErrWrongPassword}
		}
		if !s.havePassword {
			pw, err := f.Password(ctx)
			if err != nil {
				return false, err
			}
			s.password, s.havePassword = pw, true
		}
	}
	if st.Code {
		if f == nil || f.Code == nil {
			return false, ErrLoginRequired
		}
		if s.code == "" {
			code, err := f.Code(ctx, "one-time code")
			if err != nil {
				return false, err
			}
			s.code = code
		}
	}
	if st.Password && st.User && s.o.Username != "" {
		if err := s.typeInto(ctx, fieldUser, s.o.Username); err != nil {
			return false, err
		}
	}
	if st.Password {
		if err := s.typeInto(ctx, fieldPassword, s.password); err != nil {
			return false, err
		}
	}
	if st.Code {
		if err := s.typeInto(ctx, fieldCode, s.code); err != nil {
			return false, err
		}
	}
	if err := s.submit(ctx); err != nil {
		return false, err
	}
	// Sent: a code is used once; a password shown again was wrong.
	s.code = ""
	s.codeSent = s.codeSent || st.Code && s.passwordSent
	s.passwordSent = s.passwordSent || st.Password
	return true, nil
}

// errAskedAgain is a login form shown again after the password and a
// one-time code were accepted, as when the browser refuses the IdP's
// session cookie.
var errAskedAgain = errors.New("the IdP asked for the password again after the one-time code: it refused the code, or its session cookie did not hold (a cookie marked SameSite=None without Secure, on plain http)")

// maxUsernameSubmits bounds how often a headless run submits a page that
// asks only for the user name (it shows again when the IdP does not know it).
const maxUsernameSubmits = 3
