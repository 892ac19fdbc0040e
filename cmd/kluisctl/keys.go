package main

import (
	"fmt"
	"os"
	"strings"

	"kluis/vault"
)

// cmdInit creates a vault and prints its recovery key, once. The owner's
// name comes from --name or is asked (initName).
func (c *cli) cmdInit([]string) error {
	// Say so before asking anything.
	if _, err := os.Lstat(c.vaultPath); err == nil {
		return c.aboutVault(fmt.Errorf("%w: %s", vault.ErrExists, c.vaultPath))
	}
	name, err := c.initName()
	if err != nil {
		return err
	}
	file := c.newPassphraseFile
	if file == "" {
		file = c.passphraseFileName()
	}
	pass, err := c.newPassphrase(file)
	if err != nil {
		return err
	}
	v, key, err := vault.Create(c.vaultPath, pass, name, nil)
	clear(pass)
	if err != nil {
		return c.aboutVault(err)
	}
	if err := v.Close(); err != nil {
		return c.aboutVault(err)
	}
	if c.json {
		return c.printJSON(map[string]string{"vault": c.vaultPath, "recovery_key": key})
	}
	t := c.cat.T
	fmt.Fprintln(c.stdout, t("cli.init.done", map[string]any{"Path": c.vaultPath}))
	fmt.Fprintln(c.stdout)
	fmt.Fprintln(c.stdout, t("cli.init.recovery_key", nil))
	fmt.Fprintln(c.stdout)
	for line := range strings.Lines(vault.FormatRecoveryKey(key)) {
		fmt.Fprintln(c.stdout, "    "+strings.TrimSpace(line))
	}
	fmt.Fprintln(c.stdout)
	return nil
}

// cmdPasswd changes the passphrase.
func (c *cli) cmdPasswd([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		pass, err := c.newPassphrase(c.newPassphraseFile)
		if err != nil {
			return err
		}
		err = v.ChangePassphrase(pass)
		clear(pass)
		if err != nil {
			return c.aboutVault(err)
		}
		return c.done("cli.passwd.done", nil, map[string]any{"vault": c.vaultPath})
	})
}

// cmdRecover opens the vault with the recovery key and sets a new
// passphrase.
func (c *cli) cmdRecover([]string) error {
	v, err := c.openVault()
	if err != nil {
		return err
	}
	defer v.Close()
	key, err := c.recoveryKey()
	if err != nil {
		return err
	}
	if err := v.UnlockWithRecoveryKey(key); err != nil {
		return c.aboutVault(err)
	}
	pass, err := c.newPassphrase(c.newPassphraseFile)
	if err != nil {
		return err
	}
	err = v.ChangePassphrase(pass)
	clear(pass)
	if err != nil {
		return c.aboutVault(err)
	}
	return c.done("cli.recover.done", nil, map[string]any{"vault": c.vaultPath})
}

// done reports a change that printed no data: a sentence for people, or
// the JSON object for scripts.
func (c *cli) done(key string, data map[string]any, result any) error {
	if c.json {
		return c.printJSON(result)
	}
	_, err := fmt.Fprintln(c.stdout, c.cat.T(key, data))
	return err
}
