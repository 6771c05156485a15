package form

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
)

// maxPage bounds how much of a page is read; sign-in pages are far smaller.
const maxPage = 8 << 20

// Do sends req with c (which follows redirects with its cookie jar) and
// parses the final page. A transport failure names the host and says whether
// it could not be reached at all.
func Do(c *http.Client, req *http.Request) (*Page, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, &ReachError{URL: req.URL, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage+1))
	if err != nil {
		return nil, &ReachError{URL: resp.Request.URL, Err: err}
	}
	if len(body) > maxPage {
		return nil, &ReachError{URL: resp.Request.URL, Err: fmt.Errorf("the page is larger than %d MiB, which no sign-in page is: stopped reading", maxPage>>20)}
	}
	return Parse(resp.Request.URL, resp.StatusCode, body)
}

// ReachError reports that an IdP page could not be fetched.
type ReachError struct {
	URL *url.URL
	Err error
}

func (e *ReachError) Error() string {
	var op *net.OpError
	if errors.As(e.Err, &op) && op.Op == "dial" {
		return fmt.Sprintf("cannot reach the IdP at %s: %v; check the URL and that the IdP is up", e.URL.Host, op.Err)
	}
	cause := e.Err
	var ue *url.Error
	if errors.As(cause, &ue) {
		cause = ue.Err // its message repeats the URL with its query
	}
	return fmt.Sprintf("fetch %s: %v", redact(e.URL), cause)
}

func (e *ReachError) Unwrap() error { return e.Err }
