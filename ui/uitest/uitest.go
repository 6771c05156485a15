// Package uitest provides a scripted ui.Prompter for tests.
package uitest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/seed-2d15385e/awsfed/ui"
)

// Method names the Prompter method a prompt is expected through.
type Method string

// The methods of ui.Prompter.
const (
	Input    Method = "Input"
	Password Method = "Password"
	Select   Method = "Select"
	Enter    Method = "WaitEnter"
)

// Prompter is a ui.Prompter that answers the prompts registered with it, in
// the order they were registered. A prompt that is not the next one
// registered fails the test and returns an error; prompts still registered
// when the test ends fail it too. Prompts are compared after trimming
// surrounding white space. It is safe for concurrent use.
type Prompter struct {
	t     testing.TB
	mu    sync.Mutex
	stubs []stub
}

type stub struct {
	method Method
	prompt string
	answer string
	err    error
}

var _ ui.Prompter = (*Prompter)(nil)

// New returns a Prompter with no prompts registered and arranges for the
// test to fail at its end if any registered prompt was not asked.
func New(t testing.TB) *Prompter {
	t.Helper()
	p := &Prompter{t: t}
	t.Cleanup(p.verify)
	return p
}

// RegisterInput expects an Input prompt and answers it with answer.
func (p *Prompter) RegisterInput(prompt, answer string) {
	p.register(stub{method: Input, prompt: prompt, answer: answer})
}

// RegisterPassword expects a Password prompt and answers it with answer.
func (p *Prompter) RegisterPassword(prompt, answer string) {
	p.register(stub{method: Password, prompt: prompt, answer: answer})
}

// RegisterSelect expects a Select prompt and chooses the option equal to
// answer; the test fails if no option is.
func (p *Prompter) RegisterSelect(prompt, answer string) {
	p.register(stub{method: Select, prompt: prompt, answer: answer})
}

// RegisterError expects a prompt through method and makes it return err,
// such as an error wrapping ui.ErrCancelled.
func (p *Prompter) RegisterError(method Method, prompt string, err error) {
	p.register(stub{method: method, prompt: prompt, err: err})
}

// RegisterEnter expects a WaitEnter and returns from it as if Enter was
// pressed.
func (p *Prompter) RegisterEnter() {
	p.register(stub{method: Enter})
}

// WaitEnter returns at once when the next registered prompt is a WaitEnter
// one; otherwise it waits, as a person who presses nothing, until ctx is
// done, and returns ctx's error without failing the test.
func (p *Prompter) WaitEnter(ctx context.Context) error {
	p.mu.Lock()
	next := len(p.stubs) > 0 && p.stubs[0].method == Enter
	p.mu.Unlock()
	if next {
		_, err := p.next(ctx, Enter, "")
		return err
	}
	<-ctx.Done()
	return fmt.Errorf("%w at prompt %q", ui.ErrCancelled, "Enter")
}

// Input answers the next registered prompt, which must be an Input one.
func (p *Prompter) Input(ctx context.Context, prompt string) (string, error) {
	s, err := p.next(ctx, Input, prompt)
	if err != nil {
		return "", err
	}
	return s.answer, nil
}

// Password answers the next registered prompt, which must be a Password one.
func (p *Prompter) Password(ctx context.Context, prompt string) (string, error) {
	s, err := p.next(ctx, Password, prompt)
	if err != nil {
		return "", err
	}
	return s.answer, nil
}

// Select answers the next registered prompt, which must be a Select one,
// with the index of the registered answer in options.
func (p *Prompter) Select(ctx context.Context, prompt string, options []string) (int, error) {
	s, err := p.next(ctx, Select, prompt)
	if err != nil {
		return -1, err
	}
	i := slices.Index(options, s.answer)
	if i < 0 {
		p.t.Errorf("uitest: Select %q: answer %q is not among the options %q", prompt, s.answer, options)
		return -1, fmt.Errorf("uitest: answer %q is not among the options", s.answer)
	}
	return i, nil
}

func (p *Prompter) register(s stub) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stubs = append(p.stubs, s)
}

// next takes the first registered prompt if it is the one asked. A done
// context answers as ui.TTYPrompter does, and leaves the prompt registered.
func (p *Prompter) next(ctx context.Context, method Method, prompt string) (stub, error) {
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return stub{}, fmt.Errorf("prompt %q: %w", prompt, err)
		}
		return stub{}, fmt.Errorf("%w at prompt %q", ui.ErrCancelled, prompt)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.stubs) == 0 {
		p.t.Errorf("uitest: unexpected %s prompt %q: no more prompts registered", method, prompt)
		return stub{}, fmt.Errorf("uitest: unexpected %s prompt %q", method, prompt)
	}
	s := p.stubs[0]
	if s.method != method || strings.TrimSpace(s.prompt) != strings.TrimSpace(prompt) {
		p.t.Errorf("uitest: unexpected %s prompt %q; the next registered is %s prompt %q", method, prompt, s.method, s.prompt)
		return stub{}, fmt.Errorf("uitest: unexpected %s prompt %q", method, prompt)
	}
	p.stubs = p.stubs[1:]
	return s, s.err
}

func (p *Prompter) verify() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.stubs {
		p.t.Errorf("uitest: %s prompt %q was registered but never asked", s.method, s.prompt)
	}
}
