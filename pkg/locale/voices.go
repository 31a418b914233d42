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

// DefaultVoices are the built-in voices of the shipped catalogues: Amazon
// Polly voices through Twilio, and a Google voice for Taiwanese Mandarin,
// which Polly does not speak. twilio.voices overrides them per language.
func DefaultVoices() map[string]Voice {
	return map[string]Voice{
		"en":    {"Polly.Joanna", "en-US"},
		"ja":    {"Polly.Mizuki", "ja-JP"},
		"zh-TW": {"Google.cmn-TW-Standard-A", "cmn-TW"},
		"zh-CN": {"Polly.Zhiyu", "cmn-CN"},
		"pt-BR": {"Polly.Camila", "pt-BR"},
		"de":    {"Polly.Vicki", "de-DE"},
		"fr":    {"Polly.Lea", "fr-FR"},
		"es":    {"Polly.Lucia", "es-ES"},
	}
}

// ParseVoices reads twilio.voices: "ja=Polly.Takumi, de=Polly.Hans".
func ParseVoices(s string) (map[string]string, error) {
	out := map[string]string{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		tag, voice, ok := strings.Cut(item, "=")
		tag, voice = strings.TrimSpace(tag), strings.TrimSpace(voice)
		if !ok || tag == "" || voice == "" || strings.ContainsAny(voice, " \t") {
			return nil, fmt.Errorf("%q is not language=voice (e.g. ja=Polly.Takumi)", item)
		}
		t, err := language.Parse(tag)
		if err != nil || t.String() != tag {
			return nil, fmt.Errorf("%q: %q is not a BCP 47 language tag written like ja or pt-BR", item, tag)
		}
		out[tag] = voice
	}
	return out, nil
}

// setVoices sets every catalogue's voice: the built-in one, or the
// configured override. A voice for a language without a catalogue is an
// error.
func (c *Catalogue) setVoices(overrides map[string]string) error {
	builtIn := DefaultVoices()
	for _, tag := range c.tags {
		v, ok := builtIn[tag.String()]
		if !ok { // a language an override file added
			v.Language = tag.String()
			if region, conf := tag.Region(); conf != language.No && !strings.Contains(v.Language, "-") {
				v.Language += "-" + region.String()
			}
		}
		if name, ok := overrides[tag.String()]; ok {
			v.Name = name
		}
		c.voices[tag] = v
	}
	for tag := range overrides {
		if _, ok := c.voices[language.Make(tag)]; !ok {
			return fmt.Errorf("twilio.voices: no catalogue for %s (there are %s)", tag, strings.Join(c.Tags(), ", "))
		}
	}
	return nil
}

// voiceFor is the voice of catalogue tag; a member whose language matched
// none hears Options.Voice, if set, in the fallback's language.
func (c *Catalogue) voiceFor(tag language.Tag, matched bool) Voice {
	v := c.voices[tag]
	if !matched && c.voice != "" {
		v.Name = c.voice
	}
	return v
}
