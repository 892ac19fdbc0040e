// Command kluisctl is the citizen's Kluis vault on the command line: the
// same operations as the desktop app, for scripts, support staff and tests.
//
//	kluisctl init --name Fatima              # prints the recovery key once
//	kluisctl add income source=UWV amount=1234,56 period=month
//	kluisctl list
//	kluisctl doc add loonstrook.pdf --record ID
//	kluisctl backup -o kluis.backup
//
// Run "kluisctl --help" for every verb and "kluisctl VERB --help" for its
// flags. Exit status 0 means success, 1 a failure (one line on standard
// error, starting with "kluisctl: ", saying what failed and why) and 2 a
// usage error. Verbs that print data take --json for stable,
// machine-readable output on standard output.
//
// # The owner's name
//
// init takes the owner's name from --name or asks it on a terminal; without
// either it refuses. The name is what shares, the contact code and the
// activity log carry; "kluisctl name NAME" changes it. kluisctl never
// stores or shows the placeholder of a vault made without a name.
//
// # Passphrases
//
// The passphrase comes from --passphrase-file, else from the file named by
// $KLUIS_PASSPHRASE_FILE, else from a prompt that does not echo, but only
// when standard input is a terminal: kluisctl never waits for input that
// cannot come. One trailing newline is stripped from a passphrase file,
// nothing else. New passphrases (init, passwd, recover, restore with the
// recovery key) come from --new-passphrase-file or are asked twice.
//
// # Language
//
// Messages are Dutch when the locale (LC_ALL, else LC_MESSAGES, else LANG)
// starts with "nl", and English otherwise. They come from the same
// translation files as the desktop app (package kluis/internal/i18n).
//
// kluisctl holds no state of its own and never prints a secret except the
// recovery key at init. It opens the vault for one action and closes it, so
// the desktop app and kluisctl cannot use the vault at the same time: the
// second one is told that the vault is open elsewhere.
package main
