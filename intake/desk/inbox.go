package desk

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"

	"kluis/intake"
	"kluis/internal/errcode"
	"kluis/sync/bundle"
)

// Errors of the desk's own forms.
var (
	errNoFile      = errcode.New("desk.no_file", "choose a file to upload")
	errNothingSent = errcode.New("desk.nothing_sent", "choose one or more bundle files, or paste a kluis: link")
)

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request, ss *session) {
	s.render(w, http.StatusOK, "inbox", s.newPage(r, ss, "inbox", "desk.inbox.title", inboxData{}))
}

type inboxData struct {
	Results []uploadResult
}

// An uploadResult says what became of one uploaded bundle.
type uploadResult struct {
	Name    string // the file name, or "link"
	ID      string // the case, when imported or already there
	Issuer  string
	Again   bool
	Problem string
}

// maxLinkField caps the pasted text: a kluis: link holds at most a QR
// code's worth, but a longer one typed by hand is refused by its parser.
const maxLinkField = 128 << 10

// upload imports the bundles of a multipart form: files (field "bundle",
// several at once), a share code for bundles protected with one (field
// "code", before the files), and a pasted kluis: link (field "link").
// Each file streams from the request into Import, which checks it whole
// before storing anything; the results are shown together.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, ss *session) {
	mr := multipartOf(r)
	if mr == nil {
		s.fail(w, r, ss, errNothingSent)
		return
	}
	cat := s.cat(r)
	var opts intake.ImportOptions
	opts.Limits.MaxInput = s.opt.MaxUpload
	var results []uploadResult
	add := func(name string, imp *intake.Import, again bool, err error) {
		res := uploadResult{Name: name}
		if err != nil {
			res.Problem = cat.Error(err)
		} else {
			res.ID, res.Again = imp.ID, again
			if row, ok := s.cases.get(imp.ID); ok {
				res.Issuer = row.Issuer
			}
		}
		results = append(results, res)
	}
parts:
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// The body ended early or went over the limit: whatever was
			// being imported was refused and removed by Import.
			add("", nil, false, uploadError(err))
			break
		}
		switch part.FormName() {
		case "code":
			b, _ := io.ReadAll(io.LimitReader(part, 256))
			if c := strings.TrimSpace(string(b)); c != "" {
				code, err := bundle.ParseShareCode(c)
				if err != nil {
					add(cat.T("desk.inbox.code", nil), nil, false, err)
					continue
				}
				opts.Code = code
			}
		case "link":
			b, _ := io.ReadAll(io.LimitReader(part, maxLinkField+1))
			text := strings.TrimSpace(string(b))
			if text == "" {
				continue
			}
			data, err := bundle.ParseBundleURI(text)
			if err != nil {
				add(cat.T("desk.inbox.link", nil), nil, false, err)
				continue
			}
			imp, again, err := s.importOne(r, strings.NewReader(string(data)), opts, ss)
			add(cat.T("desk.inbox.link", nil), imp, again, err)
		case "bundle":
			if part.FileName() == "" {
				continue
			}
			imp, again, err := s.importOne(r, bufio.NewReaderSize(part, 256<<10), opts, ss)
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				// The rest of the body is not read: said once, for
				// the file it cut off.
				add(part.FileName(), nil, false, uploadError(err))
				break parts
			}
			add(part.FileName(), imp, again, err)
		}
	}
	if len(results) == 0 {
		s.fail(w, r, ss, errNothingSent)
		return
	}
	status := http.StatusOK
	for _, res := range results {
		if res.Problem != "" {
			status = http.StatusUnprocessableEntity
		}
	}
	s.render(w, status, "inbox", s.newPage(r, ss, "inbox", "desk.inbox.title", inboxData{Results: results}))
}

// uploadError names a body cut off at the size limit as what it is.
func uploadError(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return &bundle.Error{Code: bundle.CodeTooLarge, Detail: "upload"}
	}
	return err
}

func (s *Server) importOne(r *http.Request, src io.Reader, opts intake.ImportOptions, ss *session) (*intake.Import, bool, error) {
	// Imports run side by side: the store checks at its commit that no
	// other import took the bundle's id meanwhile.
	opts.User = ss.user.Name
	imp, again, err := s.store.Import(r.Context(), src, opts)
	if err != nil {
		return nil, false, err
	}
	if !again {
		row, err := rowOf(imp)
		if err != nil {
			return nil, false, err
		}
		s.cases.put(row)
	}
	return imp, again, nil
}
