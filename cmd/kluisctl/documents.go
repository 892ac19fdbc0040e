package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"kluis/internal/filename"
	"os"
	"path/filepath"

	"kluis/internal/atomicfile"
	"kluis/vault"
)

// cmdDocAdd streams a file into the vault as a document.
func (c *cli) cmdDocAdd(args []string) error {
	path := args[0]
	what := map[string]any{"Path": path}
	// Look before opening: opening a pipe would wait for a writer.
	if fi, err := os.Stat(path); err != nil {
		return c.about(err, "cli.what.file", what)
	} else if !fi.Mode().IsRegular() {
		return c.about(c.problem("cli.error.not_regular_file", nil), "cli.what.file", what)
	}
	f, err := os.Open(path)
	if err != nil {
		return c.about(err, "cli.what.file", what)
	}
	defer f.Close()
	return c.withVault(func(v *vault.Vault) error {
		opts := vault.DocumentOptions{}
		if c.linkRecord != "" {
			r, err := c.record(v, c.linkRecord)
			if err != nil {
				return err
			}
			opts.Record = r.ID
		}
		ctx, stop := c.interruptible()
		defer stop()
		d, err := v.AddDocument(ctx, filepath.Base(path), bufio.NewReaderSize(f, vault.ChunkSize), opts)
		if err != nil {
			return c.about(err, "cli.what.file", what)
		}
		if c.json {
			return c.printJSON(documentJSON(d))
		}
		_, err = fmt.Fprintln(c.stdout, d.ID)
		return err
	})
}

// cmdDocGet writes a document to a file. The content goes to a temporary
// file next to the target first and is renamed into place only when the
// whole document has been read and checked, so a damaged document never
// leaves a partial file behind.
func (c *cli) cmdDocGet(args []string) error {
	if c.output == "" {
		return c.usage("doc get", "cli.usage.needs_output", nil)
	}
	return c.withVault(func(v *vault.Vault) error {
		d, err := c.document(v, args[0])
		if err != nil {
			return err
		}
		target := c.output
		if fi, err := os.Stat(target); err == nil && fi.IsDir() {
			// The name comes from the vault, maybe from another system:
			// made fit for this one (no ":" or "CON" on Windows).
			target = filepath.Join(target, filename.Safe(d.Name))
		}
		what := map[string]any{"Path": target}
		if err := c.checkFolder(target); err != nil {
			return err
		}
		if _, err := os.Lstat(target); err == nil && !c.force {
			return c.about(c.problem("cli.error.file_exists", nil), "cli.what.file", what)
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return c.about(err, "cli.what.file", what)
		}
		ctx, stop := c.interruptible()
		defer stop()
		// A copy out of the vault is written like cp writes: renamed into
		// place whole, but not forced to disk; the vault keeps the original.
		err = writeFile(target, false, func(f *os.File) error {
			w := bufio.NewWriterSize(f, vault.ChunkSize)
			if _, err := v.ReadDocument(ctx, d.ID, w); err != nil {
				return c.about(err, "cli.what.document", map[string]any{"ID": d.ID})
			}
			if err := w.Flush(); err != nil {
				return err
			}
			// Log before the file appears: nothing leaves unlogged.
			return c.aboutVault(v.LogDocumentExported(d.ID))
		})
		if err != nil {
			return c.about(err, "cli.what.file", what)
		}
		if c.json {
			return c.printJSON(struct {
				jsonDocument
				File string `json:"file"`
			}{documentJSON(d), target})
		}
		_, err = fmt.Fprintln(c.stdout, c.cat.T("cli.doc_get.done", map[string]any{"Name": d.Name, "Path": target}))
		return err
	})
}

// checkFolder makes sure the folder a file is to be written in exists, so
// the message names that folder rather than a temporary file in it.
func (c *cli) checkFolder(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return c.problem("cli.error.no_folder", map[string]any{"Path": dir})
	case err != nil:
		return c.about(err, "cli.what.file", map[string]any{"Path": path})
	case !fi.IsDir():
		return c.problem("cli.error.no_folder", map[string]any{"Path": dir})
	}
	return nil
}

// writeAtomic writes path atomically (package atomicfile): write fills a
// temporary file in the same folder, which is synced and renamed into
// place. On any error the temporary file is removed and path is left as it
// was.
func writeAtomic(path string, write func(f *os.File) error) error {
	return writeFile(path, true, write)
}

// writeFile is writeAtomic, syncing the file before the rename only when
// durable is set. Temporary files that an interrupted earlier run left in
// the folder (a killed doc get leaves plaintext in one) are removed first.
func writeFile(path string, durable bool, write func(f *os.File) error) error {
	atomicfile.CleanTemp(filepath.Dir(path))
	var opts []atomicfile.Option
	if !durable {
		opts = append(opts, atomicfile.NoSync())
	}
	f, err := atomicfile.Create(path, opts...)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f.File); err != nil {
		return err
	}
	return f.Commit()
}

// cmdDocList lists the documents (not those in the recycle bin).
func (c *cli) cmdDocList([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		docs, err := v.Documents(false)
		if err != nil {
			return c.aboutVault(err)
		}
		if c.json {
			return c.printJSON(documentsJSON(docs))
		}
		if len(docs) == 0 {
			_, err := fmt.Fprintln(c.stdout, c.cat.T("cli.doc_list.empty", nil))
			return err
		}
		t := c.cat.T
		tw := c.table()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t("cli.label.id_column", nil), t("cli.label.name_column", nil),
			t("cli.label.size_column", nil), t("cli.label.added_column", nil), t("cli.label.record_column", nil))
		for _, d := range docs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.ID, d.Name, c.size(d.Size), when(d.Added), d.Record)
		}
		return tw.Flush()
	})
}

// printDocument shows one document's metadata (get with a document id).
func (c *cli) printDocument(d vault.Document) {
	t := c.cat.T
	fmt.Fprintf(c.stdout, "%s: %s\n", t("cli.label.document", nil), d.Name)
	tw := c.table()
	fmt.Fprintf(tw, "%s:\t%s\n", t("cli.label.id", nil), d.ID)
	fmt.Fprintf(tw, "%s:\t%s\n", t("cli.label.type", nil), d.MediaType)
	fmt.Fprintf(tw, "%s:\t%s\n", t("cli.label.size", nil), c.size(d.Size))
	fmt.Fprintf(tw, "%s:\t%s (%s)\n", t("cli.label.added", nil), when(d.Added), c.person(d.Author.Person))
	if d.Record != "" {
		fmt.Fprintf(tw, "%s:\t%s\n", t("cli.label.record", nil), d.Record)
	}
	fmt.Fprintf(tw, "SHA-256:\t%s\n", d.SHA256)
	if d.Deleted {
		fmt.Fprintf(tw, "%s:\t%s\n", t("cli.label.status", nil), t("cli.get.in_bin", nil))
	}
	tw.Flush()
}
