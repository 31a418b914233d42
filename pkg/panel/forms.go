package panel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/pfsnotify/pfsnotify/pkg/schedule"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// form reads a posted form (a body too large is an error that answers
// 413) and returns its fields, trimmed, the ones named in keep.
func form(r *http.Request, keep ...string) (map[string]string, error) {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, &httpError{status: http.StatusBadRequest, msg: "the form could not be read: " + err.Error()}
	}
	out := make(map[string]string, len(keep))
	for _, k := range keep {
		out[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	return out, nil
}

// pathID reads the {id} wildcard; anything but a positive number is not found.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q: %w", r.PathValue("id"), store.ErrNotFound)
	}
	return id, nil
}

// checkedChannels reads the channel checkboxes of a form, in the order of
// schedule.Channels.
func checkedChannels(r *http.Request) (string, error) {
	picked := r.PostForm["channel"]
	var out []string
	for _, c := range schedule.Channels() {
		for _, p := range picked {
			if p == string(c) {
				out = append(out, p)
				break
			}
		}
	}
	for _, p := range picked {
		if _, err := schedule.ParseChannel(p); err != nil {
			return "", err
		}
	}
	if len(out) == 0 {
		return "", errors.New("choose at least one channel")
	}
	return strings.Join(out, ","), nil
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// readJSON decodes one JSON object from r's body into v: unknown fields
// and trailing data are errors.
func readJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &httpError{status: http.StatusUnsupportedMediaType, msg: "send the body as application/json"}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: the body is empty; send a JSON object", errBadJSON)
		}
		return fmt.Errorf("%w: %v", errBadJSON, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: more than one JSON value", errBadJSON)
	}
	return nil
}

// fieldErr is a problem with one field of a form.
func fieldErr(field, format string, args ...any) error {
	return &store.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}
