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
// UTF-8.
//
// Update edits the text line by line instead of re-serialising it, so that
// everything it does not change stays as written, and it replaces the file
// atomically under a lock so that concurrent writers never lose a profile.
package awsconfig
