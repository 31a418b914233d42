package panel

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/pfsnotify/pfsnotify/pkg/reach"
	"github.com/pfsnotify/pfsnotify/pkg/schedule"
)

// adminChannels are the deployment's own channels: log writes to the
// server's log and webhook posts to the one URL the configuration gives,
// so neither reaches the member who picks it. Only admins are offered them
// (to test a deployment, or to feed another system).
var adminChannels = map[schedule.Channel]bool{schedule.ChannelLog: true, schedule.ChannelWebhook: true}

// offeredChannels are the channels p may choose for a registration or a
// rule, in schedule.Channels' order: those the configuration sets up, and
// for a member only those that reach a person (push, call, sms, email).
func (s *Server) offeredChannels(p *principal) []schedule.Channel {
	var out []schedule.Channel
	for _, c := range schedule.Channels() {
		if s.opts.Config.SetsUp(c) && (p.admin() || !adminChannels[c]) {
			out = append(out, c)
		}
	}
	return out
}

// defaultChannel is the channel ticked on a new form: push when it is
// offered, else the first offered.
func (s *Server) defaultChannel(p *principal) string {
	offered := s.offeredChannels(p)
	if len(offered) == 0 || slices.Contains(offered, schedule.ChannelPush) {
		return string(schedule.ChannelPush)
	}
	return string(offered[0])
}

// errChannelNotOffered is the form's error for a channel that is not
// offered (a crafted form): a fixed sentence, so that pages say it in the
// member's language; the API names the channel (notOffered).
const errChannelNotOffered = "a channel you chose is not offered here: choose among the ones shown"

// notOffered says which of chs p may not choose, and what p may, or ""
// when p may choose them all.
func (s *Server) notOffered(p *principal, chs []schedule.Channel) string {
	offered := s.offeredChannels(p)
	for _, c := range chs {
		if !slices.Contains(offered, c) {
			names := make([]string, len(offered))
			for i, o := range offered {
				names[i] = string(o)
			}
			why := "is not set up on this server"
			if s.opts.Config.SetsUp(c) {
				why = "is for admins only"
			}
			return fmt.Sprintf("%q %s: choose from %s", c, why, strings.Join(names, ", "))
		}
	}
	return ""
}

// channelChoice is one checkbox of the register and rules pages: a channel
// offered, and what the page says beside it (in the person's language):
// why it cannot reach the person yet, or that it is for admins only.
type channelChoice struct {
	Channel schedule.Channel
	Note    string
	NoteID  string // the catalogue ID of Note ("" for none), for tests
}

// noteIDs name what keeps an offered channel from reaching the person,
// by channel: reach.Problem says whether something does.
var noteIDs = map[schedule.Channel]string{
	schedule.ChannelPush:  "PanelChannelNoBrowser",
	schedule.ChannelCall:  "PanelChannelNoPhone",
	schedule.ChannelSMS:   "PanelChannelNoPhone",
	schedule.ChannelEmail: "PanelChannelNoEmail",
}

// channelChoices are the checkboxes p is offered, each with its note in v's
// language.
func (s *Server) channelChoices(ctx context.Context, p *principal, v *view) ([]channelChoice, error) {
	live, err := s.opts.Store.LivePushSubscriptionsOf(ctx, []int64{p.user.ID})
	if err != nil {
		return nil, err
	}
	target := reach.Target{Phone: p.user.Phone, Email: p.user.Email, LivePush: len(live[p.user.ID])}
	offered := s.offeredChannels(p)
	out := make([]channelChoice, len(offered))
	for i, c := range offered {
		out[i].Channel = c
		switch {
		case adminChannels[c]:
			out[i].NoteID = "PanelChannelAdminOnly"
		case reach.Problem(s.opts.Config, c, target) != "":
			out[i].NoteID = noteIDs[c]
		}
		if out[i].NoteID != "" {
			if out[i].Note, err = v.T(out[i].NoteID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
