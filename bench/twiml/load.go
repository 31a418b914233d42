package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// result is one run of the load generator.
type result struct {
	rate     float64 // requests per second
	p50, p99 time.Duration
	errors   int
}

// client keeps one connection per worker: conns concurrent connections.
func client(conns int) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: time.Minute,
		DisableCompression: true,
	}}
}

// load sends reqs round robin to base from conns workers for warmup, then
// for d, measured; an answer other than 200 containing want is an error.
// With rate > 0 the workers together send rate requests per second (each
// on its own schedule, whatever the answers take), else as fast as the
// answers come.
func load(base string, reqs []signed, conns int, warmup, d time.Duration, want string, rate float64) result {
	c := client(conns)
	defer c.CloseIdleConnections()
	target, _ := url.Parse(base)
	var counter atomic.Uint64
	var measuring atomic.Bool
	stop := make(chan struct{})
	lat := make([][]time.Duration, conns)
	errs := make([]int, conns)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			buf := make([]byte, 0, 4096)
			var gap time.Duration
			next := time.Now()
			if rate > 0 {
				gap = time.Duration(float64(conns) / rate * float64(time.Second))
				next = next.Add(gap * time.Duration(w) / time.Duration(conns)) // spread the workers' starts
			}
			for {
				if gap > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(gap)
				}
				select {
				case <-stop:
					return
				default:
				}
				r := reqs[counter.Add(1)%uint64(len(reqs))]
				began := time.Now()
				body, status, err := post(c, target, r, buf[:0])
				took := time.Since(began)
				if !measuring.Load() {
					continue
				}
				lat[w] = append(lat[w], took)
				if err != nil || status != http.StatusOK || !bytes.Contains(body, []byte(want)) {
					errs[w]++
				}
			}
		})
	}
	time.Sleep(warmup)
	measuring.Store(true)
	began := time.Now()
	time.Sleep(d)
	measuring.Store(false)
	elapsed := time.Since(began)
	close(stop)
	wg.Wait()

	var all []time.Duration
	res := result{}
	for w := range conns {
		all = append(all, lat[w]...)
		res.errors += errs[w]
	}
	if len(all) == 0 {
		return res
	}
	slices.Sort(all)
	res.rate = float64(len(all)) / elapsed.Seconds()
	res.p50, res.p99 = all[len(all)/2], all[len(all)*99/100]
	return res
}

// post sends r to target's host with r's path, as Twilio would through
// nginx, and reads the answer into buf.
func post(c *http.Client, target *url.URL, r signed, buf []byte) ([]byte, int, error) {
	u, err := url.Parse(r.url)
	if err != nil {
		return nil, 0, err
	}
	u.Scheme, u.Host = target.Scheme, target.Host
	req, err := http.NewRequest(http.MethodPost, u.String(), strings.NewReader(r.body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", r.signature)
	resp, err := c.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b := bytes.NewBuffer(buf)
	_, err = io.Copy(b, resp.Body)
	return b.Bytes(), resp.StatusCode, err
}

// check makes one request and reports what is wrong with its answer.
func check(base string, r signed) error {
	target, _ := url.Parse(base)
	body, status, err := post(client(1), target, r, nil)
	switch {
	case err != nil:
		return err
	case status != http.StatusOK || !bytes.Contains(body, []byte("<Gather")) || !bytes.Contains(body, []byte("Weekly telecon")):
		return fmt.Errorf("got %d %q", status, body)
	}
	return nil
}
