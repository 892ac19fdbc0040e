package index

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// testForm is testFields as a person types it.
func testForm() Form {
	return Form{
		Title:   " Jongerenindex Zwolle ",
		Purpose: "Zien wat jongeren in de wijk helpt of zorgen geeft, zonder gegevens van personen.",
		Period:  "2026-Q4",
		Wijken:  []string{"Assendorp=8011-8012", "", " Holtenbroek = 8031, 8033-8034 ", "Stadshagen=8041-8046"},
		Questions: []string{
			"leeftijd:Hoe oud bent u?:12-15/16-17/18+",
			"schulden:Heeft u schulden die nog open staan?:ja/nee",
			"veilig:Hoe veilig voelt u zich in uw wijk? 1 is heel onveilig, 5 is heel veilig.:1/2/3/4/5",
		},
		Prefill: []string{"schulden=debts.open", " "},
	}
}

func TestFormReadsWhatPeopleType(t *testing.T) {
	got, err := testForm().Fields()
	if err != nil {
		t.Fatal(err)
	}
	want := testFields()
	want.ID = ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Fields:\n got %+v\nwant %+v", got, want)
	}
	// Without a purpose, the title is the purpose.
	f := testForm()
	f.Purpose = "  "
	if got, _ := f.Fields(); got.Purpose != "Jongerenindex Zwolle" {
		t.Errorf("purpose %q", got.Purpose)
	}
}

// TestFormMistakes: each mistake a person can make in the form is refused
// with its own FormCode, whether Fields finds it or New does.
func TestFormMistakes(t *testing.T) {
	org := newOrg(t, "Gemeente Zwolle")
	for name, c := range map[string]struct {
		edit  func(*Form)
		want  FormCode
		input string
	}{
		"no title":        {func(f *Form) { f.Title = " " }, FormTitle, ""},
		"long title":      {func(f *Form) { f.Title = strings.Repeat("a", 201) }, FormText, strings.Repeat("a", 79) + "…"},
		"hidden in text":  {func(f *Form) { f.Questions[0] = "leeftijd:Hoe oud\u200b bent u?:12-15/16-17/18+" }, FormText, "Hoe oud? bent u?"},
		"no period":       {func(f *Form) { f.Period = "" }, FormPeriod, ""},
		"bad quarter":     {func(f *Form) { f.Period = "2026-Q5" }, FormPeriod, "2026-Q5"},
		"long period":     {func(f *Form) { f.Period = "lang:2026-01-01:2029-01-01" }, FormPeriod, "lang:2026-01-01:2029-01-01"},
		"no wijk":         {func(f *Form) { f.Wijken = []string{"", " "} }, FormNoWijk, ""},
		"wijk without =":  {func(f *Form) { f.Wijken[0] = "Assendorp 8011" }, FormWijk, "Assendorp 8011"},
		"three digits":    {func(f *Form) { f.Wijken[0] = "Assendorp=801-8012" }, FormWijk, "Assendorp=801-8012"},
		"backwards range": {func(f *Form) { f.Wijken[0] = "Assendorp=8012-8011" }, FormWijk, "Assendorp=8012-8011"},
		"wijk twice":      {func(f *Form) { f.Wijken[1] = "assendorp=8031" }, FormWijkTwice, "assendorp"},
		"ranges overlap":  {func(f *Form) { f.Wijken[0] = "Assendorp=8011-8013,8012" }, FormPostcodeOrder, "Assendorp"},
		"postcode twice":  {func(f *Form) { f.Wijken[3] = "Stadshagen=8034-8046" }, FormPostcodeTwice, "8034"},
		"many wijken": {func(f *Form) {
			f.Wijken = nil
			for i := range MaxWijken + 1 {
				f.Wijken = append(f.Wijken, "W"+strings.Repeat("i", i+1)+"="+string(rune('1'+i/10))+string(rune('0'+i%10))+"00")
			}
		}, FormTooManyWijken, ""},
		"no question":     {func(f *Form) { f.Questions = nil }, FormNoQuestion, ""},
		"one colon":       {func(f *Form) { f.Questions[1] = "schulden:ja/nee" }, FormQuestion, "schulden:ja/nee"},
		"other answers":   {func(f *Form) { f.Questions[1] = "schulden:Heeft u schulden?:misschien/nee" }, FormAnswers, "schulden:Heeft u schulden?:misschien/nee"},
		"bad question id": {func(f *Form) { f.Questions[2] = "Veilig!:Hoe veilig?:1/2/3/4/5" }, FormQuestionID, "Veilig!"},
		"question twice":  {func(f *Form) { f.Questions[2] = "schulden:Nog een keer?:ja/nee" }, FormQuestionTwice, "schulden"},
		"many questions": {func(f *Form) {
			for i := range MaxQuestions {
				f.Questions = append(f.Questions, "v"+string(rune('a'+i))+":Vraag?:ja/nee")
			}
		}, FormTooManyQuestions, ""},
		"prefill for nobody": {func(f *Form) { f.Prefill = []string{"niemand=debts.open"} }, FormPrefill, "niemand=debts.open"},
		"prefill misfit":     {func(f *Form) { f.Prefill = []string{"veilig=debts.open"} }, FormPrefill, "veilig=debts.open"},
	} {
		f := testForm()
		c.edit(&f)
		fields, err := f.Fields()
		byNew := err == nil
		if byNew {
			_, err = New(org, fields, testNow)
		}
		var fe *FormError
		if !errors.As(FormErrorOf(err), &fe) {
			t.Errorf("%s: %v is no FormError", name, err)
			continue
		}
		if fe.Code != c.want || fe.Input != c.input {
			t.Errorf("%s: %s %q, want %s %q", name, fe.Code, fe.Input, c.want, c.input)
		}
		if c.want == FormTooManyWijken && fe.Max != MaxWijken || c.want == FormTooManyQuestions && fe.Max != MaxQuestions {
			t.Errorf("%s: Max %d", name, fe.Max)
		}
		// What New refuses is still a bad definition to everyone else.
		if byNew && CodeOf(err) != CodeBadDefinition {
			t.Errorf("%s: code %q", name, CodeOf(err))
		}
	}
}
