package awsconfig

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// helperEnv, when set in the environment, makes TestHelperProcess act as a
// separate writer process instead of a test: "write" runs writeSections
// with the values of the other variables below.
const (
	helperEnv       = "AWSCONFIG_TEST_HELPER"
	helperFileEnv   = "AWSCONFIG_TEST_FILE"
	helperPrefixEnv = "AWSCONFIG_TEST_PREFIX"
	helperCountEnv  = "AWSCONFIG_TEST_COUNT"
)

// TestHelperProcess is not a test: the other tests run the test binary
// again with helperEnv set to make it a second writer (or another user).
func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("helper for other tests")
	case "write":
		n, _ := strconv.Atoi(os.Getenv(helperCountEnv))
		if err := writeSections(os.Getenv(helperFileEnv), os.Getenv(helperPrefixEnv), n); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
	case "update":
		_, err := Update(os.Getenv(helperFileEnv), []Change{{Section: "a", Set: []KV{{"x", "1"}}}}, UpdateOptions{Private: true})
		fmt.Print(err)
	}
	os.Exit(0)
}

// writeSections writes sections PREFIX-0 to PREFIX-(n-1), one Update each,
// then rewrites each once more.
func writeSections(path, prefix string, n int) error {
	for round := range 2 {
		for i := range n {
			c := testCreds(round*1000 + i)
			if _, err := Update(path, []Change{CredentialsChange(fmt.Sprintf("%s-%d", prefix, i), c)}, UpdateOptions{Private: true}); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSections checks that path holds sections PREFIX-0 to PREFIX-(n-1)
// for every prefix, each with the credentials of writeSections' last round.
func checkSections(t *testing.T, path string, prefixes []string, n int) {
	t.Helper()
	f, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, p := range prefixes {
		for i := range n {
			name := fmt.Sprintf("%s-%d", p, i)
			got, ok := ReadCredentials(f, name)
			if want := testCreds(1000 + i); !ok || got != want {
				t.Errorf("[%s] = %+v, %v; want %+v", name, got, ok, want)
			}
		}
	}
	if got, want := len(f.SectionNames()), len(prefixes)*n+1; got != want {
		t.Errorf("%d sections, want %d", got, want)
	}
}

func TestUpdateConcurrentGoroutines(t *testing.T) {
	path := writeTemp(t, "# shared by 20 writers\n[keep]\nx = 1\n")
	var prefixes []string
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for g := range 20 {
		prefix := fmt.Sprintf("g%02d", g)
		prefixes = append(prefixes, prefix)
		wg.Go(func() { errs <- writeSections(path, prefix, 1) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	checkSections(t, path, prefixes, 1)
}

func TestUpdateConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := writeTemp(t, "[keep]\nx = 1\n")
	const procs, each = 8, 5
	var prefixes []string
	var cmds []*exec.Cmd
	for p := range procs {
		prefix := fmt.Sprintf("proc%d", p)
		prefixes = append(prefixes, prefix)
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"=write", helperFileEnv+"="+path,
			helperPrefixEnv+"="+prefix, helperCountEnv+"="+strconv.Itoa(each))
		cmds = append(cmds, cmd)
	}
	var wg sync.WaitGroup
	for _, cmd := range cmds {
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("writer process: %v: %s", err, out)
			}
		})
	}
	// This process writes too, alongside the others.
	prefixes = append(prefixes, "parent")
	if err := writeSections(path, "parent", each); err != nil {
		t.Error(err)
	}
	wg.Wait()
	checkSections(t, path, prefixes, each)
	if entries, err := os.ReadDir(filepath.Dir(path)); err == nil && len(entries) != 2 {
		t.Errorf("folder holds %d entries, want the file and its lock", len(entries))
	}
}
