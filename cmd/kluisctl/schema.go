package main

import (
	"fmt"
	"strings"

	"kluis/sync/schema"
)

// jsonCategory is one category of `schema --json`.
type jsonCategory struct {
	ID     string      `json:"id"`
	Label  string      `json:"label"`
	Title  []string    `json:"title"`
	Fields []jsonField `json:"fields"`
}

type jsonField struct {
	ID        string       `json:"id"`
	Label     string       `json:"label"`
	Type      schema.Type  `json:"type"`
	Required  bool         `json:"required"`
	Sensitive bool         `json:"sensitive"`
	Choices   []jsonChoice `json:"choices,omitempty"`
}

type jsonChoice struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// cmdSchema lists the categories and their fields with their types. It
// needs no vault.
func (c *cli) cmdSchema([]string) error {
	cats := schema.Categories()
	if c.json {
		out := make([]jsonCategory, 0, len(cats))
		for _, cat := range cats {
			jc := jsonCategory{ID: cat.ID, Label: c.cat.Category(cat.ID), Title: cat.Title, Fields: []jsonField{}}
			for _, f := range cat.Fields {
				jf := jsonField{ID: f.ID, Label: c.cat.Field(cat.ID, f.ID), Type: f.Type,
					Required: f.Required, Sensitive: hidden(&f)}
				for _, ch := range f.Choices {
					jf.Choices = append(jf.Choices, jsonChoice{ID: ch, Label: c.cat.Choice(cat.ID, f.ID, ch)})
				}
				jc.Fields = append(jc.Fields, jf)
			}
			out = append(out, jc)
		}
		return c.printJSON(out)
	}
	t := c.cat.T
	for i, cat := range cats {
		if i > 0 {
			fmt.Fprintln(c.stdout)
		}
		fmt.Fprintf(c.stdout, "%s  %s\n", cat.ID, c.cat.Category(cat.ID))
		tw := c.table()
		for _, f := range cat.Fields {
			kind := string(f.Type)
			if f.Required {
				kind += ", " + t("cli.schema.required", nil)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.ID, kind, c.cat.Field(cat.ID, f.ID))
			if len(f.Choices) > 0 {
				// The key and what people see: either may be typed.
				choices := make([]string, 0, len(f.Choices))
				for _, ch := range f.Choices {
					choices = append(choices, ch+" ("+c.cat.Choice(cat.ID, f.ID, ch)+")")
				}
				fmt.Fprintf(tw, "  \t\t%s: %s\n", t("cli.schema.choices", nil), strings.Join(choices, ", "))
			}
		}
		tw.Flush()
	}
	fmt.Fprintln(c.stdout)
	fmt.Fprintln(c.stdout, t("cli.schema.types", nil))
	tw := c.table()
	for _, ty := range schema.Types() {
		fmt.Fprintf(tw, "  %s\t%s\n", ty, t("type."+string(ty), nil))
	}
	return tw.Flush()
}
