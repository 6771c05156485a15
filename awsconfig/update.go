package awsconfig

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/seed-2d15385e/awsfed/internal/atomicfile"
)

// UpdateOptions tune Update.
type UpdateOptions struct {
	// Private marks a file that holds secrets (the credentials file): it is
	// kept at mode 0600, and an existing file that group or others may
	// read is tightened to 0600 with a notice.
	Private bool
	// LockTimeout is how long to wait for another writer's lock; zero
	// means 30 seconds.
	LockTimeout time.Duration

	// noSync skips the fsync calls; benchmarks only.
	noSync bool
	// noCreate leaves a missing file missing, and its folder too.
	noCreate bool
}

const defaultLockTimeout = 30 * time.Second

// Update applies changes, in order, to the config or credentials file at
// path and returns notices for the person (such as a mode it tightened).
//
// Every byte that the changes do not touch is kept: other sections, keys,
// comments, blank lines, spacing, CRLF line ends, a missing final newline. A
// replaced key keeps its place and the spacing before its value; added keys
// follow the section's last key; an added section goes at the end of the
// file after one blank line.
//
// The write is safe against crashes and other writers: Update holds an
// exclusive lock on path's final target plus ".lock" (following symlinks,
// which stay symlinks) from reading to renaming, writes a temporary file in
// the same folder, syncs it, renames it over the target and syncs the
// folder. It creates a missing file with mode 0600 and a missing folder with
// mode 0700, keeps the mode and owner of an existing file (see
// UpdateOptions.Private), and writes nothing when nothing changes.
//
// Before renaming, Update reads the result back and checks that the changed
// keys read exactly as given and that nothing else reads differently. A
// value that could not be read back as given (see Change) is refused before
// anything is written. A file that does not parse is left as it is and
// reported with a *ParseError.
func Update(path string, changes []Change, opts UpdateOptions) (notices []string, err error) {
	notices, _, err = updateFile(path, changes, opts)
	return notices, err
}

// updateFile is Update that also reports whether it changed the file's content.
func updateFile(path string, changes []Change, opts UpdateOptions) (notices []string, changed bool, err error) {
	for _, ch := range changes {
		if err := ch.validate(); err != nil {
			return nil, false, fmt.Errorf("update %s: %w", path, err)
		}
	}
	target, err := resolve(path)
	var notFile *NotFileError
	if errors.As(err, &notFile) {
		return nil, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("update %s: %w", path, err)
	}
	if opts.noCreate {
		if _, err := os.Lstat(target); errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return nil, false, fmt.Errorf("update %s: %w", path, err)
	}
	unlock, err := lock(target+".lock", opts.LockTimeout)
	if errors.Is(err, fs.ErrPermission) {
		return nil, false, &AccessError{Path: target, Op: "create", Err: fs.ErrPermission}
	}
	if err != nil {
		return nil, false, fmt.Errorf("update %s: %w", path, err)
	}
	defer func() {
		if uerr := unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("update %s: unlock: %w", path, uerr)
		}
	}()

	// A writer killed half-way left its temporary file, a full copy of
	// the file; under the lock no write is under way.
	if err := atomicfile.RemoveStale(target, 0); err != nil {
		notices = append(notices, fmt.Sprintf("could not remove a temporary file a killed awsfed left beside %s: %v", target, err))
	}
	old, info, err := readWritable(target)
	if errors.As(err, &notFile) {
		return nil, false, err
	}
	if errors.Is(err, fs.ErrPermission) {
		return nil, false, &AccessError{Path: target, Op: "write", Err: fs.ErrPermission}
	}
	if err != nil {
		return nil, false, fmt.Errorf("update %s: %w", path, err)
	}
	if info == nil && opts.noCreate {
		return nil, false, nil // removed since the check above
	}
	// The scanner refuses what the AWS CLI refuses and reads keys as
	// gopkg.in/ini.v1 does; verify reads the sections that change with
	// ini.v1 too.
	od, err := scan(old)
	if err != nil {
		return nil, false, &ParseError{Path: target, Err: err}
	}
	data, err := edit(od, changes)
	if err != nil {
		return nil, false, fmt.Errorf("update %s: %w; the file was left unchanged", path, err)
	}
	if err := verify(target, od, data, changes); err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("update %s: %w; the file was left unchanged", path, err)
	}

	perm := fs.FileMode(0o600)
	if info != nil {
		perm = info.Mode().Perm()
		if opts.Private && perm&0o077 != 0 {
			notices = append(notices, fmt.Sprintf("tightened the mode of %s from %04o to 0600: it holds credentials", target, perm))
			perm = 0o600
		}
	}
	if info != nil && od.text == data {
		if perm != info.Mode().Perm() {
			if err := os.Chmod(target, perm); err != nil {
				return nil, false, fmt.Errorf("update %s: %w", path, err)
			}
		}
		return notices, false, nil
	}
	if err := atomicfile.Write(target, data, atomicfile.Options{Perm: perm, Like: info, NoSync: opts.noSync}); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, false, &AccessError{Path: target, Op: "create", Err: fs.ErrPermission}
		}
		return nil, false, fmt.Errorf("update %s: %w", path, err)
	}
	return notices, od.text != data, nil
}

// edit applies changes to the scanned file od, one at a time.
func edit(od *doc, changes []Change) (string, error) {
	old := od.text
	nl := newline(old)
	d := od
	finalNewline := old == "" || old[len(old)-1] == '\n'
	data := old
	if !finalNewline {
		d = nil // rescan with a final newline
		data = old + nl
	}
	for _, ch := range changes {
		if d == nil {
			var err error
			if d, err = scan(data); err != nil {
				return "", fmt.Errorf("internal error: edited content does not parse (%w)", err)
			}
		}
		data = apply(d, ch, nl)
		d = nil
	}
	if !finalNewline {
		data = strings.TrimSuffix(data, nl)
	}
	return data, nil
}

// verify reads data back and checks that it holds exactly what od holds with
// changes applied: the same sections in the same order, less those that
// changes prune; the sections that changes do not name, and the lines
// before the first section, byte for byte the same (but for blank lines at
// their end, and for the comment and blank lines that a pruned section
// after them kept); and in the others, read with gopkg.in/ini.v1, the
// changed keys as given and every other key as it was. Sections are read
// independently (every parser resets at a header), so this is the same as
// reading the whole file again.
func verify(path string, od *doc, data string, changes []Change) error {
	nd, err := scan(data)
	if err != nil {
		return fmt.Errorf("internal error: the edited content does not parse (%w)", err)
	}
	named := map[string]bool{}
	for _, ch := range changes {
		named[ch.Section] = true
	}
	var oldIdx []int
	for i, s := range od.sections {
		if named[s.name] {
			oldIdx = append(oldIdx, i)
		}
	}
	oldValues, err := od.loaderView(oldIdx)
	if err != nil {
		return &ParseError{Path: path, Err: err}
	}

	// Apply changes to the section names and the named sections' values.
	wantNames := make([]string, 0, len(od.sections)+len(changes))
	for _, s := range od.sections {
		wantNames = append(wantNames, s.name)
	}
	want := map[string]map[string]string{}
	for n, i := range oldIdx {
		want[od.sections[i].name] = oldValues[n]
	}
	pruned := map[string]bool{}
	for _, ch := range changes {
		m, ok := want[ch.Section]
		if !ok {
			if len(ch.Set) == 0 {
				continue
			}
			m = map[string]string{}
			want[ch.Section] = m
			wantNames = append(wantNames, ch.Section)
		}
		removed := false
		for _, k := range ch.Unset {
			if _, ok := m[k]; ok {
				delete(m, k)
				removed = true
			}
		}
		for _, kv := range ch.Set {
			m[kv.Key] = kv.Value
		}
		if ch.Prune && removed && len(m) == 0 && !od.keepsHeader(ch.Section) {
			delete(want, ch.Section)
			wantNames = slices.DeleteFunc(wantNames, func(n string) bool { return n == ch.Section })
			pruned[ch.Section] = true
		}
	}

	if len(nd.sections) != len(wantNames) {
		return fmt.Errorf("internal error: the edited content has %d sections, want %d", len(nd.sections), len(wantNames))
	}
	// expect returns what the lines of old section i (-1: the lines before
	// the first section) read as now: their own text, then the lines that
	// the pruned sections right after them kept.
	expect := func(i int) string {
		from, to := 0, od.firstHeader()
		if i >= 0 {
			from, to = od.sections[i].header, od.sections[i].end
		}
		if i+1 == len(od.sections) || !pruned[od.sections[i+1].name] {
			return od.span(from, to)
		}
		var lines []int
		for k := from; k < to; k++ {
			lines = append(lines, k)
		}
		for k := i + 1; k < len(od.sections) && pruned[od.sections[k].name]; k++ {
			lines = append(lines, od.prunedKeeps(od.sections[k])...)
		}
		return od.spanOf(lines)
	}
	if nd.span(0, nd.firstHeader()) != expect(-1) {
		return fmt.Errorf("internal error: the edited content changed the lines before the first section")
	}
	oldAt := make(map[string]int, len(od.sections))
	for i, s := range od.sections {
		oldAt[s.name] = i
	}
	var newIdx []int
	for i, s := range nd.sections {
		if s.name != wantNames[i] {
			return fmt.Errorf("internal error: the edited content has section [%s] where [%s] was", s.name, wantNames[i])
		}
		if named[s.name] {
			newIdx = append(newIdx, i)
			continue
		}
		if nd.span(s.header, s.end) != expect(oldAt[s.name]) {
			return fmt.Errorf("internal error: the edited content changed section [%s]", s.name)
		}
	}

	newValues, err := nd.loaderView(newIdx)
	if err != nil {
		return fmt.Errorf("internal error: the edited content does not read back (%w)", err)
	}
	for n, i := range newIdx {
		name := nd.sections[i].name
		got, w := newValues[n], want[name]
		for k := range w {
			if gv, ok := got[k]; !ok || gv != w[k] {
				return fmt.Errorf("internal error: the edited content reads key %s in [%s] differently", k, name)
			}
		}
		for k := range got {
			if _, ok := w[k]; !ok {
				return fmt.Errorf("internal error: the edited content has an extra key %s in [%s]", k, name)
			}
		}
	}
	return nil
}

// prunedKeeps returns the lines of section s that pruning it keeps when
// all its keys are removed (see Change.Prune): those outside the keys and
// their nested blocks if one of them is a comment, else none.
func (d *doc) prunedKeeps(s section) []int {
	var kept []int
	comment := false
	for i := s.header + 1; i < s.end; i++ {
		if d.lines[i].kind == lineKey {
			i = d.blockEnd(i)
			continue
		}
		kept = append(kept, i)
		comment = comment || d.lines[i].kind == lineComment
	}
	if !comment {
		return nil
	}
	return kept
}

// keepsHeader reports whether pruning the named section keeps its header,
// as one of the lines that stay is indented.
func (d *doc) keepsHeader(name string) bool {
	i := d.find(name)
	if i < 0 {
		return false
	}
	for _, k := range d.prunedKeeps(d.sections[i]) {
		if isIndented(d.content(k)) {
			return true
		}
	}
	return false
}

// resolve follows symlinks from path to the file they finally name, which
// need not exist yet.
func resolve(path string) (string, error) {
	p := path
	for range 255 {
		info, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", err
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			return p, checkRegular(p)
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	return "", fmt.Errorf("too many levels of symbolic links from %s", path)
}

// lock takes an exclusive lock on the file at path, creating it (mode 0600)
// if needed, waiting up to timeout for another holder. The lock file stays:
// removing it would let two writers lock different files.
func lock(path string, timeout time.Duration) (unlock func() error, err error) {
	if timeout <= 0 {
		timeout = defaultLockTimeout
	}
	l := flock.New(path, flock.SetPermissions(0o600))
	deadline := time.Now().Add(timeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 10*time.Millisecond) {
		ok, err := l.TryLock()
		if err != nil {
			return nil, fmt.Errorf("lock: %w", err)
		}
		if ok {
			return l.Unlock, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("lock %s: still held by another process after %v", path, timeout)
		}
		time.Sleep(delay)
	}
}

// readWritable reads the file at path if it exists, checking that it may be
// written, and returns its content and FileInfo (nil if it does not exist).
func readWritable(path string) (string, fs.FileInfo, error) {
	if err := checkRegular(path); err != nil {
		return "", nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", nil, err
	}
	text, err := readString(f, info.Size())
	return text, info, err
}

// readString reads f to its end into a string, sized for size bytes: one
// copy of the file in memory, not the two of os.ReadFile and a conversion.
func readString(f *os.File, size int64) (string, error) {
	size = min(max(size, 0), 1<<31) + 1 // +1: the read that sees the end
	var b strings.Builder
	b.Grow(int(size))
	buf := make([]byte, min(size, 64<<10))
	for {
		n, err := f.Read(buf)
		b.Write(buf[:n])
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
	}
}
