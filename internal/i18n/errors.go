package i18n

import (
	"errors"
	"io/fs"

	"kluis/citizen/youth"
	"kluis/sync/schema"
	"kluis/vault"
)

// sentinels maps each vault sentinel error to its message key. Error checks
// them in this order with errors.Is.
var sentinels = []struct {
	err error
	key string
}{
	{vault.ErrWrongPassphrase, "error.vault.wrong_passphrase"},
	{vault.ErrWrongRecoveryKey, "error.vault.wrong_recovery_key"},
	{vault.ErrWeakPassphrase, "error.vault.weak_passphrase"},
	{vault.ErrInUse, "error.vault.in_use"},
	{vault.ErrDamaged, "error.vault.damaged"},
	{vault.ErrDiskFull, "error.vault.disk_full"},
	{vault.ErrLocked, "error.vault.locked"},
	{vault.ErrNewerFormat, "error.vault.newer_format"},
	{vault.ErrKDFParameters, "error.vault.kdf_parameters"},
	{vault.ErrNotBackup, "error.vault.not_backup"},
	{vault.ErrTooLarge, "error.vault.too_large"},
	{vault.ErrDeleted, "error.vault.deleted"},
	{vault.ErrNotDeleted, "error.vault.not_deleted"},
	{vault.ErrCanceled, "error.vault.canceled"},
	{vault.ErrExists, "error.vault.exists"},
	{vault.ErrNotFound, "error.vault.not_found"},
	{vault.ErrBadObjectKey, "error.vault.bad_object_key"},
	{vault.ErrBadDocumentName, "error.vault.bad_document_name"},
	{vault.ErrBadRecord, "error.vault.bad_record"},
	{youth.ErrTooYoung, "error.youth.too_young"},
	{youth.ErrNeedsParent, "error.youth.needs_parent"},
	{vault.ErrDocumentConflict, "error.vault.document_conflict"},
}

// Error turns an error from the vault or the schema into a sentence for a
// person, saying what went wrong and, where there is one, what to do. It
// knows every vault sentinel error (compared with errors.Is, so wrapping is
// fine), *vault.DamagedError, *vault.LogError, *schema.FieldError (naming
// the category and field by their labels), *schema.ValueError and file
// errors (*fs.PathError, naming the file). Anything else becomes a general
// message that carries the error's own (English) text, so nothing is
// hidden. Error(nil) is "".
//
// The messages never contain a refused value: schema errors do not carry
// one, and none is added here.
func (c *Catalog) Error(err error) string {
	if err == nil {
		return ""
	}
	var fe *schema.FieldError
	if errors.As(err, &fe) {
		return c.fieldError(fe)
	}
	var le *vault.LogError
	if errors.As(err, &le) {
		return c.T("error.vault.log_broken", map[string]any{"Seq": le.Seq})
	}
	var de *vault.DamagedError
	if errors.As(err, &de) && de.What != "" {
		return c.T("error.vault.damaged_what", map[string]any{"What": de.What})
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return c.T(s.key, map[string]any{"Min": vault.MinPassphraseLen})
		}
	}
	var ve *schema.ValueError
	if errors.As(err, &ve) {
		return c.T(ve.Code.LabelKey(), nil)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		data := map[string]any{"Path": pe.Path}
		switch {
		case errors.Is(pe.Err, fs.ErrNotExist):
			return c.T("error.vault.file_missing", data)
		case errors.Is(pe.Err, fs.ErrPermission):
			return c.T("error.vault.file_permission", data)
		case errors.Is(pe.Err, fs.ErrExist):
			return c.T("error.vault.file_exists", data)
		}
		data["Detail"] = pe.Err.Error()
		return c.T("error.vault.file", data)
	}
	return c.T("error.vault.unknown", map[string]any{"Detail": err.Error()})
}

// fieldError names the category and, when there is one, the field by their
// labels, followed by the reason for the code.
func (c *Catalog) fieldError(fe *schema.FieldError) string {
	data := map[string]any{
		"Category": c.Category(fe.Category),
		"Message":  c.T(fe.Code.LabelKey(), nil),
	}
	if fe.Field == "" {
		return c.T("error.vault.category", data)
	}
	data["Field"] = c.Field(fe.Category, fe.Field)
	return c.T("error.vault.field", data)
}
