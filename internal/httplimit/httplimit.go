// Package httplimit bounds what awsfed reads from the network: every
// response body is cut off with an error, not silently, past a size no
// sign-in page, STS answer or AWS page comes near, so that a broken or
// hostile server cannot make awsfed grow without bound.
package httplimit

import (
	"fmt"
	"io"
	"net/http"
)

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
// MaxBody) fails with a *TooLargeError.
type Transport struct {
	Base http.RoundTripper
	Max  int64
}

// RoundTrip sends req with Base and bounds the response body.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	max := t.Max
	if max <= 0 {
		max = MaxBody
	}
	resp.Body = &body{ReadCloser: resp.Body, left: max, err: &TooLargeError{Host: req.URL.Host, Max: max}}
	return resp, nil
}

// body is a response body that fails after left bytes.
type body struct {
	io.ReadCloser
	left int64
	err  error
}

func (b *body) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := b.ReadCloser.Read(one[:]); n > 0 {
			return 0, b.err
		}
		return b.ReadCloser.Read(p[:0])
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
