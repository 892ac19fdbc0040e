package i18n

// actionKeys holds the message key of every activity-log action
// (vault.Action, by its string value, so this package need not import the
// vault). A test parses vault's source for Action constants and fails when
// one is missing here.
var actionKeys = map[string]string{
	"vault.created":       "cli.action.vault_created",
	"unlock.failed":       "cli.action.unlock_failed",
	"recovery_key.used":   "cli.action.recovery_key_used",
	"passphrase.changed":  "cli.action.passphrase_changed",
	"record.created":      "cli.action.record_created",
	"record.updated":      "cli.action.record_updated",
	"record.reverted":     "cli.action.record_reverted",
	"record.deleted":      "cli.action.record_deleted",
	"record.restored":     "cli.action.record_restored",
	"record.purged":       "cli.action.record_purged",
	"document.added":      "cli.action.document_added",
	"document.exported":   "cli.action.document_exported",
	"document.deleted":    "cli.action.document_deleted",
	"document.restored":   "cli.action.document_restored",
	"document.purged":     "cli.action.document_purged",
	"backup.made":         "cli.action.backup_made",
	"backup.restored":     "cli.action.backup_restored",
	"vault.exported":      "cli.action.vault_exported",
	"vault.compacted":     "cli.action.vault_compacted",
	"record.merged":       "cli.action.record_merged",
	"document.merged":     "cli.action.document_merged",
	"share.created":       "cli.action.share_created",
	"share.revoked":       "cli.action.share_revoked",
	"receipt.imported":    "cli.action.receipt_imported",
	"index.donated":       "cli.action.index_donated",
	"request.received":    "cli.action.request_received",
	"request.answered":    "cli.action.request_answered",
	"request.refused":     "cli.action.request_refused",
	"contact.pinned":      "cli.delegate.action.contact_pinned",
	"delegate.granted":    "cli.delegate.action.granted",
	"delegate.revoked":    "cli.delegate.action.revoked",
	"emergency.answered":  "cli.delegate.action.emergency",
	"emergency.requested": "cli.emergency.action.requested",
	"sync.sent":           "cli.sync.action.sent",
	"sync.received":       "cli.sync.action.received",
	"sync.refused":        "cli.sync.action.refused",
	"sync.reported":       "cli.sync.action.reported",
	"managed.added":       "cli.managed.action.added",
	"managed.revoked":     "cli.managed.action.revoked",
	"share.delivered":     "cli.post.action.delivered",
	"revocation.sent":     "cli.post.action.revocation_sent",
	"message.sent":        "cli.post.action.message_sent",
	"message.received":    "cli.post.action.message_received",
	"access.received":     "cli.post.action.access_received",
	"access.broken":       "cli.post.action.access_broken",
	"post.refused":        "cli.post.action.refused",
}

// Action returns what an activity-log action means, in a few words, such as
// "Item changed". An action this version does not know is returned as its
// id.
func (c *Catalog) Action(a string) string {
	if key, ok := actionKeys[a]; ok {
		return c.T(key, nil)
	}
	return a
}
