package locale

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// Voice is how Twilio's <Say> reads a language: the voice's name
// (voice="Polly.Mizuki") and the language attribute Twilio accepts for it
// (language="ja-JP").
type Voice struct {
	Name     string
	Language string
}

// DefaultVoices are the built-in voices of the shipped catalogues, and of
// some regions of their languages: Amazon Polly voices through Twilio, and
// a Google voice for Taiwanese Mandarin, which Polly does not speak. A
// member whose tag names a region listed here (en-GB) hears its voice,
// the words of their catalogue (en) all the same. twilio.voices overrides
// them.
func DefaultVoices() map[string]Voice {
	return map[string]Voice{
		"en":    {"Polly.Joanna", "en-US"},
		"en-GB": {"Polly.Amy", "en-GB"},
		"en-AU": {"Polly.Nicole", "en-AU"},
		"en-IN": {"Polly.Aditi", "en-IN"},
		"ja":    {"Polly.Mizuki", "ja-JP"},
		"zh-TW": {"Google.cmn-TW-Standard-A", "cmn-TW"},
		"zh-CN": {"Polly.Zhiyu", "cmn-CN"},
		"pt-BR": {"Polly.Camila", "pt-BR"},
		"pt-PT": {"Polly.Ines", "pt-PT"},
		"de":    {"Polly.Vicki", "de-DE"},
		"fr":    {"Polly.Lea", "fr-FR"},
		"fr-CA": {"Polly.Chantal", "fr-CA"},
		"es":    {"Polly.Lucia", "es-ES"},
		"es-MX": {"Polly.Mia", "es-MX"},
		"es-US": {"Polly.Lupe", "es-US"},
	}
}

// setVoices sets the voices: the built-in ones, a language an override
// file added (its own tag, with its likely region, as the language
// attribute), and the configured overrides. A voice for a language that
// matches no catalogue is an error.
func (c *Catalogue) setVoices(overrides map[string]string) error {
	for tag, v := range DefaultVoices() {
		c.voices[tag] = v
	}
	for _, tag := range c.tags {
		if _, ok := c.voices[tag.String()]; ok {
			continue
		}
		v := Voice{Language: tag.String()}
		if region, conf := tag.Region(); conf != language.No && !strings.Contains(v.Language, "-") {
			v.Language += "-" + region.String()
		}
		c.voices[tag.String()] = v
	}
	for tag, name := range overrides {
		t, err := language.Parse(tag)
		if err != nil {
			return fmt.Errorf("twilio.voices: %q is not a BCP 47 language tag", tag)
		}
		if _, ok := c.match(t); !ok {
			return fmt.Errorf("twilio.voices: no catalogue for %s (there are %s)", tag, strings.Join(c.Tags(), ", "))
		}
		v, ok := c.voices[tag]
		if !ok {
			v.Language = tag
		}
		v.Name = name
		c.voices[tag] = v
	}
	return nil
}

// voiceFor is the voice of a member whose tag is raw and whose catalogue
// is chosen: the voice of their language and region if there is one, else
// their catalogue's; a member whose language matched no catalogue hears
// Options.Voice, if set, in the fallback's language.
func (c *Catalogue) voiceFor(raw string, chosen language.Tag, matched bool) Voice {
	v := c.voices[chosen.String()]
	if !matched {
		if c.voice != "" {
			v.Name = c.voice
		}
		return v
	}
	if t, err := language.Parse(raw); err == nil {
		base, _ := t.Base()
		if region, conf := t.Region(); conf == language.Exact {
			if rv, ok := c.voices[base.String()+"-"+region.String()]; ok {
				return rv
			}
		}
	}
	return v
}
