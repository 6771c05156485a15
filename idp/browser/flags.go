package browser

import (
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
	"github.com/google/shlex"
)

// SplitFlags splits AWSFED_BROWSER_FLAGS into browser switches as a POSIX
// shell would (quotes and backslashes group words), so that a switch whose
// value has spaces, such as --host-resolver-rules="MAP a 127.0.0.1:1, MAP b
// 127.0.0.1:1", stays one switch. It runs nothing and expands nothing. It
// refuses what Capture would refuse (a word that is no switch, a switch
// awsfed sets itself), so that a mistake shows before anything starts.
func SplitFlags(s string) ([]string, error) {
	f, err := shlex.Split(s)
	if err != nil {
		return nil, fmt.Errorf("AWSFED_BROWSER_FLAGS: %w (an unclosed quote?)", err)
	}
	if _, err := flagOptions(f); err != nil {
		return nil, fmt.Errorf("AWSFED_BROWSER_FLAGS: %w", err)
	}
	return f, nil
}

// reservedFlags are switches awsfed sets itself and must not be changed: the
// profile folder and the debugging transport (a port would let any local user
// drive the browser, and needs a websocket awsfed does not link).
var reservedFlags = map[string]bool{
	"user-data-dir":             true,
	"remote-debugging-port":     true,
	"remote-debugging-address":  true,
	"remote-debugging-pipe":     true,
	"remote-debugging-io-pipes": true,
}

// flagOptions turns switches ("--name" or "--name=value") into allocator
// options, applied after awsfed's own so that they can change them.
func flagOptions(flags []string) ([]chromedp.ExecAllocatorOption, error) {
	var opts []chromedp.ExecAllocatorOption
	for _, f := range flags {
		name, value, hasValue := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if !strings.HasPrefix(f, "-") || name == "" {
			return nil, fmt.Errorf("browser flag %q is not a switch like --name or --name=value", f)
		}
		if reservedFlags[strings.ToLower(name)] {
			return nil, fmt.Errorf("browser flag --%s is set by awsfed and cannot be changed", name)
		}
		if hasValue {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	return opts, nil
}
