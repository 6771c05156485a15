// Package httplimit bounds what awsfed reads from the network and how
// long it waits for it: every response body is cut off with an error, not
// silently, past a size no sign-in page, STS answer or AWS page comes
// near, and every request ends with an error naming the host when its
// answer has not come, whole, within a deadline. A broken or hostile server
// can make awsfed neither grow without bound nor hang.
package httplimit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// DefaultTimeout is how long one request may take, its answer read
// whole, unless AWSFED_NETWORK_TIMEOUT says otherwise.
const DefaultTimeout = 30 * time.Second

// TimeoutError reports a server that did not answer in time.
type TimeoutError struct {
	Host  string
	After time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s did not answer within %s: check that it is up and reachable (and any proxy on the way), or set AWSFED_NETWORK_TIMEOUT to wait longer", e.Host, e.After)
}

// Timeout reports that a request took too long: it is not worth trying
// again at once (the AWS SDK's retryer asks).
func (e *TimeoutError) Timeout() bool { return true }

// MaxBody is the most awsfed reads of one response body: 8 MiB. Sign-in
// pages are tens of kilobytes, STS answers a few.
const MaxBody = 8 << 20

// TooLargeError reports a response body past the limit.
type TooLargeError struct {
	Host string
	Max  int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the answer from %s is larger than %d MiB, which no sign-in page or AWS answer is: stopped reading", e.Host, e.Max>>20)
}

// Transport wraps Base so that reading a response body past Max (0:
// MaxBody) fails with a *TooLargeError, and a request whose answer has not
// been read whole within Timeout (0: no deadline) fails with a
// *TimeoutError.
type Transport struct {
	Base    http.RoundTripper
	Max     int64
	Timeout time.Duration
}

// RoundTrip sends req with Base and bounds the response body and the time.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	parent, host := req.Context(), req.URL.Host
	cancel := context.CancelFunc(func() {})
	var ctx context.Context
	if t.Timeout > 0 {
		ctx, cancel = context.WithTimeout(parent, t.Timeout)
		req = req.WithContext(ctx)
	}
	// timedOut turns err into a *TimeoutError when it came of the deadline,
	// and not of the caller giving up.
	timedOut := func(err error) error {
		if ctx != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil {
			return &TimeoutError{Host: host, After: t.Timeout}
		}
		return err
	}
	resp, err := t.Base.RoundTrip(req)
	if err != nil {
		cancel()
		return nil, timedOut(err)
	}
	max := t.Max
	if max <= 0 {
		max = MaxBody
	}
	resp.Body = &body{ReadCloser: resp.Body, left: max, err: &TooLargeError{Host: host, Max: max}, cancel: cancel, timedOut: timedOut}
	return resp, nil
}

// body is a response body that fails after left bytes, or once the
// request's deadline has passed.
type body struct {
	io.ReadCloser
	left     int64
	err      error
	cancel   context.CancelFunc
	timedOut func(error) error
}

func (b *body) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.read(p)
	if err != nil && err != io.EOF {
		err = b.timedOut(err)
	}
	return n, err
}

func (b *body) read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		n, err := b.ReadCloser.Read(one[:])
		if n > 0 {
			return 0, b.err
		}
		return 0, err // io.EOF at the limit: the body was exactly that long
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
