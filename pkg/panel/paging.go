package panel

import (
	"net/http"
	"net/url"
	"strconv"
)

// The long lists (the inbox, the delivery log) come in pages, newest
// first; ?before=ID shows what comes after delivery ID (keyset paging:
// a notification sent meanwhile does not shift the pages).

// readBefore reads ?before=: a delivery number, or nothing. problem says
// what is wrong with it, if anything.
func readBefore(q url.Values) (id int64, problem string) {
	v := q.Get("before")
	if v == "" {
		return 0, ""
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, strconv.Quote(v) + " is not a delivery number"
	}
	return id, ""
}

// pager links a page of a list to its neighbours.
type pager struct {
	Newest string // the first page, when this is not it
	Older  string // the next page; "" on the last
}

// pageOf cuts items, read with one more than size, to a page, and links
// the first and the next page: r's own query with before set or removed.
func pageOf[T any](r *http.Request, items []T, size int, id func(T) int64) ([]T, pager) {
	link := func(before int64) string {
		q := r.URL.Query()
		q.Del("done")
		q.Del("before")
		if before != 0 {
			q.Set("before", strconv.FormatInt(before, 10))
		}
		if len(q) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + q.Encode()
	}
	var p pager
	if r.URL.Query().Get("before") != "" {
		p.Newest = link(0)
	}
	if len(items) > size {
		items = items[:size]
		p.Older = link(id(items[size-1]))
	}
	return items, p
}
