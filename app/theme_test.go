package app

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// TestThemeTextContrast checks every foreground/background pair the theme
// uses for text against WCAG 2.1's 4.5:1, in both variants. Buttons and
// selects draw the focus and hover colours over their own background, so
// those blends are checked as the background they are.
func TestThemeTextContrast(t *testing.T) {
	test.NewTempApp(t)
	th := newTheme()
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		c := func(n fyne.ThemeColorName) color.Color { return th.Color(n, v) }
		// A background as drawn: plain, and for the widgets that have
		// them (buttons, selects, menu items), focused and hovered.
		states := func(bg fyne.ThemeColorName, interactive bool) map[string]color.Color {
			s := map[string]color.Color{string(bg): c(bg)}
			if interactive {
				s[string(bg)+"+focus"] = blendOver(c(bg), c(theme.ColorNameFocus))
				s[string(bg)+"+hover"] = blendOver(c(bg), c(theme.ColorNameHover))
			}
			return s
		}
		plain := []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameHeaderBackground}
		interactive := []fyne.ThemeColorName{theme.ColorNameButton, theme.ColorNameInputBackground, theme.ColorNameMenuBackground}
		pairs := []struct {
			fg          fyne.ThemeColorName
			bgs         []fyne.ThemeColorName
			interactive bool
		}{
			{theme.ColorNameForeground, plain, false},
			{theme.ColorNameForeground, interactive, true},
			{theme.ColorNamePlaceHolder, []fyne.ThemeColorName{theme.ColorNameInputBackground}, true},
			{theme.ColorNameHyperlink, plain, false},
			{theme.ColorNamePrimary, plain, false},
			{theme.ColorNameError, plain, false},
			{theme.ColorNameSuccess, plain, false},
			{theme.ColorNameForegroundOnPrimary, []fyne.ThemeColorName{theme.ColorNamePrimary}, true},
			{theme.ColorNameForegroundOnError, []fyne.ThemeColorName{theme.ColorNameError}, true},
			{theme.ColorNameForegroundOnSuccess, []fyne.ThemeColorName{theme.ColorNameSuccess}, true},
		}
		for _, p := range pairs {
			for _, bgName := range p.bgs {
				for name, bg := range states(bgName, p.interactive) {
					if r := contrastRatio(c(p.fg), bg); r < 4.5 {
						t.Errorf("variant %d: %s on %s is %.2f:1, want at least 4.5:1", v, p.fg, name, r)
					}
				}
			}
		}
	}
}

// blendOver draws over on top of the opaque colour under, as Fyne does
// for a focused or hovered button.
func blendOver(under, over color.Color) color.Color {
	ur, ug, ub, _ := under.RGBA()
	or, og, ob, oa := over.RGBA() // alpha-premultiplied
	mix := func(u, o uint32) uint8 { return uint8((o + u*(0xffff-oa)/0xffff) >> 8) }
	return color.NRGBA{R: mix(ur, or), G: mix(ug, og), B: mix(ub, ob), A: 0xff}
}

// contrastRatio is WCAG 2.1's (L1 + 0.05) / (L2 + 0.05) of two opaque colours.
func contrastRatio(a, b color.Color) float64 {
	la, lb := relativeLuminance(a), relativeLuminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func relativeLuminance(c color.Color) float64 {
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	r, g, b, _ := c.RGBA()
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

func TestContrastRatioKnownValues(t *testing.T) {
	white, black := color.NRGBA{0xff, 0xff, 0xff, 0xff}, color.NRGBA{0, 0, 0, 0xff}
	if r := contrastRatio(white, black); math.Abs(r-21) > 0.01 {
		t.Errorf("white on black = %.2f, want 21", r)
	}
	if r := contrastRatio(white, color.NRGBA{0x76, 0x76, 0x76, 0xff}); math.Abs(r-4.54) > 0.02 {
		t.Errorf("white on #767676 = %.2f, want 4.54", r)
	}
}
