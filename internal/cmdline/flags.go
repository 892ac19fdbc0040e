package cmdline

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// A FlagSet is a flag.FlagSet whose flags' usage strings are message keys,
// which help translates. It also keeps, for the flags defined with its own
// methods, the name of each flag's value and its other names, and lets
// flags come after positional arguments (Reorder).
type FlagSet struct {
	*flag.FlagSet
	order   []string            // flags defined with Str, Bool and Value, in order
	args    map[string]string   // flag → the name of its value, such as FILE
	aliases map[string][]string // flag → its other names
}

// NewFlagSet returns an empty flag set that reports nothing itself: the
// tool says flag errors in the person's language.
func NewFlagSet(name string) *FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &FlagSet{FlagSet: fs, args: map[string]string{}, aliases: map[string][]string{}}
}

// Str defines a string flag whose value is called arg in help and whose
// description is the message key help. Its default is *p.
func (f *FlagSet) Str(p *string, name, arg, help string) {
	f.StringVar(p, name, *p, help)
	f.order = append(f.order, name)
	f.args[name] = arg
}

// Bool defines a switch whose description is the message key help.
func (f *FlagSet) Bool(p *bool, name, help string) {
	f.BoolVar(p, name, *p, help)
	f.order = append(f.order, name)
}

// Value defines a flag of any flag.Value, such as a repeatable one.
func (f *FlagSet) Value(v flag.Value, name, arg, help string) {
	f.Var(v, name, help)
	f.order = append(f.order, name)
	f.args[name] = arg
}

// Alias makes name another name of the flag called existing.
func (f *FlagSet) Alias(name, existing string) {
	orig := f.Lookup(existing)
	f.Var(orig.Value, name, orig.Usage)
	f.aliases[existing] = append(f.aliases[existing], name)
}

// A FlagError is a flag Reorder could not place: unknown, or missing its
// value.
type FlagError struct {
	Flag       string // as typed, such as "--sope"
	NeedsValue bool   // the flag exists but its value is missing
}

func (e *FlagError) Error() string {
	if e.NeedsValue {
		return fmt.Sprintf("flag %s needs a value", e.Flag)
	}
	return fmt.Sprintf("unknown flag %s", e.Flag)
}

// Reorder splits args into flags (with their values) and positional
// arguments, so that "add income amount=12 --json" works like
// "add --json income amount=12". Everything after "--" is positional;
// -h and --help are kept for Parse. An unknown flag, or one missing its
// value, is a *FlagError.
func (f *FlagSet) Reorder(args []string) (flags, positional []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(positional, args[i+1:]...), nil
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		flags = append(flags, a)
		if name == "h" || name == "help" {
			continue
		}
		fl := f.Lookup(name)
		if fl == nil {
			return nil, nil, &FlagError{Flag: a}
		}
		if hasValue || IsSwitch(fl) {
			continue
		}
		if i+1 == len(args) {
			return nil, nil, &FlagError{Flag: a, NeedsValue: true}
		}
		flags = append(flags, args[i+1])
		i++
	}
	return flags, positional, nil
}

// ParseAnywhere parses args, whose flags may come before, between and
// after the positional arguments, and returns the positional ones. It
// returns flag.ErrHelp for -h or --help, a *FlagError for a flag Reorder
// cannot place, and package flag's error for a value that does not parse.
func (f *FlagSet) ParseAnywhere(args []string) ([]string, error) {
	flags, pos, err := f.Reorder(args)
	if err != nil {
		return nil, err
	}
	if err := f.Parse(flags); err != nil {
		return nil, err
	}
	return pos, nil
}

// IsSwitch reports whether fl is a boolean flag, which takes no value.
func IsSwitch(fl *flag.Flag) bool {
	b, ok := fl.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// A FlagDoc is one line of a flag list in help.
type FlagDoc struct {
	Flag  *flag.Flag
	Names []string // the flag's name and its aliases: "o", "output"
	Arg   string   // the name of its value, such as FILE; "" for a switch
	Help  string   // the description, translated
}

// Spec is the flag as help shows it: "-o, --output FILE", "--json".
func (d FlagDoc) Spec() string {
	names := make([]string, len(d.Names))
	for i, n := range d.Names {
		names[i] = FlagName(n)
	}
	spec := strings.Join(names, ", ")
	if d.Arg != "" {
		spec += " " + d.Arg
	}
	return spec
}

// FlagName is how a flag is typed: -o, --store.
func FlagName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// Docs walks the flags and translates their descriptions with t. Flags
// defined with Str, Bool and Value come in the order they were defined,
// with their aliases; when there are none, every flag comes in
// alphabetical order. A flag without a value name given takes the one its
// translated description writes between back quotes, as package flag has
// it: "write the receipt to `FILE`".
func (f *FlagSet) Docs(t func(key string, data map[string]any) string) []FlagDoc {
	var flags []*flag.Flag
	if len(f.order) > 0 {
		for _, name := range f.order {
			flags = append(flags, f.Lookup(name))
		}
	} else {
		flags = visitAll(f.FlagSet)
	}
	return f.docs(flags, t)
}

// Docs is FlagSet.Docs for a plain flag.FlagSet: every flag in
// alphabetical order, the value's name taken from the description.
func Docs(fs *flag.FlagSet, t func(key string, data map[string]any) string) []FlagDoc {
	return NewFlagSet("").docs(visitAll(fs), t)
}

func visitAll(fs *flag.FlagSet) []*flag.Flag {
	var flags []*flag.Flag
	fs.VisitAll(func(fl *flag.Flag) { flags = append(flags, fl) })
	return flags
}

func (f *FlagSet) docs(flags []*flag.Flag, t func(key string, data map[string]any) string) []FlagDoc {
	docs := make([]FlagDoc, 0, len(flags))
	for _, fl := range flags {
		d := FlagDoc{Flag: fl, Names: append([]string{fl.Name}, f.aliases[fl.Name]...)}
		translated := *fl
		translated.Usage = t(fl.Usage, nil)
		if arg, ok := f.args[fl.Name]; ok {
			d.Arg, d.Help = arg, translated.Usage
		} else {
			d.Arg, d.Help = flag.UnquoteUsage(&translated)
		}
		if IsSwitch(fl) {
			d.Arg = ""
		}
		docs = append(docs, d)
	}
	return docs
}

// Strings is a repeatable string flag: each time it is given adds a value.
type Strings []string

func (s *Strings) String() string     { return strings.Join(*s, ",") }
func (s *Strings) Set(v string) error { *s = append(*s, v); return nil }
