package sso

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestNoSecretInErrors runs failures whose answers quote every secret of
// the request, as a careless server might, and checks that no error and
// no Status line repeats one.
func TestNoSecretInErrors(t *testing.T) {
	secrets := []string{"AT-old", "RT-old", "CSECRET", "DEVICE-SECRET", "AUTH-CODE", "AT-portal"}
	// echo answers code with a message quoting every string of the body.
	echo := func(status int, code string) route {
		return func(w http.ResponseWriter, r *http.Request, body map[string]any) {
			awsError(w, status, code, "invalid", fmt.Sprintf("bad request %v %s", body, r.Header.Get("x-amz-sso_bearer_token")))
		}
	}
	var verifier string
	tests := []struct {
		name   string
		routes func(t *testing.T) map[string]route
		run    func(c *Client) error
	}{
		{"refresh: portal session ended", func(*testing.T) map[string]route {
			return map[string]route{"POST /token": echo(400, "InvalidGrantException")}
		}, func(c *Client) error {
			_, err := c.Token(context.Background(), testSession, TokenOptions{MinValid: 24 * 60 * 60 * 1e9})
			return err
		}},
		{"refresh: server error", func(*testing.T) map[string]route {
			return map[string]route{"POST /token": echo(500, "InternalServerException")}
		}, func(c *Client) error {
			_, err := c.Token(context.Background(), testSession, TokenOptions{MinValid: 24 * 60 * 60 * 1e9})
			return err
		}},
		{"device: unknown start URL", func(t *testing.T) map[string]route {
			r := deviceRoutes(t, nil)
			r["POST /device_authorization"] = echo(400, "InvalidRequestException")
			return r
		}, func(c *Client) error {
			_, err := c.SignIn(context.Background(), testSession, TokenOptions{Flow: FlowDevice})
			return err
		}},
		{"device: client refused", func(t *testing.T) map[string]route {
			r := deviceRoutes(t, nil)
			r["POST /token"] = echo(400, "InvalidClientException")
			return r
		}, func(c *Client) error {
			_, err := c.SignIn(context.Background(), testSession, TokenOptions{Flow: FlowDevice})
			return err
		}},
		{"pkce: code refused", func(t *testing.T) map[string]route {
			return nil // pkceServerToken below
		}, func(c *Client) error {
			_, err := c.SignIn(context.Background(), testSession, TokenOptions{Flow: FlowPKCE})
			return err
		}},
		{"portal: 401", func(*testing.T) map[string]route {
			return map[string]route{"GET /assignment/accounts": echo(401, "UnauthorizedException")}
		}, func(c *Client) error {
			_, err := c.Accounts(context.Background(), portalToken())
			return err
		}},
		{"portal: 403", func(*testing.T) map[string]route {
			return map[string]route{"GET /federation/credentials": echo(403, "ForbiddenException")}
		}, func(c *Client) error {
			_, err := c.RoleCredentials(context.Background(), portalToken(), "123456789012", "Admin")
			return err
		}},
		{"portal: 400", func(*testing.T) map[string]route {
			return map[string]route{"GET /assignment/roles": echo(400, "InvalidRequestException")}
		}, func(c *Client) error {
			_, err := c.Roles(context.Background(), portalToken(), "123456789012")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *server
			if routes := tt.routes(t); routes != nil {
				srv = newServer(t, routes)
			} else {
				srv = pkceServerToken(t,
					func(q url.Values) url.Values { return url.Values{"code": {"AUTH-CODE"}, "state": {q.Get("state")}} },
					func(w http.ResponseWriter, r *http.Request, body map[string]any) {
						verifier, _ = body["codeVerifier"].(string)
						echo(400, "InvalidGrantException")(w, r, body)
					})
			}
			c, _, status := testClient(t, srv, nil)
			c.OpenBrowser = func(u string) error {
				resp, err := srv.Client().Get(u)
				if err == nil {
					resp.Body.Close()
				}
				return err
			}
			writeFile(t, TokenPath(c.CacheDir, testSession), cliToken)
			err := tt.run(c)
			if err == nil {
				t.Fatal("no error")
			}
			t.Logf("error: %v", err)
			for _, s := range append(secrets, verifier) {
				if s == "" {
					continue
				}
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q holds the secret %s", err, s)
				}
				if strings.Contains(status.String(), s) {
					t.Errorf("status %q holds the secret %s", status, s)
				}
			}
		})
	}
}
