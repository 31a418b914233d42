package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/pfsnotify/pfsnotify/pkg/config"
)

// Every test here has "Config" in its name: go test ./cmd/pfsnotify -run Config.

// loadTestConfig runs loadConfig as the root command does: a fresh viper with
// --db-dsn and --log-level bound to their keys, the flags parsed from args.
func loadTestConfig(t *testing.T, path string, environ []string, args ...string) (config.Config, string, []string, error) {
	t.Helper()
	cmd := &cobra.Command{}
	flags := cmd.Flags()
	flags.String("db-dsn", "", "")
	flags.String("log-level", "", "")
	v := viper.New()
	for flag, key := range map[string]string{"db-dsn": "database.dsn", "log-level": "log.level"} {
		if err := v.BindPFlag(key, flags.Lookup(flag)); err != nil {
			t.Fatal(err)
		}
	}
	if err := flags.Parse(args); err != nil {
		t.Fatal(err)
	}
	return loadConfig(v, path, environ)
}

// writeConfigFile writes a config file into a new temporary directory.
func writeConfigFile(t *testing.T, name, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

func TestLoadConfigWithoutFile(t *testing.T) {
	if _, err := os.Stat("/etc/pfsnotify/config.yaml"); err == nil {
		t.Skip("this machine has /etc/pfsnotify/config.yaml, which the search would find")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	environ := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg")}

	cfg, file, warnings, err := loadTestConfig(t, "", environ)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if file != "" {
		t.Errorf("file = %q; want \"\"", file)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings = %q; want none", warnings)
	}
	if cfg != config.Default() {
		t.Errorf("config = %+v; want config.Default() = %+v", cfg, config.Default())
	}
	if cfg.Database.Driver != "sqlite" || cfg.Database.DSN != "pfsnotify.db" {
		t.Errorf("database = %s at %s; want sqlite at pfsnotify.db", cfg.Database.Driver, cfg.Database.DSN)
	}
}

func TestLoadConfigExplicitFile(t *testing.T) {
	path := writeConfigFile(t, "my.conf", `
database:
  driver: mysql
  dsn: pfs@tcp(db:3306)/pfsnotify
  conn_max_lifetime: 90s
  max_open_conns:            # nothing: the default
public_url: https://notify.example.org
twilio:
  account_sid: AC0123456789abcdef0123456789abcdef
  auth_token: "0123456789"
  from_number: +15551234567  # a YAML number, kept as written
  calls_per_second: 2.5
smtp:
  port: 465
  tls: tls
`, 0o600)

	cfg, file, warnings, err := loadTestConfig(t, path, nil)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if file != path {
		t.Errorf("file = %q; want %q", file, path)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings = %q; want none", warnings)
	}
	want := config.Default()
	want.Database.Driver = "mysql"
	want.Database.DSN = "pfs@tcp(db:3306)/pfsnotify"
	want.Database.ConnMaxLifetime = 90 * time.Second
	want.PublicURL = "https://notify.example.org"
	want.Twilio.AccountSID = "AC0123456789abcdef0123456789abcdef"
	want.Twilio.AuthToken = "0123456789"
	want.Twilio.FromNumber = "+15551234567"
	want.Twilio.CallsPerSecond = 2.5
	want.SMTP.Port = 465
	want.SMTP.TLS = "tls"
	if cfg != want {
		t.Errorf("config =\n%+v; want\n%+v", cfg, want)
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	for _, tt := range []struct {
		name    string
		path    string
		environ []string
		want    string
	}{
		{"flag", missing, nil, "read config: open " + missing + ": no such file"},
		{"environment", "", []string{"PFSNOTIFY_CONFIG=" + missing}, "PFSNOTIFY_CONFIG: stat " + missing + ": no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := loadTestConfig(t, tt.path, tt.environ)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadConfig(%q) error = %v; want %q", tt.path, err, tt.want)
			}
		})
	}
}

func TestFindConfigFileSearchOrder(t *testing.T) {
	type files struct{ cwd, xdg, home, env, explicit bool }
	for _, tt := range []struct {
		name     string
		have     files
		xdgVar   string // "abs": the temporary XDG directory
		explicit bool
		want     string // cwd, xdg, home, env, explicit or ""
	}{
		{"explicit path first", files{cwd: true, env: true, explicit: true}, "abs", true, "explicit"},
		{"then PFSNOTIFY_CONFIG", files{cwd: true, xdg: true, env: true}, "abs", false, "env"},
		{"then the working directory", files{cwd: true, xdg: true, home: true}, "abs", false, "cwd"},
		{"then XDG_CONFIG_HOME", files{xdg: true, home: true}, "abs", false, "xdg"},
		{"then ~/.config without XDG_CONFIG_HOME", files{xdg: true, home: true}, "", false, "home"},
		{"relative XDG_CONFIG_HOME is ignored", files{xdg: true, home: true}, "relative", false, "home"},
		{"not ~/.config with XDG_CONFIG_HOME", files{home: true}, "abs", false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := map[string]string{
				"cwd":      filepath.Join(dir, "work", "pfsnotify.yaml"),
				"xdg":      filepath.Join(dir, "xdg", "pfsnotify", "config.yaml"),
				"home":     filepath.Join(dir, "home", ".config", "pfsnotify", "config.yaml"),
				"env":      filepath.Join(dir, "env.yaml"),
				"explicit": filepath.Join(dir, "explicit.yaml"),
			}
			for name, ok := range map[string]bool{"cwd": tt.have.cwd, "xdg": tt.have.xdg, "home": tt.have.home, "env": tt.have.env, "explicit": tt.have.explicit} {
				if !ok {
					continue
				}
				if err := os.MkdirAll(filepath.Dir(paths[name]), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(paths[name], nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.MkdirAll(filepath.Join(dir, "work"), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Chdir(filepath.Join(dir, "work"))

			env := map[string]string{"HOME": filepath.Join(dir, "home")}
			switch tt.xdgVar {
			case "abs":
				env["XDG_CONFIG_HOME"] = filepath.Join(dir, "xdg")
			case "relative":
				env["XDG_CONFIG_HOME"] = "../xdg"
			}
			if tt.have.env {
				env["PFSNOTIFY_CONFIG"] = paths["env"]
			}
			path := ""
			if tt.explicit {
				path = paths["explicit"]
			}

			got, err := findConfigFile(path, env)
			if err != nil {
				t.Fatalf("findConfigFile: %v", err)
			}
			want := paths[tt.want]
			if tt.want == "cwd" {
				want = "pfsnotify.yaml"
			}
			if tt.want == "" {
				if _, err := os.Stat("/etc/pfsnotify/config.yaml"); err == nil {
					want = "/etc/pfsnotify/config.yaml"
				}
			}
			if got != want {
				t.Errorf("findConfigFile = %q; want %q", got, want)
			}
		})
	}
}

func TestConfigSearchPath(t *testing.T) {
	got := configSearchPath(map[string]string{"HOME": "/home/ann", "XDG_CONFIG_HOME": "/xdg"})
	want := []string{"pfsnotify.yaml", "/xdg/pfsnotify/config.yaml", "/etc/pfsnotify/config.yaml"}
	if !slices.Equal(got, want) {
		t.Errorf("configSearchPath = %q; want %q", got, want)
	}
	got = configSearchPath(nil)
	want = []string{"pfsnotify.yaml", "/etc/pfsnotify/config.yaml"}
	if !slices.Equal(got, want) {
		t.Errorf("configSearchPath without HOME = %q; want %q", got, want)
	}
}

func TestLoadConfigPrecedence(t *testing.T) {
	// Each of the 8 combinations of file, environment and flag: the highest wins.
	for mask := range 8 {
		inFile, inEnv, inFlag := mask&1 != 0, mask&2 != 0, mask&4 != 0
		name := fmt.Sprintf("file=%v,env=%v,flag=%v", inFile, inEnv, inFlag)
		t.Run(name, func(t *testing.T) {
			path := writeConfigFile(t, "pfsnotify.yaml", "", 0o600)
			if inFile {
				path = writeConfigFile(t, "pfsnotify.yaml", "database:\n  dsn: file.db\nlog:\n  level: warn\n", 0o600)
			}
			var environ []string
			if inEnv {
				environ = []string{"PFSNOTIFY_DATABASE_DSN=env.db", "PFSNOTIFY_LOG_LEVEL=error"}
			}
			var args []string
			if inFlag {
				args = []string{"--db-dsn=flag.db", "--log-level=debug"}
			}
			wantDSN, wantLevel := "pfsnotify.db", "info"
			switch {
			case inFlag:
				wantDSN, wantLevel = "flag.db", "debug"
			case inEnv:
				wantDSN, wantLevel = "env.db", "error"
			case inFile:
				wantDSN, wantLevel = "file.db", "warn"
			}

			cfg, _, _, err := loadTestConfig(t, path, environ, args...)
			if err != nil {
				t.Fatalf("loadConfig: %v", err)
			}
			if cfg.Database.DSN != wantDSN || cfg.Log.Level != wantLevel {
				t.Errorf("got database.dsn %q, log.level %q; want %q, %q", cfg.Database.DSN, cfg.Log.Level, wantDSN, wantLevel)
			}
		})
	}
}

func TestLoadConfigFileErrors(t *testing.T) {
	for _, tt := range []struct {
		name    string
		content string
		want    string // after "config FILE: "
	}{
		{"unknown key", "database:\n  driver: sqlite\n  dnss: x.db\n", `line 3: unknown key "database.dnss"`},
		{"unknown section", "databse:\n  dsn: x.db\n", `line 2: unknown key "databse.dsn"`},
		{"unknown top-level key", "verbose: true\n", `line 1: unknown key "verbose"`},
		{"unknown empty section", "databse: {}\n", `line 1: unknown key "databse"`},
		{"an alias loop", "a: &x\n  b: *x\n", `line 2: a.b refers to a section that holds it`},
		{"upper case key", "Database:\n  DSN: x.db\n", `line 2: unknown key "Database.DSN" (keys are lower case: "database.dsn")`},
		{"syntax error", "database:\n  driver: sqlite\n  dsn: a: b\n", "yaml: line 3: mapping values are not allowed in this context"},
		{"syntax error on line 1", "database: dsn: x\n", "yaml: line 1: mapping values are not allowed"},
		{"tab", "database:\n\tdsn: x\n", "yaml: line 2: found character that cannot start any token"},
		{"duplicate key", "log:\n  level: info\n  level: debug\n", "line 3: log.level is set twice (first at line 2)"},
		{"section as value", "log: debug\n", "line 1: log is a section (log.format, log.level), not a value"},
		{"list as value", "log:\n  level: [info, debug]\n", "line 2: log.level takes a single value, not a list"},
		{"duration without unit", "database:\n  conn_max_lifetime: 300\n", `line 2: database.conn_max_lifetime: "300" has no unit (write e.g. "300s" or "300m")`},
		{"bad duration", "database:\n  conn_max_lifetime: 5 minutes\n", `line 2: database.conn_max_lifetime: "5 minutes" is not a duration`},
		{"bad integer", "smtp:\n  port: smtp\n", `line 2: smtp.port: "smtp" is not a whole number`},
		{"bad number", "twilio:\n  calls_per_second: fast\n", `line 2: twilio.calls_per_second: "fast" is not a number`},
		{"two documents", "log:\n  level: info\n---\nlog:\n  level: debug\n", "holds more than one YAML document"},
		{"list at the top", "- database\n", `line 1: want sections such as "database:", not a list`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfigFile(t, "config.yaml", tt.content, 0o600)
			_, file, _, err := loadTestConfig(t, path, nil)
			want := "config " + path + ": " + tt.want
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("loadConfig error = %v; want %q", err, want)
			}
			if file != path {
				t.Errorf("file = %q; want %q", file, path)
			}
		})
	}
}

func TestLoadConfigReportsEveryProblem(t *testing.T) {
	path := writeConfigFile(t, "config.yaml", "database:\n  dnss: x\nsmtp:\n  port: smtp\nlog:\n  level: loud\n", 0o600)
	environ := []string{"PFSNOTIFY_DATABASE_MAX_OPEN_CONNS=many"}
	_, _, _, err := loadTestConfig(t, path, environ)
	if err == nil {
		t.Fatal("loadConfig error = nil; want four problems")
	}
	for _, want := range []string{
		`config ` + path + `: line 2: unknown key "database.dnss"`,
		`config ` + path + `: line 4: smtp.port: "smtp" is not a whole number`,
		`environment PFSNOTIFY_DATABASE_MAX_OPEN_CONNS: database.max_open_conns: "many" is not a whole number`,
		`log.level: "loud" is not a level`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("loadConfig error lacks %q:\n%v", want, err)
		}
	}
	var verr *config.ValidationError
	if !errors.As(err, &verr) {
		t.Errorf("loadConfig error holds no *config.ValidationError:\n%v", err)
	}
}

func TestLoadConfigEnvironment(t *testing.T) {
	environ := []string{
		"HOME=/nonexistent",
		"PFSNOTIFY_SMTP_PORT=2525",
		"PFSNOTIFY_DATABASE_CONN_MAX_LIFETIME=90s",
		"PFSNOTIFY_PUBLIC_URL=",               // empty: unset
		"PFSNOTIFY_DATABSE_DSN=typo.db",       // unknown: a warning
		"PFSNOTIFY_TEST_MYSQL_DSN=root@/test", // the tests': no warning
		"PFSNOTIFY_SMTP_PORT=25",              // the first one wins, as with os.Getenv
	}
	path := writeConfigFile(t, "config.yaml", "public_url: https://notify.example.org\n", 0o600)
	cfg, _, warnings, err := loadTestConfig(t, path, environ)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if cfg.SMTP.Port != 2525 || cfg.Database.ConnMaxLifetime != 90*time.Second || cfg.PublicURL != "https://notify.example.org" {
		t.Errorf("got smtp.port %d, database.conn_max_lifetime %s, public_url %q; want 2525, 1m30s, the file's URL",
			cfg.SMTP.Port, cfg.Database.ConnMaxLifetime, cfg.PublicURL)
	}
	want := []string{"environment variable PFSNOTIFY_DATABSE_DSN sets no config key; ignored"}
	if !slices.Equal(warnings, want) {
		t.Errorf("warnings = %q; want %q", warnings, want)
	}
}

func TestLoadConfigEnvironmentNamesConfigFile(t *testing.T) {
	path := writeConfigFile(t, "elsewhere.yaml", "log:\n  level: warn\n", 0o600)
	cfg, file, warnings, err := loadTestConfig(t, "", []string{"PFSNOTIFY_CONFIG=" + path})
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if file != path || cfg.Log.Level != "warn" {
		t.Errorf("file %q, log.level %q; want %q, \"warn\"", file, cfg.Log.Level, path)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings = %q; want none (PFSNOTIFY_CONFIG is known)", warnings)
	}
}

func TestConfigEnvironmentSetsEveryKey(t *testing.T) {
	defaults := config.Default().Values()
	env := make(map[string]string)
	want := make(map[string]any)
	for _, key := range config.Keys() {
		var text string
		switch defaults[key].(type) {
		case string:
			text, want[key] = "x-"+key, "x-"+key
		case int:
			text, want[key] = "7", 7
		case float64:
			text, want[key] = "2.5", 2.5
		case bool:
			text, want[key] = "true", true
		case time.Duration:
			text, want[key] = "90s", 90*time.Second
		default:
			t.Fatalf("key %s has a default of type %T: teach this test and parseConfigValue", key, defaults[key])
		}
		name := keyEnvName(key)
		if _, dup := env[name]; dup {
			t.Fatalf("two keys share the variable %s", name)
		}
		env[name] = text
	}

	values, unknown, problems := parseEnv(env, defaults)
	if len(unknown) > 0 || len(problems) > 0 {
		t.Errorf("parseEnv: unknown %q, problems %v; want none", unknown, problems)
	}
	for _, key := range config.Keys() {
		if values[key] != want[key] {
			t.Errorf("%s=%q gives %s = %#v; want %#v", keyEnvName(key), env[keyEnvName(key)], key, values[key], want[key])
		}
	}
	if got := keyEnvName("twilio.auth_token"); got != "PFSNOTIFY_TWILIO_AUTH_TOKEN" {
		t.Errorf("keyEnvName(twilio.auth_token) = %q; want PFSNOTIFY_TWILIO_AUTH_TOKEN", got)
	}
}

func TestLoadConfigBadEnvironmentValue(t *testing.T) {
	_, _, _, err := loadTestConfig(t, writeConfigFile(t, "c.yaml", "", 0o600), []string{"PFSNOTIFY_SMTP_PORT=smtp"})
	want := `environment PFSNOTIFY_SMTP_PORT: smtp.port: "smtp" is not a whole number`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("loadConfig error = %v; want %q", err, want)
	}
}

func TestLoadConfigSecretFileWarning(t *testing.T) {
	const twilio = "twilio:\n  account_sid: AC0123456789abcdef0123456789abcdef\n  auth_token: abc123\n  from_number: \"+15551234567\"\n"
	for _, tt := range []struct {
		name    string
		content string
		mode    os.FileMode
		environ []string
		held    string // the secrets the warning names; "" for no warning
	}{
		{"world-readable with a secret", twilio, 0o644, nil, "twilio.auth_token"},
		{"group-readable with a secret (a group of its own)", twilio, 0o640, nil, ""},
		{"private with a secret", twilio, 0o600, nil, ""},
		{"world-readable without secrets", "log:\n  level: warn\n", 0o644, nil, ""},
		{"secret from the environment only", "log:\n  level: warn\n", 0o644, []string{"PFSNOTIFY_SMTP_PASSWORD=pw"}, ""},
		{"empty secret", "smtp:\n  password: \"\"\n", 0o644, nil, ""},
		{"several secrets", "database:\n  driver: mysql\n  dsn: pfs:pw@tcp(db)/pfsnotify\nsmtp:\n  password: pw\ngoogle:\n  api_key: k\n", 0o604, nil,
			"database.dsn, smtp.password, google.api_key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfigFile(t, "config.yaml", tt.content, tt.mode)
			_, _, warnings, err := loadTestConfig(t, path, tt.environ)
			if err != nil {
				t.Fatalf("loadConfig: %v", err)
			}
			var want []string
			if tt.held != "" {
				want = []string{fmt.Sprintf("config %s is readable by every user and holds secrets (%s); chmod 600 %s (or 640 with a group of its own)", path, tt.held, path)}
			}
			if !slices.Equal(warnings, want) {
				t.Errorf("warnings = %q; want %q", warnings, want)
			}
		})
	}
}

func TestLoadConfigNeverShowsSecrets(t *testing.T) {
	const token = "Secret-Token-1"
	path := writeConfigFile(t, "config.yaml", "twilio:\n  auth_token: "+token+"\n  from_number: 555\n", 0o644)
	_, _, warnings, err := loadTestConfig(t, path, []string{"PFSNOTIFY_SMTP_PASSWORD=" + token})
	if err == nil {
		t.Fatal("loadConfig error = nil; want problems with twilio")
	}
	if text := err.Error() + strings.Join(warnings, "\n"); strings.Contains(text, token) {
		t.Errorf("loadConfig shows the secret:\n%s", text)
	}
}

const exampleConfig = "../../examples/pfsnotify.yaml"

func TestExampleConfigLoads(t *testing.T) {
	cfg, file, warnings, err := loadTestConfig(t, exampleConfig, nil)
	if err != nil {
		t.Fatalf("loadConfig(%s): %v", exampleConfig, err)
	}
	if file != exampleConfig {
		t.Errorf("file = %q; want %q", file, exampleConfig)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings = %q; want none", warnings)
	}
	if cfg != config.Default() {
		t.Errorf("%s sets\n%+v; want every key at its default\n%+v", exampleConfig, cfg, config.Default())
	}
}

// TestExampleConfigDocumentsEveryKey checks that the example has every key
// (no more), each under a comment that names its default and its variable.
func TestExampleConfigDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", exampleConfig, err)
	}
	comments := make(map[string]string) // by dotted key
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind == yaml.MappingNode {
				walk(v, prefix+k.Value+".")
				continue
			}
			comments[prefix+k.Value] = k.HeadComment
		}
	}
	walk(doc.Content[0], "")

	var documented []string
	for key := range comments {
		documented = append(documented, key)
	}
	slices.Sort(documented)
	keys := slices.Sorted(slices.Values(config.Keys()))
	if !slices.Equal(documented, keys) {
		t.Errorf("%s has the keys\n%q; want config.Keys()\n%q", exampleConfig, documented, keys)
	}
	for _, key := range keys {
		comment := comments[key]
		for _, want := range []string{"Default: ", "Environment: " + keyEnvName(key) + "."} {
			if !strings.Contains(comment, want) {
				t.Errorf("%s: the comment above %s lacks %q:\n%s", exampleConfig, key, want, comment)
			}
		}
	}
}
