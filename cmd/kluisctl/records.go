package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"kluis/sync/schema"
	"kluis/vault"
)

// assignments reads field=value arguments. An empty value is kept: it
// clears the field in set.
func (c *cli) assignments(verb string, args []string) (map[string]string, error) {
	fields := make(map[string]string, len(args))
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, c.usage(verb, "cli.usage.not_assignment", map[string]any{"Arg": a})
		}
		if _, dup := fields[k]; dup {
			return nil, c.usage(verb, "cli.usage.duplicate_field", map[string]any{"Field": k})
		}
		fields[k] = v
	}
	return fields, nil
}

func (c *cli) cmdAdd(args []string) error {
	fields, err := c.assignments("add", args[1:])
	if err != nil {
		return err
	}
	fields = choiceKeys(args[0], fields)
	// Check before asking for the passphrase; the vault checks again.
	if _, err := schema.ValidateRecord(args[0], fields); err != nil {
		return err
	}
	return c.withVault(func(v *vault.Vault) error {
		r, err := v.Add(args[0], fields)
		if err != nil {
			return c.aboutVault(err)
		}
		if c.json {
			return c.printJSON(c.recordJSON(r))
		}
		_, err = fmt.Fprintln(c.stdout, r.ID)
		return err
	})
}

func (c *cli) cmdSet(args []string) error {
	changes, err := c.assignments("set", args[1:])
	if err != nil {
		return err
	}
	return c.withVault(func(v *vault.Vault) error {
		cur, err := c.record(v, args[0])
		if err != nil {
			return err
		}
		r, err := v.Update(cur.ID, choiceKeys(cur.Category, changes))
		if err != nil {
			return c.about(err, "cli.what.item", map[string]any{"ID": cur.ID})
		}
		if c.json {
			return c.printJSON(c.recordJSON(r))
		}
		key := "cli.set.done"
		if r.Version == cur.Version {
			key = "cli.set.unchanged"
		}
		_, err = fmt.Fprintln(c.stdout, c.cat.T(key, map[string]any{"ID": r.ID, "Version": r.Version}))
		return err
	})
}

func (c *cli) cmdGet(args []string) error {
	return c.withVault(func(v *vault.Vault) error {
		it, err := c.resolve(v, args[0])
		if err != nil {
			return err
		}
		if it.doc {
			d, err := v.Document(it.id)
			if err != nil {
				return c.about(err, "cli.what.document", map[string]any{"ID": it.id})
			}
			if c.json {
				return c.printJSON(documentJSON(d))
			}
			c.printDocument(d)
			return nil
		}
		r, err := v.Get(it.id)
		if err != nil {
			return c.about(err, "cli.what.item", map[string]any{"ID": it.id})
		}
		if c.json {
			return c.printJSON(c.recordJSON(r))
		}
		return c.printRecord(v, r)
	})
}

// printRecord shows one record: what it is, its fields, and the documents
// linked to it.
func (c *cli) printRecord(v *vault.Vault, r vault.Record) error {
	t := c.cat.T
	w := c.stdout
	fmt.Fprintf(w, "%s: %s\n", c.cat.Category(r.Category), title(r))
	fmt.Fprintf(w, "%s: %s\n", t("cli.label.id", nil), r.ID)
	line := t("cli.get.version", map[string]any{"Version": r.Version, "When": when(r.Modified), "Person": c.person(r.Author.Person)})
	if r.Deleted {
		line += " · " + t("cli.get.in_bin", nil)
	}
	fmt.Fprintln(w, line)
	fmt.Fprintln(w)
	c.printFields(w, r, "  ")
	docs, err := v.Documents(false)
	if err != nil {
		return c.aboutVault(err)
	}
	docs = slices.DeleteFunc(docs, func(d vault.Document) bool { return d.Record != r.ID })
	if len(docs) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, t("cli.get.documents", nil)+":")
		tw := c.table()
		for _, d := range docs {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", d.ID, d.Name, c.size(d.Size))
		}
		tw.Flush()
	}
	if !c.reveal && hasHidden(r) {
		fmt.Fprintln(w)
		fmt.Fprintln(w, t("cli.get.masked", nil))
	}
	return nil
}

func hasHidden(r vault.Record) bool {
	cat, ok := schema.Lookup(r.Category)
	if !ok {
		return false
	}
	for k, val := range r.Fields {
		if f, ok := cat.Field(k); ok && val != "" && hidden(f) {
			return true
		}
	}
	return false
}

func (c *cli) cmdList(args []string) error {
	category := ""
	if len(args) == 1 {
		category = args[0]
		if _, ok := schema.Lookup(category); !ok {
			return &schema.FieldError{Category: category, Code: schema.CodeUnknownCategory}
		}
	}
	return c.withVault(func(v *vault.Vault) error {
		recs, err := v.List(category)
		if err != nil {
			return c.aboutVault(err)
		}
		return c.printRecords(recs, "cli.list.empty")
	})
}

func (c *cli) cmdSearch(args []string) error {
	query := strings.Join(args, " ")
	if strings.TrimSpace(query) == "" {
		return c.usage("search", "cli.usage.empty_search", nil)
	}
	return c.withVault(func(v *vault.Vault) error {
		recs, err := v.Search(query)
		if err != nil {
			return c.aboutVault(err)
		}
		docs, err := v.SearchDocuments(query)
		if err != nil {
			return c.aboutVault(err)
		}
		if c.json {
			return c.printJSON(map[string]any{"records": c.recordsJSON(recs), "documents": documentsJSON(docs)})
		}
		if len(recs)+len(docs) == 0 {
			_, err := fmt.Fprintln(c.stdout, c.cat.T("cli.search.none", nil))
			return err
		}
		t := c.cat.T
		tw := c.table()
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t("cli.label.id_column", nil), t("cli.label.category_column", nil), t("cli.label.title_column", nil))
		for _, r := range recs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, c.cat.Category(r.Category), title(r))
		}
		for _, d := range docs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", d.ID, t("cli.label.document", nil), d.Name)
		}
		return tw.Flush()
	})
}

// printRecords writes a list of records: id, category and title.
func (c *cli) printRecords(recs []vault.Record, emptyKey string) error {
	if c.json {
		return c.printJSON(c.recordsJSON(recs))
	}
	if len(recs) == 0 {
		_, err := fmt.Fprintln(c.stdout, c.cat.T(emptyKey, nil))
		return err
	}
	t := c.cat.T
	tw := c.table()
	fmt.Fprintf(tw, "%s\t%s\t%s\n", t("cli.label.id_column", nil), t("cli.label.category_column", nil), t("cli.label.title_column", nil))
	for _, r := range recs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, c.cat.Category(r.Category), title(r))
	}
	return tw.Flush()
}

// cmdRm moves a record or a document to the recycle bin.
func (c *cli) cmdRm(args []string) error {
	return c.withVault(func(v *vault.Vault) error {
		it, err := c.resolve(v, args[0])
		if err != nil {
			return err
		}
		if it.doc {
			err = c.about(v.DeleteDocument(it.id), "cli.what.document", map[string]any{"ID": it.id})
		} else {
			err = c.about(v.Delete(it.id), "cli.what.item", map[string]any{"ID": it.id})
		}
		if err != nil {
			return err
		}
		return c.done("cli.rm.done", map[string]any{"ID": it.id}, binResult(it, true))
	})
}

func binResult(it item, deleted bool) map[string]any {
	kind := "record"
	if it.doc {
		kind = "document"
	}
	return map[string]any{"id": it.id, "kind": kind, "deleted": deleted}
}

// cmdRestore takes an item out of the recycle bin when the argument is an
// id, and restores a backup file otherwise.
func (c *cli) cmdRestore(args []string) error {
	if !c.namesItem(args[0]) {
		return c.restoreBackup(args[0])
	}
	if c.recoveryKeyFile != "" || c.newPassphraseFile != "" {
		return c.usage("restore", "cli.usage.restore_flags_need_file", nil)
	}
	return c.withVault(func(v *vault.Vault) error {
		it, err := c.resolve(v, args[0])
		if err != nil {
			return err
		}
		if it.doc {
			err = c.about(v.RestoreDocument(it.id), "cli.what.document", map[string]any{"ID": it.id})
		} else {
			err = c.about(v.Restore(it.id), "cli.what.item", map[string]any{"ID": it.id})
		}
		if err != nil {
			return err
		}
		return c.done("cli.restore.done", map[string]any{"ID": it.id}, binResult(it, false))
	})
}

// cmdHistory shows every version of a record, oldest first.
func (c *cli) cmdHistory(args []string) error {
	return c.withVault(func(v *vault.Vault) error {
		r, err := c.record(v, args[0])
		if err != nil {
			return err
		}
		versions, err := v.History(r.ID)
		if err != nil {
			return c.about(err, "cli.what.item", map[string]any{"ID": r.ID})
		}
		if c.json {
			return c.printJSON(c.recordsJSON(versions))
		}
		fmt.Fprintf(c.stdout, "%s: %s (%s)\n", c.cat.Category(r.Category), title(r), r.ID)
		for _, ver := range versions {
			fmt.Fprintln(c.stdout)
			line := c.cat.T("cli.get.version", map[string]any{"Version": ver.Version, "When": when(ver.Modified), "Person": c.person(ver.Author.Person)})
			if ver.Deleted {
				line += " · " + c.cat.T("cli.get.in_bin", nil)
			}
			fmt.Fprintln(c.stdout, line)
			c.printFields(c.stdout, ver, "  ")
		}
		return nil
	})
}

// cmdRevert makes an earlier version the current one, as a new version.
func (c *cli) cmdRevert(args []string) error {
	version, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil || version == 0 {
		return c.usage("revert", "cli.usage.bad_version", map[string]any{"Arg": args[1]})
	}
	return c.withVault(func(v *vault.Vault) error {
		cur, err := c.record(v, args[0])
		if err != nil {
			return err
		}
		if cur.Deleted {
			// The vault would take it out of the recycle bin as a side
			// effect; say so instead, as set does.
			return c.about(vault.ErrDeleted, "cli.what.item", map[string]any{"ID": cur.ID})
		}
		r, err := v.Revert(cur.ID, version)
		if err != nil {
			return c.about(err, "cli.what.version", map[string]any{"ID": cur.ID, "Version": version})
		}
		if c.json {
			return c.printJSON(c.recordJSON(r))
		}
		key := "cli.revert.done"
		if r.Version == cur.Version {
			key = "cli.set.unchanged"
		}
		_, err = fmt.Fprintln(c.stdout, c.cat.T(key, map[string]any{"ID": r.ID, "Old": version, "Version": r.Version}))
		return err
	})
}

// cmdBin lists the recycle bin: records and documents.
func (c *cli) cmdBin([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		recs, err := v.RecycleBin()
		if err != nil {
			return c.aboutVault(err)
		}
		docs, err := v.Documents(true)
		if err != nil {
			return c.aboutVault(err)
		}
		if c.json {
			return c.printJSON(map[string]any{"records": c.recordsJSON(recs), "documents": documentsJSON(docs)})
		}
		if len(recs)+len(docs) == 0 {
			_, err := fmt.Fprintln(c.stdout, c.cat.T("cli.bin.empty", nil))
			return err
		}
		t := c.cat.T
		tw := c.table()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t("cli.label.id_column", nil), t("cli.label.category_column", nil),
			t("cli.label.title_column", nil), t("cli.label.deleted_column", nil))
		for _, r := range recs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, c.cat.Category(r.Category), title(r), when(r.Modified))
		}
		for _, d := range docs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.ID, t("cli.label.document", nil), d.Name, when(d.Modified))
		}
		return tw.Flush()
	})
}

// cmdBinPurge deletes one record or document in the recycle bin for good.
func (c *cli) cmdBinPurge(args []string) error {
	return c.withVault(func(v *vault.Vault) error {
		it, err := c.resolve(v, args[0])
		if err != nil {
			return err
		}
		if it.doc {
			err = c.about(v.PurgeDocument(it.id), "cli.what.document", map[string]any{"ID": it.id})
		} else {
			err = c.about(v.Purge(it.id), "cli.what.item", map[string]any{"ID": it.id})
		}
		if err != nil {
			return err
		}
		res := binResult(it, true)
		res["purged"] = true
		return c.done("cli.bin.purged", map[string]any{"ID": it.id}, res)
	})
}

// cmdBinEmpty deletes everything in the recycle bin for good.
func (c *cli) cmdBinEmpty([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		records, documents, err := v.EmptyBin()
		if err != nil {
			return c.aboutVault(err)
		}
		return c.done("cli.bin.emptied", map[string]any{"Records": records, "Documents": documents},
			map[string]any{"records": records, "documents": documents})
	})
}
