package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestServeCannotListen(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"serve", "--addr", "256.0.0.1:80"}, strings.NewReader(""), &out, &errOut)
	if code != exitUsage || !strings.Contains(errOut.String(), "cannot listen on 256.0.0.1:80") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}
