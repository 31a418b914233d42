package webpush

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pfsnotify/pfsnotify/pkg/message"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// outcome is what became of the push to one subscription.
type outcome int

const (
	sent      outcome = iota // the push service accepted it
	gone                     // 404/410: the subscription is expired for good
	retry                    // 429, 5xx, network: try again later
	permanent                // any other answer: this subscription cannot take it
)

type result struct {
	sub     *sub
	outcome outcome
	status  int           // the HTTP status; 0 without an answer
	after   time.Duration // Retry-After
	err     error         // why, unless sent
	ours    bool          // the failure is not the subscription's: our context ended, our rate limit
}

// Send pushes m to every live browser subscription of m.To. It succeeds
// when at least one push service accepted it.
func (c *Channel) Send(ctx context.Context, m message.Message) (message.Receipt, error) {
	now := c.now()
	if m.Stale(now) {
		return message.Receipt{}, message.Permanentf("webpush: the event started at %s: a %s is not sent after it",
			m.StartAt.UTC().Format(time.RFC3339), m.Kind)
	}
	// A test is what a person asks for right after subscribing a browser:
	// it reads the store, so that the new browser gets it.
	subs, err := c.cache.get(ctx, m.To.UserID, now, m.Kind == message.KindTest)
	if err != nil {
		return message.Receipt{}, fmt.Errorf("webpush: %w", err)
	}
	if len(subs) == 0 {
		return message.Receipt{}, fmt.Errorf("%w: no live browser subscription", message.ErrNoTarget)
	}
	payload, err := c.payload(m, now)
	if err != nil {
		return message.Receipt{}, err
	}
	results := make([]result, len(subs))
	if len(subs) == 1 {
		results[0] = c.push(ctx, subs[0], m, payload)
	} else {
		var wg sync.WaitGroup
		for i, s := range subs {
			wg.Go(func() { results[i] = c.push(ctx, s, m, payload) })
		}
		wg.Wait()
	}
	return aggregate(results)
}

// Prefetch reads the subscriptions of the people about to get a push in
// one query; the dispatcher calls it with each batch it claims. A failure
// costs only that: each send then reads its person's subscriptions itself.
func (c *Channel) Prefetch(ctx context.Context, userIDs []int64) error {
	if err := c.cache.prefetch(ctx, userIDs, c.now()); err != nil {
		return fmt.Errorf("webpush: %w", err)
	}
	return nil
}

// push sends one push and records its outcome in the store.
func (c *Channel) push(ctx context.Context, s *sub, m message.Message, payload []byte) result {
	r := c.try(ctx, s, m, payload)
	now := c.now()
	var err error
	switch r.outcome {
	case sent:
		if c.cache.succeeded(s, now) { // once per touchEvery, however many pushes race
			err = c.touch(ctx, s.ID)
		}
	case gone:
		c.cache.expire(s)
		err = c.store.ExpirePushSubscription(ctx, s.ID, now)
	default:
		if r.ours {
			return r
		}
		var failures int
		if failures, err = c.store.MarkPushFailure(ctx, s.ID); err == nil {
			c.cache.failed(s, failures)
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.cache.expire(s) // deleted meanwhile: the browser unsubscribed
	case err != nil:
		c.log.WarnContext(ctx, "webpush: record the outcome of a push", "subscription", s.ID, "user", s.UserID, "err", err)
	}
	return r
}

// try sends one push and classifies the answer.
func (c *Channel) try(ctx context.Context, s *sub, m message.Message, payload []byte) result {
	if l := c.limiter(s.host); l != nil {
		if err := l.Wait(ctx); err != nil {
			return result{sub: s, outcome: retry, err: fmt.Errorf("rate limit of %s: %w", s.host, err), ours: true}
		}
	}
	// The TTL counts from now, after any wait for the rate limit.
	now := c.now()
	if m.Stale(now) {
		return result{sub: s, outcome: permanent, err: errors.New("the event started while waiting for the rate limit"), ours: true}
	}
	resp, err := c.post(ctx, s, m, payload, now)
	if err != nil {
		// A *url.Error names the endpoint, whose path is the subscription's
		// secret: keep only its cause.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			return result{sub: s, outcome: retry, err: ue.Err, ours: ctx.Err() != nil}
		}
		return result{sub: s, outcome: permanent, err: err}
	}
	// webpush-go returns the answer as it came, whatever its status: it is
	// read here, and closed.
	defer resp.Body.Close()
	r := result{sub: s, status: resp.StatusCode}
	if code := resp.StatusCode; code >= 200 && code < 300 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection is reused
		r.outcome = sent
		return r
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch code := resp.StatusCode; {
	case code == http.StatusNotFound || code == http.StatusGone:
		r.outcome = gone
	case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500:
		r.outcome, r.after = retry, retryAfter(resp.Header.Get("Retry-After"), c.now())
	default:
		r.outcome = permanent
	}
	r.err = fmt.Errorf("%s%s", resp.Status, clean(snippet))
	return r
}

// post has webpush-go encrypt payload for s, sign the VAPID token and
// post the push (RFC 8030): a TTL until the event starts, urgency high, the
// occurrence's topic. The answer is the push service's, whatever its
// status: try reads it.
func (c *Channel) post(ctx context.Context, s *sub, m message.Message, payload []byte, now time.Time) (*http.Response, error) {
	if s.unusable != nil {
		return nil, s.unusable
	}
	opts := c.base
	opts.TTL, opts.Topic = ttl(m, now), m.Topic()
	// webpush-go appends the delimiter and padding to the slice it is
	// given (bytes.NewBuffer): a pooled one with room for the whole record
	// spares two growths of it per push, and keeps the pushes of one
	// message to several browsers from writing into one shared array. The
	// library is done with it when it returns: the body it posts is a copy
	// (the ciphertext).
	buf := c.bufs.Get().(*[]byte)
	defer c.bufs.Put(buf)
	*buf = append((*buf)[:0], payload...)
	resp, err := webpushgo.SendNotificationWithContext(ctx, *buf, &s.wp, &opts)
	if err != nil {
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			return nil, err // the network: try tells retry from our own end
		}
		return nil, fmt.Errorf("encrypt for this subscription: %w", err)
	}
	return resp, nil
}

// maxRetryAfter bounds a push service's Retry-After.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		d = time.Duration(min(max(secs, 0), int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// clean makes a push service's error body fit on one line of a log: ": text".
func clean(b []byte) string {
	s := strings.Join(strings.FieldsFunc(string(b), func(r rune) bool { return r < ' ' || r == 0x7f }), " ")
	if s = strings.TrimSpace(strings.ToValidUTF8(s, "")); s == "" {
		return ""
	}
	return ": " + s
}

// aggregate turns the outcomes of one message's pushes into its receipt
// or error: sent if any browser took it.
func aggregate(results []result) (message.Receipt, error) {
	var nSent, nGone, nRetry int
	var after time.Duration
	var detail, failures []string
	status := ""
	for _, r := range results {
		line := fmt.Sprintf("subscription #%d (%s): ", r.sub.ID, r.sub.host)
		switch r.outcome {
		case sent:
			nSent++
			if status == "" {
				status = strconv.Itoa(r.status)
			}
			detail = append(detail, line+strconv.Itoa(r.status))
			continue
		case gone:
			nGone++
			line += "gone, expired: "
		case retry:
			nRetry++
			after = max(after, r.after)
			line += "transient failure: "
		case permanent:
			line += "failed: "
		}
		line += r.err.Error()
		detail, failures = append(detail, line), append(failures, line)
	}
	switch {
	case nSent > 0:
		target := "1 browser"
		if nSent > 1 {
			target = fmt.Sprintf("%d browsers", nSent)
		}
		return message.Receipt{Target: target, Status: status, Detail: strings.Join(detail, "; ")}, nil
	case nGone == len(results):
		return message.Receipt{}, fmt.Errorf("%w: no live browser subscription (%s)", message.ErrNoTarget, strings.Join(failures, "; "))
	case nRetry > 0:
		return message.Receipt{}, message.Retry(fmt.Errorf("webpush: %s", strings.Join(failures, "; ")), after)
	}
	return message.Receipt{}, message.Permanentf("webpush: %s", strings.Join(failures, "; "))
}

// touchBatch is how many successes are written in one statement.
const touchBatch = 64

// touch queues the news of a subscription's success for the store, and
// writes the queue when it is full: a burst of first pushes costs one
// statement per batch, not one per browser.
func (c *Channel) touch(ctx context.Context, id int64) error {
	c.touchMu.Lock()
	c.touched = append(c.touched, id)
	full := len(c.touched) >= touchBatch
	c.touchMu.Unlock()
	if full {
		return c.Flush(ctx)
	}
	return nil
}

// Flush writes the successes not written yet. The dispatcher calls it at
// the end of a pass.
func (c *Channel) Flush(ctx context.Context) error {
	c.touchMu.Lock()
	ids := c.touched
	c.touched = nil
	c.touchMu.Unlock()
	if err := c.store.MarkPushSuccesses(ctx, c.now(), ids); err != nil {
		return fmt.Errorf("webpush: %w", err)
	}
	return nil
}
