package schedule

import (
	"slices"
	"testing"
)

func TestChannels(t *testing.T) {
	want := []Channel{ChannelPush, ChannelCall, ChannelSMS, ChannelEmail, ChannelWebhook, ChannelLog}
	got := Channels()
	if !slices.Equal(got, want) {
		t.Fatalf("Channels() = %v; want %v", got, want)
	}
	got[0] = "fax"
	if again := Channels(); !slices.Equal(again, want) {
		t.Errorf("Channels() after changing an earlier result = %v; want %v", again, want)
	}
}

func TestParseChannels(t *testing.T) {
	const valid = "push, call, sms, email, webhook, log"
	tests := []struct {
		in      string
		want    []Channel
		wantErr string
	}{
		{in: "push,call", want: []Channel{ChannelPush, ChannelCall}},
		{in: "push, call", want: []Channel{ChannelPush, ChannelCall}},
		{in: " PUSH , Call ", want: []Channel{ChannelPush, ChannelCall}},
		{in: "sms,push,sms,SMS", want: []Channel{ChannelSMS, ChannelPush}},
		{in: "log", want: []Channel{ChannelLog}},
		{in: "push,call,sms,email,webhook,log", want: Channels()},
		{in: "", wantErr: "no channels given: choose from " + valid},
		{in: "  ", wantErr: "no channels given: choose from " + valid},
		{in: "push,fax", wantErr: `unknown channel "fax": valid channels are ` + valid},
		{in: "push;call", wantErr: `unknown channel "push;call": valid channels are ` + valid},
		{in: "push,,call", wantErr: `empty channel in "push,,call": separate channels with single commas, e.g. push,call`},
		{in: "push,", wantErr: `empty channel in "push,": separate channels with single commas, e.g. push,call`},
	}
	for _, tt := range tests {
		got, err := ParseChannels(tt.in)
		if gotErr := errString(err); gotErr != tt.wantErr {
			t.Errorf("ParseChannels(%q) error = %q; want %q", tt.in, gotErr, tt.wantErr)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ParseChannels(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestFormatChannelsRoundTrip(t *testing.T) {
	tests := []struct {
		in   []Channel
		want string
	}{
		{[]Channel{ChannelPush, ChannelCall}, "push,call"},
		{[]Channel{ChannelEmail}, "email"},
		{Channels(), "push,call,sms,email,webhook,log"},
	}
	for _, tt := range tests {
		got := FormatChannels(tt.in)
		if got != tt.want {
			t.Errorf("FormatChannels(%v) = %q; want %q", tt.in, got, tt.want)
		}
		back, err := ParseChannels(got)
		if err != nil || !slices.Equal(back, tt.in) {
			t.Errorf("ParseChannels(%q) = %v, %v; want %v, nil", got, back, err, tt.in)
		}
	}
}

// errString returns err's message, or "" for nil.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
