package main

import (
	"bytes"
	"flag"
	"fmt"

	"kluis/intake"
	"kluis/internal/cmdline"
)

// userFlags are the flags of the user verbs.
type userFlags struct {
	role, passwordFile string
}

func (c *cli) userFlagSet(fs *flag.FlagSet) {
	fs.StringVar(&c.user.role, "role", "", "intake.flag.user.role")
	fs.StringVar(&c.user.passwordFile, "password-file", "", "intake.flag.user.password_file")
}

// userSubcommands are the second words of user, for help.
var userSubcommands = []subcommand{
	{name: "add", synopsis: "NAME --role caseworker|admin [--password-file FILE]", help: "intake.help.user_add"},
	{name: "list", help: "intake.help.user_list"},
	{name: "remove", synopsis: "NAME", help: "intake.help.user_remove"},
	{name: "passwd", synopsis: "NAME [--password-file FILE]", help: "intake.help.user_passwd"},
}

// cmdUser runs user add, list, remove and passwd: the accounts of the
// caseworkers' desk (kluis-intake serve).
func (c *cli) cmdUser(args []string) error {
	switch args[0] {
	case "add":
		if len(args) != 2 || c.user.role == "" {
			return c.usage("intake.user.usage.add", nil)
		}
		if intake.CheckRole(intake.Role(c.user.role)) != nil {
			return c.usage("intake.user.usage.role", map[string]any{"Role": c.user.role})
		}
		if err := intake.CheckUserName(args[1]); err != nil {
			return err
		}
		return c.cmdUserAdd(args[1], intake.Role(c.user.role))
	case "list":
		if len(args) != 1 {
			return c.usage("intake.user.usage.list", nil)
		}
		return c.cmdUserList()
	case "remove":
		if len(args) != 2 {
			return c.usage("intake.user.usage.remove", nil)
		}
		return c.cmdUserRemove(args[1])
	case "passwd":
		if len(args) != 2 {
			return c.usage("intake.user.usage.passwd", nil)
		}
		return c.cmdUserPasswd(args[1])
	}
	return c.usage("intake.user.usage.subverb", map[string]any{"Verb": args[0]})
}

func (c *cli) cmdUserAdd(name string, role intake.Role) error {
	return c.withStore(func(s *intake.Store) error {
		if _, err := s.User(name); err == nil {
			return c.about(intake.ErrUserExists, "intake.what.user", map[string]any{"Name": name})
		}
		pw, err := c.newPassword(name)
		if err != nil {
			return err
		}
		defer clear(pw)
		if err := s.AddUser(name, role, pw); err != nil {
			return c.about(err, "intake.what.user", map[string]any{"Name": name})
		}
		if err := c.logUser(s, fmt.Sprintf("account %q added as %s", name, role)); err != nil {
			return err
		}
		u, err := s.User(name)
		if err != nil {
			return err
		}
		if c.json {
			return c.printJSON(u)
		}
		fmt.Fprintln(c.stdout, c.cat.T("intake.user.added", map[string]any{"Name": u.Name, "Role": c.roleText(u.Role)}))
		return nil
	})
}

func (c *cli) cmdUserList() error {
	return c.withStore(func(s *intake.Store) error {
		users, err := s.Users()
		if err != nil {
			return err
		}
		if c.json {
			if users == nil {
				users = []intake.User{}
			}
			return c.printJSON(users)
		}
		if len(users) == 0 {
			fmt.Fprintln(c.stdout, c.cat.T("intake.user.none", nil))
			return nil
		}
		t := c.cat.T
		tw := cmdline.Table(c.stdout)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t("intake.label.user_name", nil), t("intake.label.role", nil),
			t("intake.label.created", nil), t("intake.label.password_set", nil))
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, c.roleText(u.Role), day(u.Created), day(u.PasswordSet))
		}
		return tw.Flush()
	})
}

func (c *cli) cmdUserRemove(name string) error {
	return c.withStore(func(s *intake.Store) error {
		u, err := s.User(name)
		if err != nil {
			return c.about(err, "intake.what.user", map[string]any{"Name": name})
		}
		if err := s.RemoveUser(u.Name); err != nil {
			return c.about(err, "intake.what.user", map[string]any{"Name": u.Name})
		}
		if err := c.logUser(s, fmt.Sprintf("account %q removed", u.Name)); err != nil {
			return err
		}
		if c.json {
			return c.printJSON(map[string]any{"name": u.Name, "removed": true})
		}
		fmt.Fprintln(c.stdout, c.cat.T("intake.user.removed", map[string]any{"Name": u.Name}))
		return nil
	})
}

func (c *cli) cmdUserPasswd(name string) error {
	return c.withStore(func(s *intake.Store) error {
		u, err := s.User(name)
		if err != nil {
			return c.about(err, "intake.what.user", map[string]any{"Name": name})
		}
		pw, err := c.newPassword(u.Name)
		if err != nil {
			return err
		}
		defer clear(pw)
		if err := s.SetPassword(u.Name, pw); err != nil {
			return c.about(err, "intake.what.user", map[string]any{"Name": u.Name})
		}
		if err := c.logUser(s, fmt.Sprintf("account %q got a new password", u.Name)); err != nil {
			return err
		}
		if c.json {
			return c.printJSON(map[string]any{"name": u.Name, "password_set": true})
		}
		fmt.Fprintln(c.stdout, c.cat.T("intake.user.password_set", map[string]any{"Name": u.Name}))
		return nil
	})
}

// logUser writes an account change to the processing log, as the program
// (intake.Store.Log with the store's Actor).
func (c *cli) logUser(s *intake.Store, detail string) error {
	if _, err := s.Log(intake.LogEntry{Action: intake.ActUser, Detail: detail}); err != nil {
		return c.about(err, "intake.what.log", nil)
	}
	return nil
}

// roleText is a role in the reader's language.
func (c *cli) roleText(r intake.Role) string {
	switch r {
	case intake.RoleAdmin:
		return c.cat.T("intake.role.admin", nil)
	case intake.RoleCaseworker:
		return c.cat.T("intake.role.caseworker", nil)
	}
	return string(r)
}

// newPassword returns a new password for the account name: from
// --password-file, else typed twice on a terminal; without either it is
// refused. It is checked (intake.CheckNewPassword) before it is returned.
func (c *cli) newPassword(name string) ([]byte, error) {
	var pw []byte
	var err error
	switch {
	case c.user.passwordFile != "":
		if pw, err = c.readSecret(c.user.passwordFile); err != nil {
			return nil, c.about(err, "intake.what.password_file", map[string]any{"Path": c.user.passwordFile})
		}
	case c.interactive():
		if pw, err = c.prompt(c.cat.T("intake.prompt.password", map[string]any{"Name": name})); err != nil {
			return nil, err
		}
		if err := intake.CheckNewPassword(pw); err != nil {
			clear(pw)
			return nil, err
		}
		again, err := c.prompt(c.cat.T("intake.prompt.repeat_passphrase", nil))
		if err != nil {
			clear(pw)
			return nil, err
		}
		same := bytes.Equal(pw, again)
		clear(again)
		if !same {
			clear(pw)
			return nil, c.problem("intake.error.passwords_differ", nil)
		}
	default:
		return nil, c.problem("intake.error.no_password", nil)
	}
	if err := intake.CheckNewPassword(pw); err != nil {
		clear(pw)
		return nil, err
	}
	return pw, nil
}
