// Package browser signs a person in to their IdP in a real Chrome, Chromium,
// Edge or Brave, and takes the SAMLResponse from the browser's POST to AWS's
// sign-in page before it leaves the browser: the POST is paused and ended
// in the browser, so AWS never receives it. The browser runs on a profile
// folder awsfed owns (Profile), which keeps the IdP's session so that a
// later headless run renews without a login form.
//
// This is the only package that links chromedp; nothing here runs before
// Capture is called. docs/browser.md has the measurements.
package browser
