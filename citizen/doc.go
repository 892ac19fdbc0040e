// Package citizen is the parent of the citizen's use cases: what the
// desktop app and kluisctl do on the vault, so that a share made in either
// is the same share. It holds no code, only this overview.
//
//   - citizen/share: what a share would hold (a draft the citizen sees and
//     signs as seen), making and recording shares, revoking them, receipts.
//   - citizen/cases: data requests received, answered or refused, and the
//     thread of each case.
//   - citizen/donate: the donation draft of the wijkonderzoek.
//   - citizen/delegation: contacts, grants, managed vaults and sync.
//   - citizen/youth: the age rule for young people's own vaults.
//
// They stand on the vault and on the formats under sync/; they never
// import the municipality's wing (intake/) or a GUI, and the formats never
// import them (internal/deptest enforces both).
package citizen
