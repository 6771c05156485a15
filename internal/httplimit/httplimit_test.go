package httplimit

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := map[string]int{"/small": 10, "/exact": 64, "/over": 65, "/endless": 1 << 30}[r.URL.Path]
		chunk := []byte(strings.Repeat("x", 16))
		for n > 0 {
			k := min(n, len(chunk))
			if _, err := w.Write(chunk[:k]); err != nil {
				return // the client stopped reading
			}
			n -= k
		}
	}))
	defer srv.Close()
	c := &http.Client{Transport: &Transport{Base: http.DefaultTransport, Max: 64}}
	for path, wantErr := range map[string]bool{"/small": false, "/exact": false, "/over": true, "/endless": true} {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		var tl *TooLargeError
		if gotErr := errors.As(err, &tl); gotErr != wantErr || len(b) > 64 {
			t.Errorf("%s: read %d bytes, error %v; want an error: %v", path, len(b), err, wantErr)
		}
	}
}

// TestTimeout ends a request whose server answers neither the headers nor
// the whole body in time, with a *TimeoutError naming the host; a caller
// that gives up gets its own error.
func TestTimeout(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
		}
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	c := &http.Client{Transport: &Transport{Base: http.DefaultTransport, Timeout: 200 * time.Millisecond}}
	for _, path := range []string{"/no-answer", "/slow-body"} {
		start := time.Now()
		resp, err := c.Get(srv.URL + path)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		var te *TimeoutError
		if !errors.As(err, &te) || te.Host != srv.Listener.Addr().String() || time.Since(start) > 5*time.Second {
			t.Errorf("%s: error %v after %s, want a *TimeoutError for %s", path, err, time.Since(start), srv.Listener.Addr())
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/no-answer", nil)
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.Do(req)
	var te *TimeoutError
	if errors.As(err, &te) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: error %v, want context.Canceled", err)
	}
}
