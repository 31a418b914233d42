package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pfsnotify/pfsnotify/pkg/config"
	"go.yaml.in/yaml/v3"
)

// is given, in order.
func configSearchPath(env map[string]string) []string {
	paths := []string{"pfsnotify.yaml"}
	if xdg := env["XDG_CONFIG_HOME"]; filepath.IsAbs(xdg) { // the XDG spec ignores relative paths
		paths = append(paths, filepath.Join(xdg, "pfsnotify", "config.yaml"))
	} else if home := env["HOME"]; home != "" {
		paths = append(paths, filepath.Join(home, ".config", "pfsnotify", "config.yaml"))
	}
	return append(paths, "/etc/pfsnotify/config.yaml")
}

// the first of configSearchPath that exists; "" if there is none.
func findConfigFile(path string, env map[string]string) (string, error) {
	if path != "" {
		return path, nil
	}
	if p := env[envConfig]; p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s: %w", envConfig, err)
		}
		return p, nil
	}
	for _, p := range configSearchPath(env) {
		_, err := os.Stat(p)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("look for config: %w", err)
		}
	}
	return "", nil
}

// readConfigFile returns the contents of file and its permissions.
func readConfigFile(file string) ([]byte, fs.FileMode, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, 0, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("read config: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, 0, fmt.Errorf("read config %s: %w", file, err)
	}
	return data, info.Mode().Perm(), nil
}

// rest of the file is still read.
func parseConfigFile(file string, data []byte, defaults map[string]any) (map[string]any, []error, error) {
	values := make(map[string]any)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return values, nil, nil // an empty file
	} else if err != nil {
		return nil, nil, fmt.Errorf("config %s: %s", file, yamlError(err))
	}
	if err := dec.Decode(new(yaml.Node)); err == nil {
		return nil, nil, fmt.Errorf("config %s: holds more than one YAML document (remove the --- line)", file)
	} else if !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("config %s: %s", file, yamlError(err))
	}
	if len(doc.Content) == 0 {
		return values, nil, nil // comments only
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("config %s: line %d: want sections such as \"database:\", not a %s", file, root.Line, yamlKind(root))
	}
	p := fileParser{file: file, defaults: defaults, values: values, lines: make(map[string]int)}
	p.mapping(root, "")
	return values, p.problems, nil
}

// where yaml.v3 leaves it out (it omits the line of an error on the first).
func yamlError(err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "yaml: "); ok && !strings.Contains(msg, "line ") {
		return "yaml: line 1: " + rest
	}
	return msg
}

// fileParser walks the YAML tree of a config file.
type fileParser struct {
	file     string
	defaults map[string]any // every key, with its default
	values   map[string]any // what the file sets
	lines    map[string]int // the line of each key seen
	problems []error
	open     map[*yaml.Node]bool // the mappings being walked: an alias to one of them is a loop
	walked   int                 // keys walked, aliases included
}

// maxConfigKeys bounds the keys walked in a config file: nested aliases
// ("billion laughs") could otherwise make a few lines take for ever.
const maxConfigKeys = 10000

func (p *fileParser) problem(line int, format string, args ...any) {
	p.problems = append(p.problems, fmt.Errorf("config %s: line %d: %s", p.file, line, fmt.Sprintf(format, args...)))
}

func (p *fileParser) mapping(n *yaml.Node, prefix string) {
	if p.open == nil {
		p.open = make(map[*yaml.Node]bool)
	}
	p.open[n] = true
	defer delete(p.open, n)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if p.walked++; p.walked > maxConfigKeys {
			if p.walked == maxConfigKeys+1 {
				p.problem(k.Line, "more than %d keys (YAML aliases repeating sections?)", maxConfigKeys)
			}
			return
		}
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		key := prefix + k.Value
		if first, ok := p.lines[key]; ok {
			p.problem(k.Line, "%s is set twice (first at line %d)", key, first)
			continue
		}
		p.lines[key] = k.Line

		_, isKey := p.defaults[key]
		switch {
		case isKey:
			p.value(key, v)
		case v.Kind == yaml.MappingNode && p.open[v]:
			// An alias to a mapping that holds it ("a: &x {b: *x}") would
			// be walked for ever.
			p.problem(k.Line, "%s refers to a section that holds it (a YAML alias loop)", key)
		case v.Kind == yaml.MappingNode && len(v.Content) == 0 && !p.isSection(key):
			p.problem(k.Line, "unknown key %q", key) // "databse: {}" names nothing either
		case v.Kind == yaml.MappingNode:
			p.mapping(v, key+".") // a section, or unknown keys under an unknown name
		case p.isSection(key):
			if v.ShortTag() != "!!null" {
				p.problem(v.Line, "%s is a section (%s), not a value", key, strings.Join(p.keysUnder(key), ", "))
			}
		default:
			hint := ""
			if _, ok := p.defaults[strings.ToLower(key)]; ok {
				hint = fmt.Sprintf(" (keys are lower case: %q)", strings.ToLower(key))
			}
			p.problem(k.Line, "unknown key %q%s", key, hint)
		}
	}
}

func (p *fileParser) value(key string, n *yaml.Node) {
	switch {
	case n.Kind != yaml.ScalarNode:
		p.problem(n.Line, "%s takes a single value, not a %s", key, yamlKind(n))
	case n.ShortTag() == "!!null":
		// "key:" with nothing after it keeps the default.
	default:
		value, err := parseConfigValue(n.Value, p.defaults[key])
		if err != nil {
			p.problem(n.Line, "%s: %v", key, err)
			return
		}
		p.values[key] = value
	}
}

// yamlKind names what a YAML node is, for messages.
func yamlKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "section"
	case yaml.SequenceNode:
		return "list"
	default:
		return "single value"
	}
}

func (p *fileParser) isSection(name string) bool { return len(p.keysUnder(name)) > 0 }

// keysUnder returns the keys of section name, sorted.
func (p *fileParser) keysUnder(name string) []string {
	var keys []string
	for key := range p.defaults {
		if strings.HasPrefix(key, name+".") {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys
}

// fileSecrets returns the keys whose secrets a file's values hold.
func fileSecrets(values map[string]any) []string {
	var held []string
	if dsn, _ := values["database.dsn"].(string); config.RedactDSN(dsn) != dsn {
		held = append(held, "database.dsn")
	}
	for _, key := range config.SecretKeys() {
		if s, _ := values[key].(string); s != "" {
			held = append(held, key)
		}
	}
	return held
}
