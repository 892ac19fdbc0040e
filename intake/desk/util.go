package desk

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kluis/internal/i18n"
)

// urlValues encodes pairs as a query, leaving out empty values.
func urlValues(pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			v.Set(pairs[i], pairs[i+1])
		}
	}
	return v.Encode()
}

// shortID is the start of an id that people read and type (kluis-intake
// accepts a unique start of at least four characters).
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

var months = map[string][]string{
	i18n.Dutch: {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
		"november", "december"},
	i18n.English: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
		"November", "December"},
}

// amsterdam is the municipality's time zone: dates are the days its
// caseworkers live in, whatever the server's zone.
var amsterdam = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return loc
	}
	return time.Local
}()

// dutchOrEnglishDate writes a day as people say it: "4 december 2026".
func dutchOrEnglishDate(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(amsterdam)
	m := months[lang]
	if m == nil {
		m = months[i18n.Dutch]
	}
	return fmt.Sprintf("%d %s %d", t.Day(), m[t.Month()-1], t.Year())
}

// dateTime writes a moment as "04-12-2026 14:05", the way Dutch forms do.
func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(amsterdam).Format("02-01-2006 15:04")
}

// humanSize writes a byte count as "12,3 MB".
func humanSize(n int64) string {
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return strings.Replace(strconv.FormatFloat(float64(n)/1024, 'f', 1, 64), ".", ",", 1) + " KB"
	case n < 1<<30:
		return strings.Replace(strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64), ".", ",", 1) + " MB"
	}
	return strings.Replace(strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64), ".", ",", 1) + " GB"
}
