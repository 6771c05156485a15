package ui

import (
	"fmt"
	"sync"
	"time"
)

const spinnerInterval = 120 * time.Millisecond

const spinnerFrames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

// StartSpinner shows label() after a turning wheel on ErrOut until stop is
// called, and then clears the line; label is called for every frame, so it
// can count down. It shows nothing unless ErrTTY is set.
// Nothing else may write to ErrOut between the two calls. stop may be
// called more than once; it returns once the spinner has stopped writing.
func (s *Streams) StartSpinner(label func() string) (stop func()) {
	if !s.ErrTTY || s.ErrOut == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	frames := []rune(spinnerFrames)
	go func() {
		defer close(finished)
		tick := time.NewTicker(spinnerInterval)
		defer tick.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(s.ErrOut, "\r%c %s\x1b[K", frames[i%len(frames)], label())
			select {
			case <-done:
				fmt.Fprint(s.ErrOut, "\r\x1b[K")
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-finished
		})
	}
}
