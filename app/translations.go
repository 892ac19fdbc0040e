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
// them whatever the system language is.
//
// The English file is Fyne's fallback only for a key the chosen file lacks,
// and nl.json has every key en.json has (a test in sync/schema checks it):
// so English is loaded only when it is the chosen language, not also kept
// beside Dutch (about 3 MB of parsed messages an idle app never used).
func loadTranslations(l string) error {
	data, err := fs.ReadFile(assets.Translations, l+".json")
	if err != nil {
		return fmt.Errorf("no translations for %q: %w", l, err)
	}
	if l == "en" {
		if err := lang.AddTranslationsForLocale(data, "en"); err != nil {
			return err
		}
	}
	if err := lang.AddTranslationsForLocale(data, lang.SystemLocale()); err != nil {
		// A system locale Fyne cannot name (such as "C"): Fyne then
		// falls back to English, so put the chosen language there.
		return lang.AddTranslationsForLocale(data, "en")
	}
	return nil
}
