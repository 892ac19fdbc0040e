package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"kluis/assets"
)

// TestMain pins the locale to Dutch, the language Kluis's users see by
// default, whatever the machine running the tests uses. Fyne reads it from
// the environment when translations are loaded.
func TestMain(m *testing.M) {
	for _, v := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES"} {
		os.Unsetenv(v)
	}
	os.Setenv("LANG", "nl_NL.UTF-8")
	os.Exit(m.Run())
}

// quitRecorder is a test app that counts calls to Quit, which the test
// driver otherwise ignores.
type quitRecorder struct {
	fyne.App
	quits int
}

func (q *quitRecorder) Quit() { q.quits++ }

func newTestUI(t *testing.T) (*UI, *quitRecorder, fyne.Window) {
	t.Helper()
	a := &quitRecorder{App: test.NewTempApp(t)}
	w := a.NewWindow("Kluis")
	t.Cleanup(w.Close)
	u := New(a, w, Deps{VaultPath: filepath.Join(t.TempDir(), "vault.kluis")})
	return u, a, w
}

func TestNewBuildsWindow(t *testing.T) {
	u, _, w := newTestUI(t)

	if err := loadTranslations(); err != nil {
		t.Errorf("loadTranslations() error: %v", err)
	}
	if got := w.Title(); got != "Kluis" {
		t.Errorf("window title = %q, want %q", got, "Kluis")
	}
	for _, tc := range []struct {
		name string
		obj  fyne.CanvasObject
		text string
	}{
		{"title", u.title, u.title.Text},
		{"status", u.status, u.status.Text},
		{"quit button", u.quit, u.quit.Text},
	} {
		if !holds(w.Content(), tc.obj) {
			t.Errorf("%s is not in the window", tc.name)
		}
		if tc.text == "" || strings.HasPrefix(tc.text, "app.") {
			t.Errorf("%s text = %q, want a translated text", tc.name, tc.text)
		}
	}
	if u.title.Text != "Kluis" {
		t.Errorf("title = %q, want %q", u.title.Text, "Kluis")
	}
	if u.quit.Text != "Sluiten" {
		t.Errorf("quit button = %q, want %q", u.quit.Text, "Sluiten")
	}
}

func TestQuitButtonQuits(t *testing.T) {
	u, a, _ := newTestUI(t)
	test.Tap(u.quit)
	if a.quits != 1 {
		t.Errorf("after tapping %q the app quit %d times, want 1", u.quit.Text, a.quits)
	}
}

// TestTranslationsHaveAppKeys checks that every text this package shows has
// a Dutch and an English translation, rather than falling back silently.
func TestTranslationsHaveAppKeys(t *testing.T) {
	keys := []string{"app.title", "app.coming", "app.quit"}
	for _, file := range []string{"nl.json", "en.json"} {
		data, err := assets.Translations.ReadFile(file)
		if err != nil {
			t.Errorf("assets has no %s: %v", file, err)
			continue
		}
		var texts map[string]any
		if err := json.Unmarshal(data, &texts); err != nil {
			t.Errorf("%s is not valid JSON: %v", file, err)
			continue
		}
		for _, k := range keys {
			if s, _ := texts[k].(string); s == "" {
				t.Errorf("%s lacks a text for %q", file, k)
			}
		}
	}
}

// holds reports whether obj is root or inside it.
func holds(root, obj fyne.CanvasObject) bool {
	if root == obj {
		return true
	}
	if c, ok := root.(*fyne.Container); ok {
		for _, o := range c.Objects {
			if holds(o, obj) {
				return true
			}
		}
	}
	return false
}
