package awsconfig

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

// TestSDKReadsWrites checks that the AWS SDK for Go reads what Update
// writes: credentials into files with comments, CRLF and many sections, and
// config profiles including one under a "[ profile y ]" header.
func TestSDKReadsWrites(t *testing.T) {
	dir := t.TempDir()
	creds, cfg := filepath.Join(dir, "credentials"), filepath.Join(dir, "config")
	writeFile(t, creds, readFile(t, filepath.Join("testdata", "crlf.ini")), 0o600)
	writeFile(t, cfg, readFile(t, filepath.Join("testdata", "config.ini")), 0o644)
	if _, err := Update(creds, []Change{CredentialsChange("sts", testCreds(1)), CredentialsChange("y", testCreds(2))}, UpdateOptions{Private: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(cfg, []Change{
		{Section: "profile sts", Set: []KV{{"region", "ap-northeast-1"}}},
		{Section: "profile y", Set: []KV{{"region", "eu-north-1"}}},
		{Section: "default", Set: []KV{{"region", "eu-central-1"}}},
	}, UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		profile, region string
		creds           Credentials
	}{
		{"sts", "ap-northeast-1", testCreds(1)},
		{"y", "eu-north-1", testCreds(2)},
		{"default", "eu-central-1", Credentials{}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			sc, err := config.LoadSharedConfigProfile(context.Background(), tt.profile, func(o *config.LoadSharedConfigOptions) {
				o.CredentialsFiles, o.ConfigFiles = []string{creds}, []string{cfg}
			})
			if err != nil {
				t.Fatalf("the SDK cannot load profile %s: %v", tt.profile, err)
			}
			if sc.Region != tt.region {
				t.Errorf("region = %q, want %q", sc.Region, tt.region)
			}
			got := sc.Credentials
			if got.AccessKeyID != tt.creds.AccessKeyID || got.SecretAccessKey != tt.creds.SecretAccessKey || got.SessionToken != tt.creds.SessionToken {
				t.Errorf("credentials = %s/%s/%s, want %s/%s/%s", got.AccessKeyID, got.SecretAccessKey, got.SessionToken,
					tt.creds.AccessKeyID, tt.creds.SecretAccessKey, tt.creds.SessionToken)
			}
		})
	}
}

// botocoreScript prints, as JSON, how botocore reads each file named on its
// command line: section (names with runs of space made one, as Load names
// them) to key to value, nested blocks as raw text without blank lines; or
// {"error": ...} for a file botocore refuses.
const botocoreScript = `
import json, sys
import botocore.configloader as cl
out = {}
for path in sys.argv[1:]:
    try:
        parsed = cl.raw_config_parse(path, parse_subsections=False)
    except Exception as e:
        out[path] = {"error": type(e).__name__}
        continue
    sections = {}
    for name, keys in parsed.items():
        sections[" ".join(name.split())] = {
            k: ("\n" + "\n".join(l for l in v.split("\n") if l) if v.startswith("\n") else v)
            for k, v in keys.items()}
    out[path] = {"sections": sections}
print(json.dumps(out))
`

// TestBotocoreAgrees checks, where Python and botocore are installed, that
// the AWS CLI's own reader reads every test input and golden file as Load
// does, and refuses the files Load refuses for the AWS CLI's reasons.
func TestBotocoreAgrees(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	if out, err := exec.Command(python, "-c", "import botocore").CombinedOutput(); err != nil {
		t.Skipf("botocore not installed: %v: %s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.ini"))
	golden, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	files = append(files, golden...)
	refused := map[string]string{
		"repeated section":       "[a]\nx=1\n[a]\ny=2\n",
		"repeated key":           "[a]\nx=1\nX=2\n",
		"key before any section": "x=1\n[a]\n",
		"line without =":         "[a]\nx\n",
		"byte-order mark":        "\ufeff[a]\nx=1\n",
		"not UTF-8":              "[a]\nx=\xff\n",
	}
	dir := t.TempDir()
	for name, text := range refused {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		writeFile(t, path, []byte(text), 0o600)
		files = append(files, path)
	}

	results := runBotocore(t, python, files)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			bc := results[path]
			f, err := Load(path)
			if bc.Error != "" || err != nil {
				if bc.Error == "" || err == nil {
					t.Errorf("botocore error %q, Load error %v: want both to refuse or both to read", bc.Error, err)
				}
				return
			}
			got := map[string]map[string]string{}
			for _, name := range f.SectionNames() {
				got[name], _ = f.Section(name)
			}
			if !maps.EqualFunc(got, bc.Sections, maps.Equal) {
				t.Errorf("Load reads\n%q\nbotocore reads\n%q", got, bc.Sections)
			}
		})
	}
	if len(files) < 20 {
		t.Errorf("only %d files compared", len(files))
	}
}

// TestBotocoreAgreesOnRandomFiles writes files made of random mixes of the
// forms found in real config files (indentation, spacing, comments, nested
// blocks, CRLF, repeats) and checks, where botocore is installed, that
// every file Load reads botocore reads the same, and that every file
// botocore refuses Load refuses too.
func TestBotocoreAgreesOnRandomFiles(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	if out, err := exec.Command(python, "-c", "import botocore").CombinedOutput(); err != nil {
		t.Skipf("botocore not installed: %v: %s", err, out)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	pick := func(s ...string) string { return s[rnd.IntN(len(s))] }
	dir := t.TempDir()
	var files []string
	for n := range 400 {
		var b strings.Builder
		nl := pick("\n", "\n", "\r\n")
		for range rnd.IntN(3) {
			b.WriteString(pick("# top", "; top", "", "   ") + nl)
		}
		for range 1 + rnd.IntN(4) {
			b.WriteString(pick("", "", " ", "\t") + "[" + pick("", " ") + pick("a", "b", "c", "d", "e", "profile a", "profile  b", "profile c", "default") + pick("", " ") + "]" + pick("", "", " # c") + nl)
			for range rnd.IntN(7) {
				indent := pick("", "", "", " ", "  ", "\t", "    ")
				switch rnd.IntN(6) {
				case 0:
					b.WriteString(indent + pick("# c", "; c", "#", "") + nl)
				case 1:
					b.WriteString(indent + pick("s3", "x") + pick(" =", "=", " = ", ":") + nl)
				default:
					b.WriteString(indent + pick("x", "y", "Y", "z", "region", "w") + pick("=", " = ", "  =  ", ":", ": ", "\t=\t") +
						pick("1", "v", "a # b", "x;y", `"q"`, "'q'", "a=b", `tail \`, "arn:aws:iam::1:role/r", "sp ace") + pick("", "", " ") + nl)
				}
			}
		}
		text := b.String()
		if rnd.IntN(4) == 0 {
			text = strings.TrimSuffix(text, nl)
		}
		path := filepath.Join(dir, fmt.Sprintf("f%03d", n))
		writeFile(t, path, []byte(text), 0o600)
		files = append(files, path)
	}

	results := runBotocore(t, python, files)
	var read, refusedBoth, refusedHere int
	var edited []string
	want := map[string]map[string]map[string]string{}
	for _, path := range files {
		bc := results[path]
		f, err := Load(path)
		switch {
		case err != nil && bc.Error != "":
			refusedBoth++
		case err != nil:
			// Load is stricter than botocore only for lines the AWS SDKs
			// read differently, and for headers that differ only in
			// spaces ([a] and [ a ]), which are one section to the SDKs.
			refusedHere++
			if !strings.Contains(err.Error(), "indented") && !strings.Contains(err.Error(), "section [") {
				t.Errorf("%s: Load refuses (%v), botocore reads it:\n%s", path, err, readFile(t, path))
			}
		case bc.Error != "":
			t.Errorf("%s: botocore refuses (%s), Load reads it:\n%s", path, bc.Error, readFile(t, path))
		default:
			read++
			got := map[string]map[string]string{}
			for _, name := range f.SectionNames() {
				got[name], _ = f.Section(name)
			}
			if !maps.EqualFunc(got, bc.Sections, maps.Equal) {
				t.Errorf("%s: Load reads\n%q\nbotocore reads\n%q\nfrom:\n%q", path, got, bc.Sections, readFile(t, path))
				continue
			}
			// Edit a copy, and say what botocore should read from it.
			ch := Change{
				Section: pick("a", "b", "profile a", "profile b", "new"),
				Set:     []KV{{pick("x", "region", "s3"), pick("v2", "a#b", "arn:aws:iam::1:role/r")}, {"added", "yes"}},
				Unset:   []string{pick("y", "z", "w")},
			}
			edit := path + ".edited"
			writeFile(t, edit, readFile(t, path), 0o600)
			if _, err := Update(edit, []Change{ch}, UpdateOptions{}); err != nil {
				t.Errorf("%s: Update %+v: %v\n%q", path, ch, err, readFile(t, path))
				continue
			}
			if _, ok := got[ch.Section]; !ok {
				got[ch.Section] = map[string]string{}
			}
			delete(got[ch.Section], ch.Unset[0])
			for _, kv := range ch.Set {
				got[ch.Section][kv.Key] = kv.Value
			}
			edited = append(edited, edit)
			want[edit] = got
		}
	}
	for path, bc := range runBotocore(t, python, edited) {
		if !maps.EqualFunc(want[path], bc.Sections, maps.Equal) {
			t.Errorf("%s: after Update botocore reads\n%q\nwant\n%q\nfrom:\n%s", path, bc.Sections, want[path], readFile(t, path))
		}
	}
	t.Logf("%d files read alike and edited, %d refused by both, %d refused by Load only", read, refusedBoth, refusedHere)
	if read < 50 {
		t.Errorf("only %d files read by both; make the generator less wild", read)
	}
}

type botocoreResult struct {
	Error    string
	Sections map[string]map[string]string
}

// runBotocore runs botocoreScript on files.
func runBotocore(t *testing.T, python string, files []string) map[string]botocoreResult {
	t.Helper()
	out, err := exec.Command(python, append([]string{"-c", botocoreScript}, files...)...).Output()
	if err != nil {
		t.Fatalf("botocore script: %v", err)
	}
	var results map[string]botocoreResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("botocore script output: %v", err)
	}
	return results
}
