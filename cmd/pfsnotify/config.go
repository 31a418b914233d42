package main

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

const (
	// envPrefix starts the environment variable of every key:
	// PFSNOTIFY_DATABASE_DSN sets database.dsn.
	envPrefix = "PFSNOTIFY_"
	// envConfig names the config file when no path is given.
	envConfig = "PFSNOTIFY_CONFIG"
	// envTestPrefix starts the variables of the tests, which are no keys.
	envTestPrefix = "PFSNOTIFY_TEST_"
)

// loadConfig reads the configuration and validates it. Each key comes from,
// in this order of precedence: a flag bound to v that was set on the command
// line, the PFSNOTIFY_* variables of environ, the config file, config.Default().
//
// The config file is path; when path is "", it is $PFSNOTIFY_CONFIG, or else
// the first of configSearchPath that exists, or none. A path that is given
// must exist. The file is YAML; an unknown key in it is an error.
//
// v must come fresh from viper.New(), with the flags bound to their keys
// (v.BindPFlag("database.dsn", flags.Lookup("db-dsn"))) and parsed.
// environ is os.Environ(), a variable set to "" counts as unset.
// loadConfig returns the file it read ("" if none) and warnings to log, even
// with an error.
//
// Viper reads neither the file nor the environment here: the file is parsed
// as a yaml.Node to name the line of each problem and to keep scalars as
// written (+15551234567 stays a string), and environ is passed in so that
// tests need not change the process's environment. Both are merged into
// viper's config layer, file then environment, which sits under the flags and
// over the defaults.
func loadConfig(v *viper.Viper, path string, environ []string) (cfg config.Config, file string, warnings []string, err error) {
	env := envMap(environ)
	file, err = findConfigFile(path, env)
	if err != nil {
		return config.Config{}, "", nil, err
	}
	defaults := config.Default().Values()

	values := make(map[string]any) // by dotted key: the file's, then the environment's
	var problems []error
	if file != "" {
		data, mode, err := readConfigFile(file)
		if err != nil {
			return config.Config{}, file, nil, err
		}
		fileValues, fileProblems, err := parseConfigFile(file, data, defaults)
		if err != nil {
			return config.Config{}, file, nil, err
		}
		problems = append(problems, fileProblems...)
		if held := fileSecrets(fileValues); len(held) > 0 && mode&0o004 != 0 {
			warnings = append(warnings, fmt.Sprintf("config %s is readable by every user and holds secrets (%s); chmod 600 %s (or 640 with a group of its own)",
				file, strings.Join(held, ", "), file))
		}
		maps.Copy(values, fileValues)
	}

	envValues, unknown, envProblems := parseEnv(env, defaults)
	problems = append(problems, envProblems...)
	for _, name := range unknown {
		warnings = append(warnings, fmt.Sprintf("environment variable %s sets no config key; ignored", name))
	}
	maps.Copy(values, envValues)

	for key, value := range defaults {
		v.SetDefault(key, value)
	}
	if err := v.MergeConfigMap(nestKeys(values)); err != nil {
		return config.Config{}, file, warnings, fmt.Errorf("merge config: %w", err)
	}
	if err := v.Unmarshal(&cfg); err != nil {
		return config.Config{}, file, warnings, fmt.Errorf("decode config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		problems = append(problems, err)
	}
	if len(problems) > 0 {
		return config.Config{}, file, warnings, errors.Join(problems...)
	}
	return cfg, file, warnings, nil
}

// configSearchPath lists where loadConfig looks for a config file when none
// findConfigFile returns the config file to read: path, $PFSNOTIFY_CONFIG, or
// parseConfigFile returns the values that a YAML config file sets, by dotted
// key, each of the type of its default in defaults. A file that is not YAML
// is an error; an unknown key or a bad value is one of the problems, and the
// yamlError returns the message of a YAML syntax error, with "line 1:" added
// parseConfigValue converts the text of a YAML scalar or an environment variable
// to the type of like, the key's default. Text is kept as written for a
// string. The errors show the text: no secret is anything but a string.
func parseConfigValue(text string, like any) (any, error) {
	trimmed := strings.TrimSpace(text)
	switch like.(type) {
	case string:
		return text, nil
	case int:
		n, err := strconv.Atoi(trimmed)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", text)
		}
		return n, nil
	case bool:
		b, err := strconv.ParseBool(trimmed)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", text)
		}
		return b, nil
	case float64:
		f, err := strconv.ParseFloat(trimmed, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", text)
		}
		return f, nil
	case time.Duration:
		d, err := parseDuration(trimmed)
		if err == nil {
			return d, nil
		}
		if _, err := strconv.ParseFloat(trimmed, 64); err == nil {
			return nil, fmt.Errorf("%q has no unit (write e.g. %q or %q)", text, trimmed+"s", trimmed+"m")
		}
		return nil, fmt.Errorf(`%q is not a duration (write e.g. "90s", "5m", "1h30m" or "400d")`, text)
	default:
		panic(fmt.Sprintf("config key of type %T: teach parseConfigValue to read it", like))
	}
}

// parseDuration reads a duration as time.ParseDuration does, with days
// too, as lead times have them: a whole number of days first, then
// optionally the rest ("400d", "1d12h"). A day is 24 hours.
func parseDuration(s string) (time.Duration, error) {
	days, rest, ok := strings.Cut(s, "d")
	if !ok {
		return time.ParseDuration(s)
	}
	n, err := strconv.ParseUint(days, 10, 16) // up to 65535 days, about 179 years
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of days", days)
	}
	d := time.Duration(n) * config.Day
	if rest == "" {
		return d, nil
	}
	if rest[0] == '+' || rest[0] == '-' {
		return 0, fmt.Errorf("%q: a sign after the days", s)
	}
	r, err := time.ParseDuration(rest)
	if err != nil {
		return 0, err
	}
	if r > math.MaxInt64-d {
		return 0, fmt.Errorf("%q is too long", s)
	}
	return d + r, nil
}

// envMap turns environ into a map. The first of two equal names wins, as
// parseEnv returns the values that the PFSNOTIFY_* variables of env set,
// by dotted key, each of the type of its default in defaults; the sorted
// names of the PFSNOTIFY_* variables that set no key (except PFSNOTIFY_CONFIG
// nestKeys turns {"database.dsn": x} into {"database": {"dsn": x}}, the shape of
// viper's config layer.
func nestKeys(flat map[string]any) map[string]any {
	out := make(map[string]any)
	for key, value := range flat {
		m := out
		parts := strings.Split(key, ".")
		for _, section := range parts[:len(parts)-1] {
			sub, ok := m[section].(map[string]any)
			if !ok {
				sub = make(map[string]any)
				m[section] = sub
			}
			m = sub
		}
		m[parts[len(parts)-1]] = value
	}
	return out
}
