// Package ui holds the process's streams, terminal detection and the
// prompter through which every question to a person is asked.
package ui
