package httplimit

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
