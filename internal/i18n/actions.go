package i18n

import "kluis/vault"

// actionKeys holds the message key of every activity-log action. A test
// parses vault's source for Action constants and fails when one is missing
// here.
var actionKeys = map[vault.Action]string{
	vault.ActionVaultCreated:            "cli.action.vault_created",
	vault.ActionUnlockFailed:            "cli.action.unlock_failed",
	vault.ActionRecoveryKeyUsed:         "cli.action.recovery_key_used",
	vault.ActionPassphraseChanged:       "cli.action.passphrase_changed",
	vault.ActionRecordCreated:           "cli.action.record_created",
	vault.ActionRecordUpdated:           "cli.action.record_updated",
	vault.ActionRecordReverted:          "cli.action.record_reverted",
	vault.ActionRecordDeleted:           "cli.action.record_deleted",
	vault.ActionRecordRestored:          "cli.action.record_restored",
	vault.ActionDocumentAdded:           "cli.action.document_added",
	vault.ActionDocumentExported:        "cli.action.document_exported",
	vault.ActionDocumentDeleted:         "cli.action.document_deleted",
	vault.ActionDocumentRestored:        "cli.action.document_restored",
	vault.ActionBackupMade:              "cli.action.backup_made",
	vault.ActionBackupRestored:          "cli.action.backup_restored",
	vault.ActionVaultExported:           "cli.action.vault_exported",
	vault.ActionVaultCompacted:          "cli.action.vault_compacted",
	vault.ActionRecordMerged:            "cli.action.record_merged",
	vault.ActionDocumentMerged:          "cli.action.document_merged",
	vault.ActionShareCreated:            "cli.action.share_created",
	vault.ActionShareRevoked:            "cli.action.share_revoked",
	vault.ActionReceiptImported:         "cli.action.receipt_imported",
	vault.Action("index.donated"):       "cli.action.index_donated",
	vault.Action("request.received"):    "cli.action.request_received",
	vault.Action("request.answered"):    "cli.action.request_answered",
	vault.Action("request.refused"):     "cli.action.request_refused",
	vault.Action("contact.pinned"):      "cli.delegate.action.contact_pinned",
	vault.Action("delegate.granted"):    "cli.delegate.action.granted",
	vault.Action("delegate.revoked"):    "cli.delegate.action.revoked",
	vault.Action("emergency.answered"):  "cli.delegate.action.emergency",
	vault.Action("emergency.requested"): "cli.emergency.action.requested",
	vault.Action("sync.sent"):           "cli.sync.action.sent",
	vault.Action("sync.received"):       "cli.sync.action.received",
	vault.Action("sync.refused"):        "cli.sync.action.refused",
	vault.Action("sync.reported"):       "cli.sync.action.reported",
	vault.Action("managed.added"):       "cli.managed.action.added",
	vault.Action("managed.revoked"):     "cli.managed.action.revoked",
}

// Action returns what an activity-log action means, in a few words, such as
// "Item changed". An action this version does not know is returned as its
// id.
func (c *Catalog) Action(a vault.Action) string {
	if key, ok := actionKeys[a]; ok {
		return c.T(key, nil)
	}
	return string(a)
}
