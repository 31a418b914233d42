package schedule

import (
	"fmt"
	"slices"
	"strings"
)

// Channel is a way to reach a person. Its value is also its storage form.
type Channel string

// The channels a reminder can go out on.
const (
	ChannelPush    Channel = "push"
	ChannelCall    Channel = "call"
	ChannelSMS     Channel = "sms"
	ChannelEmail   Channel = "email"
	ChannelWebhook Channel = "webhook"
	ChannelLog     Channel = "log"
)

// allChannels is every channel, in the order Channels returns them.
var allChannels = [...]Channel{ChannelPush, ChannelCall, ChannelSMS, ChannelEmail, ChannelWebhook, ChannelLog}

// Channels returns every channel, in a stable order (push, call, sms, email, webhook, log).
func Channels() []Channel {
	return slices.Clone(allChannels[:])
}

// Valid reports whether c is one of Channels.
func (c Channel) Valid() bool {
	return slices.Contains(allChannels[:], c)
}

// ParseChannel reads one channel name, ignoring case and surrounding spaces.
func ParseChannel(s string) (Channel, error) {
	name := strings.TrimSpace(s)
	c := Channel(strings.ToLower(name))
	if !c.Valid() {
		return "", fmt.Errorf("unknown channel %q: valid channels are %s", name, validChannels())
	}
	return c, nil
}

// ParseChannels reads a comma-separated list of channels such as "push,call" or "Push, Call".
// A channel named twice is kept once, at its first place. An empty list, an empty item
// ("push,,call") or an unknown name is an error.
func ParseChannels(s string) ([]Channel, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("no channels given: choose from %s", validChannels())
	}
	var channels []Channel
	for item := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(item) == "" {
			return nil, fmt.Errorf("empty channel in %q: separate channels with single commas, e.g. push,call", s)
		}
		c, err := ParseChannel(item)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(channels, c) {
			channels = append(channels, c)
		}
	}
	return channels, nil
}

// FormatChannels returns the storage form of channels, e.g. "push,call"; ParseChannels reads it back.
func FormatChannels(channels []Channel) string {
	return joinChannels(channels, ",")
}

func validChannels() string {
	return joinChannels(allChannels[:], ", ")
}

func joinChannels(channels []Channel, sep string) string {
	names := make([]string, len(channels))
	for i, c := range channels {
		names[i] = string(c)
	}
	return strings.Join(names, sep)
}
