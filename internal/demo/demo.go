// Package demo fills a vault with a realistic example household, so a
// newcomer can try Kluis with data that looks real without typing any.
// Everything in it is made up: names, numbers and documents. The two
// example documents (a payslip as PDF and a creditor's letter as PNG) are
// generated here in code, so the repository holds no binary files.
//
// This package never imports Fyne: the CLI and tests can use it too.
package demo

import (
	"bytes"
	"context"
	"fmt"

	"kluis/vault"
)

// Passphrase opens the example vault; the app shows it on the unlock
// screen. The example vault holds no real data, so this is not a secret.
const Passphrase = "voorbeeld kluis 2026"

// Person is the owner's name in the example vault's activity log.
const Person = "Fatima (voorbeeld)"

// Document names of the two example documents.
const (
	PayslipName = "loonstrook-oktober-2026.pdf"
	LetterName  = "brief-cjib-aanmaning.png"
)

// household is the example data: Fatima El Amrani in Zwolle, her partner
// and two children, their income, costs, debts, help and goals. Values are
// written as a person would type them; the vault normalises and validates
// them like any other input.
var household = []vault.NewRecord{
	{Category: "personal", Fields: map[string]string{
		"given_names": "Fatima", "surname": "El Amrani", "birth_date": "12-3-1984",
		"bsn": "111222333", "phone": "06 12345678", "email": "fatima.elamrani@voorbeeld.nl",
		"iban": "NL91 ABNA 0417 1643 00", "nationality": "Nederlandse",
	}},
	{Category: "household", Fields: map[string]string{
		"given_names": "Youssef", "surname": "El Amrani", "birth_date": "1981",
		"relation": "partner", "lives_here": "yes",
		"note": "Werkt in ploegendienst bij een distributiecentrum.",
	}},
	{Category: "household", Fields: map[string]string{
		"given_names": "Noor", "surname": "El Amrani", "birth_date": "5-2012",
		"relation": "child", "lives_here": "yes",
	}},
	{Category: "household", Fields: map[string]string{
		"given_names": "Adam", "surname": "El Amrani", "birth_date": "2016",
		"relation": "child", "lives_here": "yes",
	}},
	{Category: "housing", Fields: map[string]string{
		"kind": "rent_social", "street": "Hortensiastraat", "house_number": "14", "house_letter": "b",
		"postcode": "8011 AB", "town": "Zwolle", "landlord": "Woonstichting De Vecht (voorbeeld)",
		"rent": "712,45", "since": "1-9-2015",
	}},
	{Category: "income", Fields: map[string]string{
		"source": "Thuiszorg IJsselland (voorbeeld)", "kind": "salary", "gross_net": "net",
		"amount": "1486,20", "period": "month", "since": "2-2019",
		"note": "Deeltijd, 24 uur per week.",
	}},
	{Category: "income", Fields: map[string]string{
		"source": "Dienst Toeslagen: zorgtoeslag", "kind": "allowance", "gross_net": "net",
		"amount": "203,00", "period": "month", "since": "2026",
	}},
	{Category: "income", Fields: map[string]string{
		"source": "Dienst Toeslagen: huurtoeslag", "kind": "allowance", "gross_net": "net",
		"amount": "286,00", "period": "month", "since": "2026",
	}},
	{Category: "income", Fields: map[string]string{
		"source": "SVB: kinderbijslag", "kind": "benefit", "gross_net": "net",
		"amount": "534,08", "period": "quarter",
	}},
	{Category: "costs", Fields: map[string]string{
		"kind": "energy", "payee": "Stroom & Gas Noord (voorbeeld)", "amount": "165,00", "period": "month",
	}},
	{Category: "costs", Fields: map[string]string{
		"kind": "health_insurance", "payee": "Zorgverzekeraar Overijssel (voorbeeld)", "amount": "298,40", "period": "month",
		"note": "Voor Fatima en Youssef samen.",
	}},
	{Category: "costs", Fields: map[string]string{
		"kind": "water", "payee": "Waterbedrijf Oost (voorbeeld)", "amount": "24,50", "period": "month",
	}},
	{Category: "costs", Fields: map[string]string{
		"kind": "phone_internet", "payee": "Telecom Plus (voorbeeld)", "amount": "62,00", "period": "month",
	}},
	{Category: "debts", Fields: map[string]string{
		"creditor": "Belastingdienst", "amount": "1240,00", "status": "arrangement",
		"arrangement": "Betalingsregeling: 50 euro per maand, sinds maart 2026.",
		"reference":   "8123.45.678.H.66", "since": "11-2025",
	}},
	{Category: "debts", Fields: map[string]string{
		"creditor": "CJIB", "amount": "389,00", "status": "open",
		"reference": "3000 0012 3456 7890", "since": "9-2026",
		"note": "Verkeersboete. Aanmaning ontvangen in oktober.",
	}},
	{Category: "debts", Fields: map[string]string{
		"creditor": "Stroom & Gas Noord (voorbeeld)", "amount": "612,35", "status": "collection",
		"reference": "Klantnummer 40012345, dossier D-2026-0815", "since": "6-2026",
		"note": "Eindafrekening. Het incassobureau heeft een brief gestuurd.",
	}},
	{Category: "care", Fields: map[string]string{
		"kind": "debt_counselling", "provider": "Gemeente Zwolle, schuldhulpverlening",
		"description": "Intakegesprek gehad. Een budgetcoach helpt met een overzicht van alle schulden.",
		"since":       "3-2-2026",
	}},
	{Category: "network", Fields: map[string]string{
		"name": "Samira El Amrani", "relation": "Zus", "phone": "06 98765432",
		"can_help_with": "Post lezen en meegaan naar afspraken.",
	}},
	{Category: "network", Fields: map[string]string{
		"name": "Ineke de Vries", "relation": "Buurvrouw",
		"can_help_with": "Oppassen op de kinderen.",
	}},
	{Category: "goals", Fields: map[string]string{
		"title": "Schulden onder controle", "status": "in_progress", "target_date": "2027",
		"description": "Alle schulden in beeld en voor elke schuld een regeling.",
	}},
	{Category: "goals", Fields: map[string]string{
		"title": "Meer uren werken", "status": "planned", "target_date": "9-2026",
		"description": "Van 24 naar 32 uur per week als de kinderen naar de naschoolse opvang gaan.",
	}},
}

// Fill adds the example household to v, an unlocked vault: the records in
// one transaction, then the two example documents linked to the salary and
// to the CJIB debt.
func Fill(ctx context.Context, v *vault.Vault) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	recs, err := v.AddMany(household)
	if err != nil {
		return fmt.Errorf("failed to add the example records: %w", err)
	}
	find := func(category, field, value string) string {
		for _, r := range recs {
			if r.Category == category && r.Fields[field] == value {
				return r.ID
			}
		}
		return ""
	}
	letter, err := Letter()
	if err != nil {
		return fmt.Errorf("failed to draw the example letter: %w", err)
	}
	docs := []struct {
		name   string
		data   []byte
		record string
	}{
		{PayslipName, Payslip(), find("income", "kind", "salary")},
		{LetterName, letter, find("debts", "creditor", "CJIB")},
	}
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := v.AddDocument(ctx, d.name, bytes.NewReader(d.data), vault.DocumentOptions{Record: d.record}); err != nil {
			return fmt.Errorf("failed to add %s: %w", d.name, err)
		}
	}
	return nil
}
