package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// keyEnvName returns the environment variable that sets key.
func keyEnvName(key string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// with os.Getenv.
func envMap(environ []string) map[string]string {
	env := make(map[string]string)
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if _, seen := env[name]; ok && !seen {
			env[name] = value
		}
	}
	return env
}

// and PFSNOTIFY_TEST_*); and the variables whose values are bad.
func parseEnv(env map[string]string, defaults map[string]any) (values map[string]any, unknown []string, problems []error) {
	keyOf := make(map[string]string, len(defaults))
	for key := range defaults {
		keyOf[keyEnvName(key)] = key
	}
	values = make(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(env)) {
		text := env[name]
		key, isKey := keyOf[name]
		switch {
		case !strings.HasPrefix(name, envPrefix) || name == envConfig || strings.HasPrefix(name, envTestPrefix):
		case !isKey:
			unknown = append(unknown, name)
		case text == "":
			// unset, as viper has it
		default:
			value, err := parseConfigValue(text, defaults[key])
			if err != nil {
				problems = append(problems, fmt.Errorf("environment %s: %s: %w", name, key, err))
				continue
			}
			values[key] = value
		}
	}
	return values, unknown, problems
}
