package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"kluis/vault"
)

// cmdBackup writes an encrypted backup of the whole vault.
func (c *cli) cmdBackup([]string) error {
	if c.output == "" {
		return c.usage("backup", "cli.usage.needs_output", nil)
	}
	if err := c.checkFolder(c.output); err != nil {
		return err
	}
	return c.withVault(func(v *vault.Vault) error {
		if err := v.Backup(c.output); err != nil {
			return c.about(err, "cli.what.backup", map[string]any{"Path": c.output})
		}
		var size int64
		if fi, err := os.Stat(c.output); err == nil {
			size = fi.Size()
		}
		return c.done("cli.backup.done", map[string]any{"Path": c.output},
			map[string]any{"backup": c.output, "size": size})
	})
}

// namesItem tells restore's two meanings apart: an id (or the start of
// one) names an item in the recycle bin, anything else a backup file. A
// file that exists wins over the start of an id.
func (c *cli) namesItem(arg string) bool {
	if vault.IsID(arg) {
		return true
	}
	if _, err := os.Stat(arg); err == nil {
		return false
	}
	return isIDPrefix(arg)
}

// restoreBackup restores a backup file into --vault. The vault that was
// there is kept under another name, which is printed.
func (c *cli) restoreBackup(file string) error {
	what := map[string]any{"Path": file}
	if _, err := os.Stat(file); err != nil {
		return c.about(err, "cli.what.backup", what)
	}
	var pass, newPass []byte
	var key string
	var err error
	if c.recoveryKeyFile != "" {
		// Ask everything before anything changes.
		if key, err = c.recoveryKey(); err != nil {
			return err
		}
		if newPass, err = c.newPassphrase(c.newPassphraseFile); err != nil {
			return err
		}
		defer clear(newPass)
	} else {
		if c.newPassphraseFile != "" {
			return c.usage("restore", "cli.usage.new_passphrase_needs_recovery", nil)
		}
		if pass, err = c.passphrase(); err != nil {
			return err
		}
		defer clear(pass)
	}
	waitForFreshAsideName(c.vaultPath)
	v, movedAside, err := vault.RestoreBackup(file, c.vaultPath, pass, key, nil)
	if err != nil {
		if errors.Is(err, vault.ErrInUse) {
			return c.aboutVault(err)
		}
		if movedAside != "" {
			return c.about(err, "cli.what.restore_moved", map[string]any{"Path": file, "Moved": movedAside})
		}
		return c.about(err, "cli.what.backup", what)
	}
	defer v.Close()
	if newPass != nil {
		if err := v.ChangePassphrase(newPass); err != nil {
			return c.about(err, "cli.what.restored_passphrase", map[string]any{"Path": c.vaultPath})
		}
	}
	if c.json {
		return c.printJSON(map[string]any{"vault": c.vaultPath, "backup": file, "moved_aside": movedAside})
	}
	t := c.cat.T
	fmt.Fprintln(c.stdout, t("cli.restore_backup.done", map[string]any{"Path": file, "Vault": c.vaultPath}))
	if movedAside != "" {
		fmt.Fprintln(c.stdout, t("cli.restore_backup.moved", map[string]any{"Moved": movedAside}))
	}
	if newPass == nil {
		fmt.Fprintln(c.stdout, t("cli.restore_backup.passphrase", nil))
	}
	return nil
}

// waitForFreshAsideName works around vault.RestoreBackup naming the vault
// it moves aside after the current second only: a second restore within the
// same second would rename over the vault the first one kept. It waits,
// at most a little over a second, until that name is free.
func waitForFreshAsideName(vaultPath string) {
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		name := fmt.Sprintf("%s.before-restore-%s", vaultPath, time.Now().Format("20060102-150405"))
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cmdExport writes the whole vault as open files into a folder.
func (c *cli) cmdExport(args []string) error {
	dir := args[0]
	return c.withVault(func(v *vault.Vault) error {
		ctx, stop := c.interruptible()
		defer stop()
		if err := v.Export(ctx, dir); err != nil {
			if errors.Is(err, vault.ErrExists) {
				return c.about(c.problem("cli.error.export_not_empty", nil), "cli.what.export", map[string]any{"Path": dir})
			}
			return c.about(err, "cli.what.export", map[string]any{"Path": dir})
		}
		fmt.Fprintln(c.stderr, c.cat.T("cli.export.warning", nil))
		return c.done("cli.export.done", map[string]any{"Path": dir}, map[string]any{"dir": dir})
	})
}

// cmdCompact rewrites the vault file without its free space.
func (c *cli) cmdCompact([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		before, after, err := v.Compact()
		if err != nil {
			return c.aboutVault(err)
		}
		mib := func(n int64) string { return fmt.Sprintf("%.1f", float64(n)/(1<<20)) }
		return c.done("cli.compact.done", map[string]any{"Before": mib(before), "After": mib(after)},
			map[string]any{"before": before, "after": after})
	})
}
