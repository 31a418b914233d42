// Package locale owns the words and dates of every language pfsnotify
// speaks to its members: the message catalogues (go-i18n, CLDR plural
// rules), embedded one file per language under catalogues/, with an
// administrator's override files on top; the matching of a member's BCP 47
// tag to the best catalogue (golang.org/x/text/language); dates and times
// in the member's zone and language, with the zone named; relative phrases
// ("in 10 minutes", "10分後"); and the Twilio voice that reads a language.
//
// A Catalogue is loaded once at start: an override that names an unknown
// message, a placeholder its message does not have, or a template that does
// not parse is an error then, naming the file and the message ID, never at
// send time.
package locale

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

//go:embed catalogues/*.yaml catalogues/panel/*.yaml
var shipped embed.FS

// Reference is the language of the reference catalogue, the last fallback:
// every message exists in it.
var Reference = language.English

// Shipped lists the tags of the embedded catalogues, the reference first.
func Shipped() []string {
	return []string{"en", "ja", "zh-TW", "zh-CN", "pt-BR", "de", "fr", "es"}
}

// ShippedPanel lists the languages whose catalogue has the panel's words
// (catalogues/panel/): in the others, each falls back to English.
func ShippedPanel() []string { return []string{"en", "ja"} }

// Options configure a Catalogue; config.Config gives them.
type Options struct {
	// Dir holds override files, one per language, named by the tag
	// ("ja.yaml", "pt-BR.yaml", or .json); "" for none. A message of a
	// file replaces the shipped one of its language; the others stay. A
	// file for a language that is not shipped adds it.
	Dir string
	// Default is the deployment's language (defaults.language): a member
	// whose tag matches no catalogue gets it, and English after it.
	Default string
	// Voices maps a catalogue's tag to the Twilio voice that reads it,
	// over the built-in ones (see DefaultVoices).
	Voices map[string]string
	// Voice is the voice of a member whose language has no catalogue
	// (twilio.voice); "" is the fallback language's voice.
	Voice string
}

// Catalogue holds every language's messages. It is safe for concurrent use.
type Catalogue struct {
	bundle    *i18n.Bundle
	tags      []language.Tag // the catalogues, the reference first
	matcher   language.Matcher
	fallback  language.Tag // Options.Default matched, or the reference
	reference map[string]*i18n.Message
	voices    map[string]Voice // by tag: a catalogue's, or a language and region
	voice     string
	langs     sync.Map // a member's tag as written -> *Language
	overrides []string // the files read, for the log
}

// Embedded is the catalogue of the shipped files alone, English the
// default. It cannot fail: the shipped files are checked by the tests.
func Embedded() *Catalogue {
	c, err := Load(Options{})
	if err != nil {
		panic(fmt.Sprintf("locale: the embedded catalogues: %v", err))
	}
	return c
}

// Load reads the shipped catalogues and the override files of opts.Dir.
func Load(opts Options) (*Catalogue, error) {
	c := &Catalogue{bundle: i18n.NewBundle(Reference), voices: map[string]Voice{}, voice: opts.Voice}
	c.bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	c.bundle.RegisterUnmarshalFunc("yml", yaml.Unmarshal)
	for _, tag := range Shipped() {
		path := "catalogues/" + tag + ".yaml"
		buf, err := shipped.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", tag, err)
		}
		f, err := c.bundle.ParseMessageFileBytes(buf, path)
		if err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", path, err)
		}
		if f.Tag.String() != tag {
			return nil, fmt.Errorf("catalogue %s: its name gives the tag %s", path, f.Tag)
		}
		if tag == Reference.String() {
			c.reference = make(map[string]*i18n.Message, len(f.Messages))
			for _, m := range f.Messages {
				c.reference[m.ID] = m
			}
		}
		c.tags = append(c.tags, f.Tag)
	}
	for _, tag := range ShippedPanel() {
		path := "catalogues/panel/" + tag + ".yaml"
		buf, err := shipped.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", path, err)
		}
		f, err := c.bundle.ParseMessageFileBytes(buf, path)
		if err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", path, err)
		}
		if tag == Reference.String() {
			for _, m := range f.Messages {
				c.reference[m.ID] = m
			}
		}
	}
	if opts.Dir != "" {
		if err := c.loadOverrides(opts.Dir); err != nil {
			return nil, err
		}
	}
	c.matcher = language.NewMatcher(c.tags)
	c.fallback = Reference
	if opts.Default != "" {
		tag, err := language.Parse(opts.Default)
		if err != nil {
			return nil, fmt.Errorf("defaults.language: %q is not a BCP 47 language tag: %w", opts.Default, err)
		}
		if t, ok := c.match(tag); ok {
			c.fallback = t
		}
	}
	if err := c.setVoices(opts.Voices); err != nil {
		return nil, err
	}
	return c, nil
}

// loadOverrides adds the override files of dir, each checked against the
// reference catalogue.
func (c *Catalogue) loadOverrides(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("languages.dir: %w", err)
	}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if err := c.loadOverride(path); err != nil {
			return fmt.Errorf("languages.dir: %w", err)
		}
		c.overrides = append(c.overrides, path)
	}
	return nil
}

func (c *Catalogue) loadOverride(path string) error {
	buf, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	tag, err := language.Parse(name)
	if err != nil || tag.String() != name {
		return fmt.Errorf("%s: the file's name is not a BCP 47 language tag like ja or pt-BR", path)
	}
	f, err := i18n.ParseMessageFileBytes(buf, path, map[string]i18n.UnmarshalFunc{"yaml": yaml.Unmarshal, "yml": yaml.Unmarshal})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, m := range f.Messages {
		ref, ok := c.reference[m.ID]
		if !ok {
			return fmt.Errorf("%s: message %s: no such message (the IDs are those of the shipped en.yaml)", path, m.ID)
		}
		if err := Conforms(m, ref); err != nil {
			return fmt.Errorf("%s: message %s: %w", path, m.ID, err)
		}
	}
	if err := c.bundle.AddMessages(tag, f.Messages...); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !slices.Contains(c.tags, tag) {
		c.tags = append(c.tags, tag)
	}
	return nil
}

// Overrides lists the override files read, in order.
func (c *Catalogue) Overrides() []string { return slices.Clone(c.overrides) }

// Tags lists the catalogues' languages, the reference first.
func (c *Catalogue) Tags() []string {
	out := make([]string, len(c.tags))
	for i, t := range c.tags {
		out[i] = t.String()
	}
	return out
}

// MessageIDs lists the reference catalogue's message IDs, sorted.
func (c *Catalogue) MessageIDs() []string {
	ids := make([]string, 0, len(c.reference))
	for id := range c.reference {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// match is the catalogue for tag, if one fits at all.
func (c *Catalogue) match(tag language.Tag) (language.Tag, bool) {
	_, i, conf := c.matcher.Match(tag)
	if conf == language.No {
		return language.Und, false
	}
	return c.tags[i], true
}

// Language is the catalogue that speaks to a member whose BCP 47 tag is
// tag: the best match, else the deployment's default, else English. An
// empty or unparsable tag gets the default. The result is cached.
func (c *Catalogue) Language(tag string) *Language {
	if l, ok := c.langs.Load(tag); ok {
		return l.(*Language)
	}
	l := c.newLanguage(tag)
	c.langs.Store(tag, l)
	return l
}

func (c *Catalogue) newLanguage(raw string) *Language {
	chosen, matched := c.fallback, false
	if t, err := language.Parse(raw); err == nil && raw != "" {
		if m, ok := c.match(t); ok {
			chosen, matched = m, true
		}
	}
	l := &Language{Tag: chosen, Matched: matched, cat: c,
		loc: i18n.NewLocalizer(c.bundle, chosen.String(), Reference.String())}
	l.voice = c.voiceFor(raw, chosen, matched)
	l.formats = l.loadFormats()
	return l
}

// AcceptLanguage is the catalogue for a browser's Accept-Language header:
// the best match of its languages, else the deployment's default.
func (c *Catalogue) AcceptLanguage(header string) *Language {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err == nil && len(tags) > 0 {
		if _, i, conf := c.matcher.Match(tags...); conf != language.No {
			return c.Language(c.tags[i].String())
		}
	}
	return c.Language("")
}

// ShippedFS is the embedded catalogues, for tests and tools.
func ShippedFS() fs.FS { return shipped }

// OptionsFrom are the options config gives: languages.dir, defaults.language,
// twilio.voices and twilio.voice.
func OptionsFrom(cfg config.Config) (Options, error) {
	voices, err := cfg.Twilio.VoiceMap()
	if err != nil {
		return Options{}, fmt.Errorf("twilio.voices: %w", err)
	}
	return Options{Dir: cfg.Languages.Dir, Default: cfg.Defaults.Language, Voices: voices, Voice: cfg.Twilio.Voice}, nil
}

// LoadConfig is Load with OptionsFrom(cfg).
func LoadConfig(cfg config.Config) (*Catalogue, error) {
	opts, err := OptionsFrom(cfg)
	if err != nil {
		return nil, err
	}
	return Load(opts)
}
