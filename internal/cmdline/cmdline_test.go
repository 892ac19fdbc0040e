package cmdline

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"slices"
	"testing"

	"kluis/internal/i18n"
)

func TestReorder(t *testing.T) {
	var out string
	var json bool
	var tags Strings
	f := NewFlagSet("test")
	f.Str(&out, "o", "FILE", "cli.flag.backup_output")
	f.Alias("output", "o")
	f.Bool(&json, "json", "cli.flag.json")
	f.Value(&tags, "tag", "T", "cli.flag.json")
	for _, tc := range []struct {
		args, flags, pos []string
		err              error
	}{
		{[]string{"a", "--json", "b", "-o", "x", "--tag=1"}, []string{"--json", "-o", "x", "--tag=1"}, []string{"a", "b"}, nil},
		{[]string{"a", "--", "--json", "-o"}, nil, []string{"a", "--json", "-o"}, nil},
		{[]string{"--output", "x", "-h"}, []string{"--output", "x", "-h"}, nil, nil},
		{[]string{"a", "--bogus"}, nil, nil, &FlagError{Flag: "--bogus"}},
		{[]string{"a", "-o"}, nil, nil, &FlagError{Flag: "-o", NeedsValue: true}},
	} {
		flags, pos, err := f.Reorder(tc.args)
		if fmt.Sprint(err) != fmt.Sprint(tc.err) || !slices.Equal(flags, tc.flags) || !slices.Equal(pos, tc.pos) {
			t.Errorf("Reorder(%q) = %q, %q, %v; want %q, %q, %v", tc.args, flags, pos, err, tc.flags, tc.pos, tc.err)
		}
	}
	pos, err := f.ParseAnywhere([]string{"x", "--tag", "1", "--tag", "2", "--output=f"})
	if err != nil || out != "f" || !slices.Equal(tags, Strings{"1", "2"}) || !slices.Equal(pos, []string{"x"}) {
		t.Errorf("ParseAnywhere: %v, o=%q, tags=%q, pos=%q", err, out, tags, pos)
	}
	if _, err := f.ParseAnywhere([]string{"x", "--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("ParseAnywhere(--help) = %v, want flag.ErrHelp", err)
	}
}

func TestDocs(t *testing.T) {
	t1 := func(key string, _ map[string]any) string {
		return map[string]string{"k.o": "write to `FILE`", "k.b": "be brief", "k.z": "zap"}[key]
	}
	var s string
	var b bool
	f := NewFlagSet("test")
	f.Str(&s, "o", "DIR", "k.z")
	f.Alias("output", "o")
	f.Bool(&b, "brief", "k.b")
	var specs []string
	for _, d := range f.Docs(t1) {
		specs = append(specs, d.Spec()+"|"+d.Help)
	}
	if want := []string{"-o, --output DIR|zap", "--brief|be brief"}; !slices.Equal(specs, want) {
		t.Errorf("Docs in definition order = %q, want %q", specs, want)
	}
	g := NewFlagSet("plain")
	g.StringVar(&s, "out", "", "k.o")
	g.BoolVar(&b, "brief", false, "k.b")
	specs = nil
	for _, d := range Docs(g.FlagSet, t1) {
		specs = append(specs, d.Spec()+"|"+d.Help)
	}
	if want := []string{"--brief|be brief", "--out FILE|write to FILE"}; !slices.Equal(specs, want) {
		t.Errorf("Docs of a plain FlagSet = %q, want %q", specs, want)
	}
}

func TestExit(t *testing.T) {
	var stderr bytes.Buffer
	tool := &Tool{Name: "kluisctl", Cat: i18n.Load(i18n.English), Stderr: &stderr, SeeHelpKey: "cli.usage.see_help"}
	for _, tc := range []struct {
		err  error
		code int
		line string
	}{
		{nil, 0, ""},
		{fmt.Errorf("x: %w", ErrHelpShown), 0, ""},
		{tool.Usage("list", "cli.usage.unknown_flag", map[string]any{"Flag": "--bogus"}), 2,
			"kluisctl: list: Unknown flag --bogus. (see kluisctl list --help)\n"},
		{tool.About(&Problem{Msg: "two\nlines"}, "cli.what.file", map[string]any{"Path": "a.pdf"}), 1,
			"kluisctl: " + tool.Cat.T("cli.what.file", map[string]any{"Path": "a.pdf"}) + ": two lines\n"},
		{errors.New("odd"), 1, "kluisctl: Something unexpected went wrong. The technical message, for whoever helps you: odd\n"},
	} {
		stderr.Reset()
		if code := tool.Exit(tc.err); code != tc.code || stderr.String() != tc.line {
			t.Errorf("Exit(%v) = %d, %q; want %d, %q", tc.err, code, stderr.String(), tc.code, tc.line)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	WriteJSON(&b, map[string]any{"a": "<b>", "n": []int{1}})
	if want := "{\n  \"a\": \"<b>\",\n  \"n\": [\n    1\n  ]\n}\n"; b.String() != want {
		t.Errorf("WriteJSON = %q, want %q", b.String(), want)
	}
}
