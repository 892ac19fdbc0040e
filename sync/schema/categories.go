package schema

// Choice lists shared by several fields.
var (
	relationChoices = []string{"partner", "child", "parent", "other_relative", "housemate", "other"}
	yesNo           = []string{"yes", "no"}
	periodChoices   = []string{"week", "four_weeks", "month", "quarter", "year"}
)

func text(id string) Field          { return Field{ID: id, Type: Text} }
func required(f Field) Field        { f.Required = true; return f }
func typed(id string, t Type) Field { return Field{ID: id, Type: t} }
func choice(id string, choices ...string) Field {
	return Field{ID: id, Type: Choice, Choices: choices}
}

// definitions is the one source of the schema. It is never handed out:
// Categories and Lookup return copies, so no caller can change it.
var definitions = []*Category{
	{
		ID: "personal",
		Fields: []Field{
			text("given_names"),
			text("surname_prefix"),
			required(text("surname")),
			typed("birth_date", Date),
			{ID: "bsn", Type: BSN, Sensitive: true},
			typed("phone", Phone),
			typed("email", Email),
			typed("iban", IBAN),
			text("nationality"),
			typed("note", LongText),
		},
		Title: []string{"given_names", "surname_prefix", "surname"},
	},
	{
		ID: "household",
		Fields: []Field{
			text("given_names"),
			text("surname_prefix"),
			text("surname"),
			typed("birth_date", Date),
			choice("relation", relationChoices...),
			{ID: "bsn", Type: BSN, Sensitive: true},
			choice("lives_here", yesNo...),
			typed("note", LongText),
		},
		Title: []string{"given_names", "surname_prefix", "surname"},
	},
	{
		ID: "housing",
		Fields: []Field{
			choice("kind", "rent_social", "rent_private", "owner", "living_in", "sheltered", "homeless", "other"),
			text("street"),
			typed("house_number", Number),
			text("house_letter"),
			text("house_addition"),
			typed("postcode", Postcode),
			text("town"),
			text("abroad_line1"),
			text("abroad_line2"),
			text("abroad_line3"),
			text("country"),
			text("landlord"),
			typed("rent", Money),
			typed("since", Date),
			typed("note", LongText),
		},
		Title: []string{"street", "house_number", "house_letter", "house_addition", "town"},
	},
	{
		ID: "income",
		Fields: []Field{
			required(text("source")),
			choice("kind", "salary", "benefit", "pension", "allowance", "student_finance", "self_employed", "alimony", "other"),
			choice("gross_net", "gross", "net"),
			required(typed("amount", Money)),
			choice("period", periodChoices...),
			typed("iban", IBAN),
			typed("since", Date),
			typed("note", LongText),
		},
		Title: []string{"source"},
	},
	{
		ID: "costs",
		Fields: []Field{
			choice("kind", "rent", "mortgage", "energy", "water", "health_insurance", "insurance", "phone_internet", "childcare", "municipal_taxes", "transport", "other"),
			text("payee"),
			required(typed("amount", Money)),
			choice("period", periodChoices...),
			typed("iban", IBAN),
			typed("note", LongText),
		},
		Title: []string{"payee"},
	},
	{
		ID: "debts",
		Fields: []Field{
			required(text("creditor")),
			typed("amount", Money),
			choice("status", "open", "arrangement", "collection", "paid"),
			typed("arrangement", LongText),
			text("reference"),
			typed("creditor_iban", IBAN),
			typed("since", Date),
			typed("note", LongText),
		},
		Title: []string{"creditor"},
	},
	{
		ID: "care",
		Fields: []Field{
			choice("kind", "wmo_support", "youth_care", "mental_health", "home_care", "debt_counselling", "medical", "other"),
			text("provider"),
			typed("description", LongText),
			typed("since", Date),
			typed("until", Date),
		},
		Title: []string{"provider"},
		Spans: []Span{{Start: "since", End: "until"}},
	},
	{
		ID: "network",
		Fields: []Field{
			required(text("name")),
			text("relation"),
			typed("phone", Phone),
			typed("email", Email),
			typed("can_help_with", LongText),
			typed("note", LongText),
		},
		Title: []string{"name"},
	},
	{
		ID: "goals",
		Fields: []Field{
			required(text("title")),
			typed("description", LongText),
			typed("target_date", Date),
			choice("status", "planned", "in_progress", "reached", "dropped"),
		},
		Title: []string{"title"},
	},
}

// Categories returns every category in the order a person would fill them
// in. The result is a fresh copy on every call.
func Categories() []*Category {
	out := make([]*Category, len(definitions))
	for i, c := range definitions {
		out[i] = c.clone()
	}
	return out
}

// Lookup returns a copy of the category with the given id.
func Lookup(id string) (*Category, bool) {
	for _, c := range definitions {
		if c.ID == id {
			return c.clone(), true
		}
	}
	return nil, false
}

// Field returns the field with the given id.
func (c *Category) Field(id string) (*Field, bool) {
	for i := range c.Fields {
		if c.Fields[i].ID == id {
			return &c.Fields[i], true
		}
	}
	return nil, false
}

func (c *Category) clone() *Category {
	out := &Category{ID: c.ID, Fields: make([]Field, len(c.Fields)), Title: append([]string(nil), c.Title...),
		Spans: append([]Span(nil), c.Spans...)}
	for i, f := range c.Fields {
		f.Choices = append([]string(nil), f.Choices...)
		out.Fields[i] = f
	}
	return out
}
