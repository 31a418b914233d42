package twiml

import "testing"

func TestClassifyReply(t *testing.T) {
	tests := []struct {
		body string
		kind replyKind
		word string
	}{
		{"1", replyAck, "1"},
		{" １ ", replyAck, "1"},
		{"1.", replyAck, "1"},
		{"OK!", replyAck, "ok"},
		{"ＯＫ", replyAck, "ok"},
		{"はい。", replyAck, "はい"},
		{"ﾊｲ", replyOther, ""}, // half-width katakana folds to ハイ, not はい
		{"好的", replyAck, "好的"},
		{"Sim", replyAck, "sim"},
		{"Oui", replyAck, "oui"},
		{"Sí", replyAck, "sí"},
		{"Ja", replyAck, "ja"},
		{"STOP", replyOptOut, "stop"},
		{"stopall", replyOptOut, "stopall"},
		{"Unsubscribe", replyOptOut, "unsubscribe"},
		{"cancel", replyOptOut, "cancel"},
		{"End", replyOptOut, "end"},
		{"quit", replyOptOut, "quit"},
		{"Start", replyOptIn, "start"},
		{"UNSTOP", replyOptIn, "unstop"},
		{"Yes", replyYes, "yes"},
		{"1 thanks", replyOther, ""},
		{"please stop", replyOther, ""},
		{"", replyOther, ""},
		{"12", replyOther, ""},
	}
	for _, tt := range tests {
		kind, word := classifyReply(tt.body)
		if kind != tt.kind || word != tt.word {
			t.Errorf("classifyReply(%q): got %v %q; want %v %q", tt.body, kind, word, tt.kind, tt.word)
		}
	}
}
