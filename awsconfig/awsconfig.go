// Package awsconfig reads and writes the AWS CLI's config and credentials
// files without ever losing a byte of what it does not change.
package awsconfig
