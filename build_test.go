package main

import (
	"os"
	"strings"
	"testing"
)

// TestBuildsLeaveOutEmojiFont checks that every build of the app (make,
// fyne package, the Windows and smoke builds, the benchmark) has the
// no_emoji tag: without it Fyne bundles its colour emoji font and parses it
// again for every text style, about 15 MiB of the idle app (see Makefile).
func TestBuildsLeaveOutEmojiFont(t *testing.T) {
	for _, name := range []string{"Makefile", "scripts/smoke.sh", "scripts/windows-build.sh", "scripts/bench-gui.sh"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		builds := 0
		for i, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			appBuild := strings.Contains(line, "-tags migrated_fynedo") || strings.Contains(line, "BUILD_TAGS :=") ||
				strings.Contains(line, `package -os`)
			if !appBuild {
				continue
			}
			builds++
			if !strings.Contains(line, "no_emoji") {
				t.Errorf("%s:%d builds the app without the no_emoji tag: %s", name, i+1, strings.TrimSpace(line))
			}
		}
		if builds == 0 {
			t.Errorf("%s: no build of the app found; update this test", name)
		}
	}
}
