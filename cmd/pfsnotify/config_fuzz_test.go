package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// FuzzConfigFile: whatever the config file holds, loading it ends (no
// panic, no endless walk) with a valid configuration or an error naming
// the file or the key at fault, and a file that names a key pfsnotify does not have is refused.
func FuzzConfigFile(f *testing.F) {
	defaults := config.Default().Values()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, _, _, err := loadConfig(viper.New(), path, nil)
		if err != nil {
			named := strings.Contains(err.Error(), path)
			for key := range defaults {
				named = named || strings.Contains(err.Error(), key)
			}
			if !named {
				t.Errorf("error %q names neither the file nor a key", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("loaded a configuration that does not validate: %v", err)
		}
		// Every key the file names is one pfsnotify has (or a section of them).
		var doc map[string]any
		if yaml.Unmarshal(data, &doc) != nil {
			return
		}
		var walk func(prefix string, m map[string]any)
		walk = func(prefix string, m map[string]any) {
			for k, v := range m {
				key := prefix + k
				if _, ok := defaults[key]; ok {
					continue
				}
				sub, isMap := v.(map[string]any)
				section := false
				for d := range defaults {
					section = section || strings.HasPrefix(d, key+".")
				}
				if v == nil && section {
					continue // "database:" with nothing under it keeps the defaults
				}
				if !isMap || !section {
					t.Errorf("loaded %q although it names %q, which is no key", data, key)
					continue
				}
				walk(key+".", sub)
			}
		}
		walk("", doc)
	})
}
