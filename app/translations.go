package app

import (
	"context"
	"fmt"
	"io/fs"

	"fyne.io/fyne/v2/lang"

	"kluis/assets"
)

var errCanceled = context.Canceled

// loadTranslations loads Kluis's translations for l ("nl" or "en") into
// Fyne's global table, under the system locale's name so that Fyne picks
// them whatever the system language is. The English file is also added
// under its own name as the fallback.
func loadTranslations(l string) error {
	en, err := fs.ReadFile(assets.Translations, "en.json")
	if err != nil {
		return fmt.Errorf("no English translations embedded: %w", err)
	}
	if err := lang.AddTranslationsForLocale(en, "en"); err != nil {
		return err
	}
	data, err := fs.ReadFile(assets.Translations, l+".json")
	if err != nil {
		return fmt.Errorf("no translations for %q: %w", l, err)
	}
	if err := lang.AddTranslationsForLocale(data, lang.SystemLocale()); err != nil {
		// A system locale Fyne cannot name (such as "C"): Fyne then
		// falls back to English, so put the chosen language there.
		return lang.AddTranslationsForLocale(data, "en")
	}
	return nil
}
