package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeedQuery checks that the golden file of the seed rule is the query
// documented beside the rule in ../shared/reference/seed, byte for byte,
// and that the converter prints it.
func TestSeedQuery(t *testing.T) {
	docs, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "reference", "seed", "*.txt"))
	var documented string
	for _, d := range docs {
		src, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(src), "\n")
		for i, l := range lines {
			if l == "DeviceImageLoadEvents" && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "| where ") {
				documented = l + "\n" + lines[i+1] + "\n"
			}
		}
	}
	if documented == "" {
		t.Skip("the seed documents (../shared/reference/seed) are not here")
	}
	const rule = "rules/windows/image_load/image_load_dll_cmstp_susp_location.yml"
	golden, err := os.ReadFile(filepath.Join("..", "..", "golden", "kusto-microsoft_xdr", "windows", "image_load", "image_load_dll_cmstp_susp_location.kql"))
	if err != nil {
		t.Fatal(err)
	}
	if string(golden) != documented {
		t.Errorf("golden file differs from the documented query:\n got  %q\n want %q", golden, documented)
	}
	out, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", rule}, filepath.Join("..", ".."))
	if code != 0 || out != documented {
		t.Errorf("convert: exit %d, stderr %q\n got  %q\n want %q", code, stderr, out, documented)
	}
}
