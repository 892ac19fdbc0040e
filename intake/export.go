package intake

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"kluis/internal/atomicfile"
	"kluis/internal/i18n"
	"kluis/sync/bundle"
	"kluis/sync/schema"
)

// Export writes an import to dir for the organisation's case system:
//
//	manifest.json, manifest.sig, records.json   the bundle's own files, byte for byte
//	documents/<id>/<name>                        the documents, checked against their SHA-256
//	documenten.json                              metadata per document, in the terms of the
//	                                             ZGW Documenten API (titel, creatiedatum, …)
//	samenvatting.html                            a readable summary in plain Dutch (B1)
//
// dir must not exist yet or be empty. Everything is written through an
// os.Root, so no name from the bundle can lead outside dir.
func (s *Store) Export(id, dir string) error { return s.ExportContext(context.Background(), id, dir) }

// ExportContext is Export that stops when ctx is done. The files are
// written into a new hidden folder beside dir (".NAME.partial-…") and it
// becomes dir only when complete, so a failed or interrupted export leaves
// no half-written dir; the partial folder is removed (or, should the
// process be killed, left hidden beside dir).
func (s *Store) ExportContext(ctx context.Context, id, dir string) error {
	imp, err := s.Get(id)
	if err != nil {
		return err
	}
	m, err := imp.ParsedManifest()
	if err != nil {
		return err
	}
	rs, err := imp.ParsedRecords()
	if err != nil {
		return err
	}
	dir = filepath.Clean(dir)
	exists := false
	if entries, err := os.ReadDir(dir); err == nil {
		if len(entries) > 0 {
			return &fs.PathError{Op: "export", Path: dir, Err: fs.ErrExist}
		}
		exists = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	if err := s.exportTo(ctx, imp, m, rs, tmp); err != nil {
		return err
	}
	if exists {
		if err := os.Remove(dir); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	done = true
	return atomicfile.SyncDir(parent)
}

// exportTo writes the export's files into dir, which is new and empty.
func (s *Store) exportTo(ctx context.Context, imp *Import, m *bundle.Manifest, rs *bundle.Records, dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for name, data := range map[string][]byte{
		bundle.ManifestPath: imp.Manifest, bundle.SignaturePath: imp.Signature, bundle.RecordsPath: imp.Records,
	} {
		if err := root.WriteFile(name, data, 0o600); err != nil {
			return err
		}
	}
	for _, d := range imp.Documents {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := d.Path()
		if err := root.MkdirAll(path.Dir(p), 0o700); err != nil {
			return err
		}
		f, err := root.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(ctxWriter{ctx, f}, 256<<10)
		err = s.OpenDocument(d, w)
		if err == nil {
			err = w.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	behalf, err := imp.OnBehalf()
	if err != nil {
		return err
	}
	meta, err := json.MarshalIndent(zgwDocuments(imp, m, behalf), "", "  ")
	if err != nil {
		return err
	}
	if err := root.WriteFile("documenten.json", append(meta, '\n'), 0o600); err != nil {
		return err
	}
	f, err := root.OpenFile("samenvatting.html", os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	sum := summaryOf(imp, m, rs)
	if behalf != nil {
		sum.Issuer, sum.Delegate = behalf.Owner.Name, m.Issuer.Name
	}
	err = summaryTemplate.Execute(f, sum)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// A ctxWriter stops writing once its context is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (w ctxWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	return w.w.Write(p)
}

// zgwDocument is a document's metadata in the field names of the ZGW
// Documenten API (EnkelvoudigInformatieObject), for a case system to map.
type zgwDocument struct {
	Titel                       string       `json:"titel"`
	Bestandsnaam                string       `json:"bestandsnaam"`
	Bestandspad                 string       `json:"bestandspad"` // in this export
	Creatiedatum                string       `json:"creatiedatum"`
	Ontvangstdatum              string       `json:"ontvangstdatum"`
	Formaat                     string       `json:"formaat"`
	Bestandsomvang              int64        `json:"bestandsomvang"`
	Taal                        string       `json:"taal"`
	Vertrouwelijkheidaanduiding string       `json:"vertrouwelijkheidaanduiding"`
	Integriteit                 zgwIntegrity `json:"integriteit"`
	Auteur                      string       `json:"auteur"`
	Beschrijving                string       `json:"beschrijving"`
	// Rollen, only for a share made on behalf of someone: the citizen the
	// data is about (machtiginggever) and the delegate who delivered it
	// (gemachtigde), in the terms of the ZGW Zaken API's Rol, for the
	// case system to add to the case. Kluis's delegation is technical:
	// the caseworker decides whether it counts as a legal mandate.
	Rollen []zgwRole `json:"rollen,omitempty"`
}

// zgwRole is a person's part in a share made on behalf, with the ZGW
// Rol's indicatieMachtiging.
type zgwRole struct {
	Naam                string `json:"naam"`
	Ed25519             string `json:"ed25519"` // the key that signed (delegate) or granted (citizen)
	IndicatieMachtiging string `json:"indicatieMachtiging"`
	Roltoelichting      string `json:"roltoelichting"`
}

type zgwIntegrity struct {
	Algoritme string `json:"algoritme"`
	Waarde    string `json:"waarde"`
	Datum     string `json:"datum"`
}

func zgwDocuments(imp *Import, m *bundle.Manifest, behalf *bundle.Delegation) []zgwDocument {
	out := []zgwDocument{}
	by := "Aangeleverd door de inwoner met Kluis"
	var roles []zgwRole
	if behalf != nil {
		by = "Aangeleverd door " + m.Issuer.Name + " namens " + behalf.Owner.Name + " met Kluis"
		roles = []zgwRole{
			{Naam: behalf.Owner.Name, Ed25519: behalf.Owner.Ed25519, IndicatieMachtiging: "machtiginggever",
				Roltoelichting: "inwoner; gaf in Kluis toestemming " + behalf.ID + " (geen wettelijke machtiging)"},
			{Naam: m.Issuer.Name, Ed25519: m.Issuer.Ed25519, IndicatieMachtiging: "gemachtigde",
				Roltoelichting: "leverde aan namens " + behalf.Owner.Name + " met een technische Kluis-machtiging; beoordeel zelf of die geldt"},
		}
	}
	for _, d := range imp.Documents {
		title := strings.TrimSuffix(d.Name, path.Ext(d.Name))
		out = append(out, zgwDocument{
			Titel: title, Bestandsnaam: d.Name, Bestandspad: d.Path(),
			Creatiedatum: m.Created.Format(time.DateOnly), Ontvangstdatum: imp.ImportedAt.Format(time.DateOnly),
			Formaat: d.MediaType, Bestandsomvang: d.Size, Taal: "dut", Vertrouwelijkheidaanduiding: "vertrouwelijk",
			Integriteit:  zgwIntegrity{Algoritme: "sha_256", Waarde: d.SHA256, Datum: imp.ImportedAt.Format(time.DateOnly)},
			Auteur:       m.Issuer.Name,
			Beschrijving: by + ", bundel " + imp.ID + ", doel: " + m.Purpose,
			Rollen:       roles,
		})
	}
	return out
}

type summary struct {
	Bundle     string
	Issuer     string // the citizen the data is about
	Delegate   string // who delivered it on the citizen's behalf, if someone did
	Created    string
	Imported   string
	KeptUntil  string
	Purpose    string
	Case       string
	Request    string
	Recipient  string
	Excluded   []string
	Categories []summaryCategory
	Documents  []summaryDocument
}

type summaryCategory struct {
	Label   string
	Records []summaryRecord
}

type summaryRecord struct {
	Title  string
	Fields [][2]string
}

type summaryDocument struct {
	Name, Size, SHA256, Path, Record string
}

// summaryOf prepares the summary in Dutch: labels from the Dutch
// translations, values as people read them (money as "€ 1.234,56").
func summaryOf(imp *Import, m *bundle.Manifest, rs *bundle.Records) summary {
	cat := i18n.Load(i18n.Dutch)
	s := summary{
		Bundle: imp.ID, Issuer: m.Issuer.Name, Created: dutchDate(m.Created), Imported: dutchDate(imp.ImportedAt),
		KeptUntil: dutchDate(imp.KeptUntil), Purpose: m.Purpose, Case: m.CaseReference, Request: m.RequestID,
		Recipient: m.Recipient.Org,
	}
	if m.Recipient.Kind == bundle.RecipientShareCode {
		s.Recipient = "met een deelcode"
	}
	for _, cf := range m.Scope.ExcludedFields {
		c, f, _ := strings.Cut(cf, ".")
		s.Excluded = append(s.Excluded, cat.Category(c)+": "+strings.TrimSuffix(cat.Field(c, f), "?"))
	}
	titles := map[string]string{}
	for _, c := range schema.Categories() {
		var recs []summaryRecord
		for _, r := range rs.Records {
			if r.Category != c.ID {
				continue
			}
			vals := r.CanonicalFields()
			sr := summaryRecord{Title: c.TitleOf(vals)}
			titles[r.ID] = sr.Title
			for i := range c.Fields {
				f := &c.Fields[i]
				v, ok := vals[f.ID]
				if !ok {
					continue
				}
				shown := f.Display(v)
				switch f.Type {
				case schema.Money:
					shown = "€ " + shown
				case schema.Choice:
					shown = cat.Choice(c.ID, f.ID, v)
				case schema.BSN:
					shown = v // the caseworker needs the number the citizen chose to share
				}
				sr.Fields = append(sr.Fields, [2]string{strings.TrimSuffix(cat.Field(c.ID, f.ID), ":"), shown})
			}
			recs = append(recs, sr)
		}
		if len(recs) > 0 {
			s.Categories = append(s.Categories, summaryCategory{Label: cat.Category(c.ID), Records: recs})
		}
	}
	for _, d := range imp.Documents {
		s.Documents = append(s.Documents, summaryDocument{Name: d.Name, Size: dutchSize(d.Size), SHA256: d.SHA256,
			Path: d.Path(), Record: titles[d.Record]})
	}
	return s
}

var dutchMonths = []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
	"september", "oktober", "november", "december"}

func dutchDate(t time.Time) string {
	t = t.In(amsterdam())
	return fmt.Sprintf("%d %s %d", t.Day(), dutchMonths[t.Month()-1], t.Year())
}

func amsterdam() *time.Location {
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return loc
	}
	return time.UTC
}

func dutchSize(n int64) string {
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1<<20:
		return strings.Replace(strconv.FormatFloat(float64(n)/1024, 'f', 1, 64), ".", ",", 1) + " KB"
	}
	return strings.Replace(strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64), ".", ",", 1) + " MB"
}

var summaryTemplate = template.Must(template.New("samenvatting").Parse(`<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<title>Gegevens van {{.Issuer}} — Kluis-bundel {{.Bundle}}</title>
<style>
body { font-family: sans-serif; font-size: 1.1rem; line-height: 1.5; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; margin-bottom: 1rem; }
th, td { text-align: left; vertical-align: top; padding: .2rem 1rem .2rem 0; }
th { font-weight: normal; color: #444; }
code { font-size: .85rem; word-break: break-all; }
.let-op { border-left: 4px solid #b35900; padding-left: 1rem; }
</style>
</head>
<body>
<h1>Gegevens van {{.Issuer}}</h1>
{{if .Delegate}}<p>Deze gegevens zijn aangeleverd door {{.Delegate}} namens {{.Issuer}}, met Kluis, op {{.Created}}.
Wij hebben ze ontvangen op {{.Imported}}.</p>
<p class="let-op">{{.Issuer}} heeft {{.Delegate}} in Kluis toestemming gegeven om te helpen. Dat is een technische
toestemming, geen wettelijke machtiging (zoals DigiD Machtigen of bewindvoering): beoordeel zelf of {{.Delegate}}
namens {{.Issuer}} mag optreden.</p>{{else}}<p>Deze gegevens heeft {{.Issuer}} zelf gedeeld met Kluis, op {{.Created}}.
Wij hebben ze ontvangen op {{.Imported}}.</p>{{end}}
<table>
<tr><th scope="row">Doel</th><td>{{.Purpose}}</td></tr>
{{if .Case}}<tr><th scope="row">Zaaknummer</th><td>{{.Case}}</td></tr>{{end}}
{{if .Request}}<tr><th scope="row">Antwoord op verzoek</th><td><code>{{.Request}}</code></td></tr>{{end}}
<tr><th scope="row">Gedeeld met</th><td>{{.Recipient}}</td></tr>
<tr><th scope="row">Bewaren tot</th><td>{{.KeptUntil}}</td></tr>
<tr><th scope="row">Bundel</th><td><code>{{.Bundle}}</code></td></tr>
</table>
<p class="let-op">Let op: u mag deze gegevens alleen gebruiken voor het doel hierboven.
Na {{.KeptUntil}} moet u ze verwijderen. Trekt de inwoner de toestemming eerder in, dan verwijdert u ze meteen.</p>
{{if .Excluded}}<p>De inwoner heeft deze gegevens niet gedeeld:</p>
<ul>{{range .Excluded}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{range .Categories}}<h2>{{.Label}}</h2>
{{range .Records}}<h3>{{if .Title}}{{.Title}}{{else}}(zonder naam){{end}}</h3>
<table>{{range .Fields}}<tr><th scope="row">{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{end}}</table>
{{end}}{{end}}
<h2>Documenten</h2>
{{if .Documents}}<table>
<tr><th scope="col">Bestand</th><th scope="col">Grootte</th><th scope="col">Hoort bij</th></tr>
{{range .Documents}}<tr><td>{{.Name}}<br><code>SHA-256 {{.SHA256}}</code></td><td>{{.Size}}</td><td>{{.Record}}</td></tr>
{{end}}</table>{{else}}<p>Er zijn geen documenten gedeeld.</p>{{end}}
<h2>Controle</h2>
<p>Kluis heeft de handtekening van {{if .Delegate}}{{.Delegate}}, de toestemming van {{.Issuer}}{{else}}de inwoner{{end}} en elk bestand gecontroleerd voordat de gegevens werden opgeslagen.
De controlegetallen (SHA-256) van de bestanden staan hierboven en in <code>manifest.json</code>.</p>
</body>
</html>
`))
