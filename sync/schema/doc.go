// Package schema defines what a Kluis record may contain: the categories a
// person fills in (personal details, household, housing, income, fixed costs,
// debts, care, network, goals), the typed fields inside each category, and the
// rules that turn what a person types into one canonical stored form.
//
// Category, field and choice ids are stable English machine ids. They appear
// in share bundles, in the published JSON Schema and on the command line, so
// they never change once released; people see translated labels from
// assets/nl.json and assets/en.json instead (keys "category.<id>",
// "field.<category>.<field>", "choice.<category>.<field>.<choice>",
// "error.<code>" and "type.<type>").
//
// Two forms of a value exist:
//
//   - input: what a person types ("€ 1.234,56", "1-5-2024", "1234ab");
//   - canonical: what is stored and shared ("123456", "2024-05-01", "1234 AB").
//
// Field.Normalize and Category.Validate turn input into canonical form.
// Field.EditValue turns a canonical value back into input that normalizes to
// the same canonical value, for pre-filling a form. For every type except
// money the canonical form is also valid input for itself; money is the
// exception (canonical "1250" means 12,50 euro, but typed "1250" means 1250
// euro). Code that receives values that should already be canonical (sync
// packs, imported bundles) must therefore use Category.CheckCanonical or
// Field.FromJSONValue, never Validate.
//
// Some categories have a Span, a start and an end date (care: since and
// until). Validate refuses an end before its start, on the end field
// (CodeDateBeforeStart), so the app and kluisctl refuse it alike.
// CheckCanonical does not: it checks values one by one, and a merge may
// rightly bring together a start and an end set on different computers.
//
// Errors are *ValueError and *FieldError values carrying a stable Code. They
// never contain the value that was refused, so they are safe to log.
//
// This package is pure data and functions over strings. It must never do I/O
// (no files, network, database or clock), never import a GUI toolkit, and
// never depend on anything outside the Go standard library, so that every
// other part of Kluis, including the municipality's importer, can use it.
package schema
