package panel

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/pfsnotify/pfsnotify/pkg/httpserver"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// DefaultInboxPoll is how often the panel reads the inbox state of each
// person who has a live inbox open (Options.InboxPoll).
const DefaultInboxPoll = 3 * time.Second

// inboxHub tells the live inboxes (GET /events/inbox) that a person's inbox
// changed. invoke sends in another process, so the hub learns of it by
// reading each person's store.InboxState every so often: one reader per
// person, however many tabs and devices they have open, and none for
// people with no stream open.
type inboxHub struct {
	read  func(ctx context.Context, userID int64) (store.InboxState, error)
	every time.Duration
	log   *slog.Logger

	mu     sync.Mutex
	people map[int64]*inboxWatch
	closed bool // shutting down: no new streams
}

// inboxWatch is the reader of one person's inbox state and their streams.
type inboxWatch struct {
	streams map[*inboxStream]struct{}
	last    store.InboxState
	stop    chan struct{}
}

// inboxStream is one open stream (a tab).
type inboxStream struct {
	session string                // the session it was opened with; "" with a token
	updates chan store.InboxState // the latest state not yet written (capacity 1)
	done    chan struct{}         // closed when the hub ends it: sign-out, shutdown
	end     sync.Once
}

func newInboxHub(read func(context.Context, int64) (store.InboxState, error), every time.Duration, log *slog.Logger) *inboxHub {
	return &inboxHub{read: read, every: every, log: log, people: map[int64]*inboxWatch{}}
}

// open adds a stream for userID, whose inbox is now in state now; it is
// false when the hub is shutting down.
func (h *inboxHub) open(userID int64, session string, now store.InboxState) (*inboxStream, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, false
	}
	st := &inboxStream{session: session, updates: make(chan store.InboxState, 1), done: make(chan struct{})}
	w := h.people[userID]
	if w == nil {
		w = &inboxWatch{streams: map[*inboxStream]struct{}{}, last: now, stop: make(chan struct{})}
		h.people[userID] = w
		go h.watch(userID, w)
	}
	w.streams[st] = struct{}{}
	return st, true
}

// close removes a stream; the last of a person's stops their reader.
func (h *inboxHub) close(userID int64, st *inboxStream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w := h.people[userID]
	if w == nil {
		return
	}
	delete(w.streams, st)
	if len(w.streams) == 0 {
		close(w.stop)
		delete(h.people, userID)
	}
}

// watch reads userID's inbox state every h.every until w stops, and gives
// each change to every stream of theirs.
func (h *inboxHub) watch(userID int64, w *inboxWatch) {
	t := time.NewTicker(h.every)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), httpserver.RequestDeadline)
		now, err := h.read(ctx, userID)
		cancel()
		if err != nil {
			h.log.Warn("live inbox: read the inbox state", "user", userID, "err", err)
			continue
		}
		h.mu.Lock()
		if now != w.last {
			w.last = now
			for st := range w.streams {
				st.give(now)
			}
		}
		h.mu.Unlock()
	}
}

// give makes now the state the stream writes next, replacing one not yet
// written.
func (st *inboxStream) give(now store.InboxState) {
	select {
	case <-st.updates:
	default:
	}
	st.updates <- now
}

func (st *inboxStream) stop() { st.end.Do(func() { close(st.done) }) }

// endSession ends the streams opened with a session (signed out).
func (h *inboxHub) endSession(session string) {
	if session == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, w := range h.people {
		for st := range w.streams {
			if st.session == session {
				st.stop()
			}
		}
	}
}

// endUser ends every stream of userID (disabled, or signed out everywhere).
func (h *inboxHub) endUser(userID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w := h.people[userID]; w != nil {
		for st := range w.streams {
			st.stop()
		}
	}
}

// shutdown ends every stream and refuses new ones.
func (h *inboxHub) shutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, w := range h.people {
		for st := range w.streams {
			st.stop()
		}
	}
}
