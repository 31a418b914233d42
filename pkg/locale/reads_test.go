package locale

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"text/template/parse"
)

func TestTreeReads(t *testing.T) {
	tests := []struct {
		text  string
		names []string
		calls map[string][]string
		whole bool
	}{
		{`{{.Title}} {{.In}}`, []string{"In", "Title"}, nil, false},
		{`{{$.Title}} {{.To.Name}}`, []string{"Title", "To"}, nil, false},
		{`{{.T "EmailWhere"}} {{$.T "EmailJoin"}}`, []string{"T"}, map[string][]string{"T": {"EmailWhere", "EmailJoin"}}, false},
		{`{{if eq .Kind "reminder" "moved"}}{{with .Location}} · {{.}}{{end}}{{end}}`, []string{"Kind", "Location"}, nil, false},
		{`{{range .Items}}{{.Name}}{{end}}`, []string{"Items", "Name"}, nil, false},
		{`{{with .Note}}{{.}}{{else}}{{.}}{{end}}`, []string{"Note"}, nil, true},
		{`{{.}}`, nil, nil, true},
		{`{{$}}`, nil, nil, true},
		{`{{template "x" .Title}}`, nil, nil, true},
		{`{{.T .Title}}`, []string{"T", "Title"}, nil, true},
		{`{{$x := .Title}}{{$x}}`, []string{"Title"}, nil, false},
		{`{{printf "%s" .Title}}`, []string{"Title"}, nil, false},
	}
	for _, tt := range tests {
		trees, err := parse.Parse("t", tt.text, "", "", builtins())
		if err != nil {
			t.Fatalf("parse %q: %v", tt.text, err)
		}
		got := TreeReads(trees["t"].Root)
		if names := slices.Sorted(maps.Keys(got.Names)); !slices.Equal(names, tt.names) && len(names)+len(tt.names) > 0 {
			t.Errorf("%q: got names %v; want %v", tt.text, names, tt.names)
		}
		if len(got.Calls)+len(tt.calls) > 0 && !maps.EqualFunc(got.Calls, tt.calls, slices.Equal) {
			t.Errorf("%q: got calls %v; want %v", tt.text, got.Calls, tt.calls)
		}
		if got.Whole != tt.whole {
			t.Errorf("%q: got whole %v; want %v", tt.text, got.Whole, tt.whole)
		}
	}
}

// A catalogue's Reads are the reference's (a translation or an override
// file cannot read more: Conforms); an unknown message has none.
func TestCatalogueReads(t *testing.T) {
	c := Embedded()
	tests := []struct {
		id    string
		names []string
		ok    bool
	}{
		{"PushTitleReminder", []string{"In", "Title"}, true},
		{"PushBodyMoved", []string{"Start"}, true},
		{"CallGreeting", []string{"Name"}, true},
		{"NoSuchMessage", nil, false},
	}
	for _, tt := range tests {
		names, ok := c.Reads(tt.id)
		if ok != tt.ok || !slices.Equal(names, tt.names) {
			t.Errorf("Reads(%s) = %v, %v; want %v, %v", tt.id, names, ok, tt.names, tt.ok)
		}
	}
}

// An override may not read through $ what the reference does not give.
func TestOverrideDollarPlaceholder(t *testing.T) {
	dir := writeFiles(t, map[string]string{"de.yaml": "PushTitleReminder: \"{{$.Token}} {{.Title}}\"\n"})
	_, err := Load(Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "{{.Token}} is not a placeholder") {
		t.Errorf("got %v; want the override refused for {{$.Token}}", err)
	}
}
