// Package cmdline is what the two command lines, kluisctl (the citizen's)
// and kluis-intake (the municipality's), share: flags that may come before
// and after the positional arguments, help that lists each flag with a
// translated description, usage and other errors said in one line, the
// exit status, and --json output.
//
// Exit status: 0 when the command did what was asked or printed help, 1
// when it failed (one line on standard error, "NAME: what went wrong"), 2
// when the command line itself is wrong (a usage error, with where to find
// help).
//
//	t := &cmdline.Tool{Name: "kluisctl", Cat: cat, Stderr: os.Stderr, SeeHelpKey: "cli.usage.see_help"}
//	os.Exit(t.Exit(dispatch(args)))
//
// The README and each tool's --help are the command-line contract: this
// package prints help and errors byte for byte as the tools always have.
//
// This package never touches a vault or an intake store: it only parses
// command lines and writes text.
package cmdline
