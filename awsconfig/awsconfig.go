// Package awsconfig reads and writes the AWS CLI's config and credentials
// files without ever losing a byte of what it does not change.
//
// Files are read as the AWS CLI (botocore's configparser) reads them where
// that matters to awsfed: full-line comments start with # or ;, a # or ;
// inside a value belongs to the value (botocore has no inline comments),
// keys are case-insensitive, and an indented block under a key with an
// empty value (s3 =\n  max_concurrent_requests = 10) is that key's nested
// value. Files the AWS CLI refuses are refused here too, with a *ParseError:
// a section or a key repeated (configparser's strict mode; the AWS SDK for
// Go would merge them), a key before the first section, a line that is
// neither a header nor key = value, a byte-order mark, bytes that are not
// UTF-8. So are the few forms that botocore and the AWS SDKs (or
// gopkg.in/ini.v1) read differently: a line indented deeper than the key
// above it (a continuation line to botocore, a line of its own to the
// SDKs), an indented line under a key without a value but no deeper than
// that key, a [DEFAULT] section (whose keys botocore copies into every
// section), quoted key names, and values starting with """ or `.
//
// Section names are the header's text with surrounding space removed and
// inner runs of space made one, as the AWS SDK for Go reads them, so
// "[ profile  x ]" is "profile x". In a config file the default profile is
// [profile default] if present, else [default], as in the Go SDK.
//
// Update edits the text line by line instead of re-serialising it, so that
// everything it does not change stays as written, and it replaces the file
// atomically under a lock so that concurrent writers never lose a profile.
package awsconfig
