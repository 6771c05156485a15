package sso

import (
	"fmt"
	"strings"
	"time"
)

// The AWS CLI writes its SSO cache with Python's json.dumps and default
// options: ", " and ": " as separators, keys in insertion order (sorted
// only for the registration's cache name), and ensure_ascii, which writes
// every character outside ' '…'~' as \uXXXX in lower-case hex, astral ones
// as a surrogate pair. encoding/json differs (it keeps UTF-8 and escapes
// <, > and &), so these few functions write what Python writes, byte for
// byte, for the values the cache holds: strings, lists of strings, null.

// pyTime is how botocore writes a datetime into the SSO cache
// (_serialize_utc_timestamp: "%Y-%m-%dT%H:%M:%SZ").
const pyTime = "2006-01-02T15:04:05Z"

// appendPyString appends s as json.dumps writes a str. Bytes that are not
// UTF-8 become U+FFFD, which no str written by Python holds anyway.
func appendPyString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	u := func(b []byte, r rune) []byte {
		return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
	}
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\b':
			b = append(b, '\\', 'b')
		case r == '\f':
			b = append(b, '\\', 'f')
		case r >= ' ' && r <= '~':
			b = append(b, byte(r))
		case r < 0x10000:
			b = u(b, r)
		default:
			r -= 0x10000
			b = u(b, 0xd800|(r>>10)&0x3ff)
			b = u(b, 0xdc00|r&0x3ff)
		}
	}
	return append(b, '"')
}

// appendPyList appends list as json.dumps writes a list of str, or null
// for nil (Python's None).
func appendPyList(b []byte, list []string) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendPyString(b, s)
	}
	return append(b, ']')
}

// pyObject builds a JSON object as json.dumps writes a dict, one member
// at a time, in the order they are added.
type pyObject struct {
	b []byte
}

// raw adds a member whose value is JSON already.
func (o *pyObject) raw(key string, value []byte) {
	if len(o.b) == 0 {
		o.b = append(o.b, '{')
	} else {
		o.b = append(o.b, ", "...)
	}
	o.b = appendPyString(o.b, key)
	o.b = append(o.b, ": "...)
	o.b = append(o.b, value...)
}

func (o *pyObject) str(key, value string) { o.raw(key, appendPyString(nil, value)) }

func (o *pyObject) list(key string, value []string) { o.raw(key, appendPyList(nil, value)) }

func (o *pyObject) time(key string, t time.Time) { o.str(key, t.UTC().Format(pyTime)) }

// bytes returns the object, closed.
func (o *pyObject) bytes() []byte {
	if len(o.b) == 0 {
		return []byte("{}")
	}
	return append(o.b, '}')
}

// parseCacheTime reads a time from the SSO cache: RFC 3339, as botocore
// and the Go SDK write it, and the forms older writers left ("…UTC",
// "+0000", no zone: UTC).
func parseCacheTime(s string) (time.Time, error) {
	for _, layout := range []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05MST",
		"2006-01-02T15:04:05.999999999MST",
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04:05.999999999Z0700",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04:05.999999999",
	} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		// time.Parse takes an unknown zone abbreviation as offset 0:
		// only UTC and GMT are that.
		if name, _ := t.Zone(); strings.HasSuffix(layout, "MST") && name != "UTC" && name != "GMT" {
			continue
		}
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time such as 2026-01-02T15:04:05Z", s)
}
