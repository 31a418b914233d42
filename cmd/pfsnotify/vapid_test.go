package main

import (
	"bytes"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/pfsnotify/pfsnotify/pkg/channel/webpush"
	"github.com/pfsnotify/pfsnotify/pkg/store"
)

// runVapid runs pfsnotify with no config file but env, in a fresh directory.
func runVapid(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr, append([]string{"XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg")}, env...))
	return stdout.String(), stderr.String(), code
}

// checkVAPIDPair fails unless public and private are a P-256 key pair in
// base64url without padding, the public key 65 bytes uncompressed.
func checkVAPIDPair(t *testing.T, public, private string) {
	t.Helper()
	pub, err := base64.RawURLEncoding.DecodeString(public)
	if err != nil || len(pub) != 65 || pub[0] != 0x04 {
		t.Fatalf("public key %q: %d bytes, %v; want 65 bytes of base64url starting with 0x04", public, len(pub), err)
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		t.Fatalf("public key is not on P-256: %v", err)
	}
	d, err := base64.RawURLEncoding.DecodeString(private)
	if err != nil || len(d) != 32 {
		t.Fatalf("private key: %d bytes, %v; want 32 bytes of base64url", len(d), err)
	}
	priv, err := ecdh.P256().NewPrivateKey(d)
	if err != nil {
		t.Fatalf("private key is not a P-256 scalar: %v", err)
	}
	if !bytes.Equal(priv.PublicKey().Bytes(), pub) {
		t.Fatalf("the public key is not the private key's")
	}
}

func TestVapidGenerateJSON(t *testing.T) {
	var keys [2]vapidJSON
	for i := range keys {
		out, errOut, code := runVapid(t, nil, "vapid", "generate", "-o", "json", "--subject", "mailto:admin@example.org")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if err := json.Unmarshal([]byte(out), &keys[i]); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		checkVAPIDPair(t, keys[i].PublicKey, keys[i].PrivateKey)
		if keys[i].Subject != "mailto:admin@example.org" {
			t.Errorf("got subject %q; want mailto:admin@example.org", keys[i].Subject)
		}
	}
	if keys[0].PrivateKey == keys[1].PrivateKey {
		t.Errorf("two runs made the same key")
	}
	// The pair is one the push channel accepts.
	_, err := webpush.New(webpush.Options{Subscriptions: (*store.Store)(nil), PublicKey: keys[0].PublicKey,
		PrivateKey: keys[0].PrivateKey, Subject: keys[0].Subject, HTTPClient: &http.Client{Timeout: time.Second}})
	if err != nil {
		t.Errorf("webpush.New with the generated keys: %v", err)
	}
}

func TestVapidGenerateYAML(t *testing.T) {
	out, errOut, code := runVapid(t, []string{"PFSNOTIFY_WEBPUSH_SUBJECT=ops@example.org"}, "vapid", "generate")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		WebPush struct {
			PublicKey  string `yaml:"public_key"`
			PrivateKey string `yaml:"private_key"`
			Subject    string `yaml:"subject"`
		} `yaml:"webpush"`
	}
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not YAML: %v\n%s", err, out)
	}
	checkVAPIDPair(t, doc.WebPush.PublicKey, doc.WebPush.PrivateKey)
	if doc.WebPush.Subject != "ops@example.org" || !strings.Contains(out, "SECRET") {
		t.Errorf("got subject %q and\n%s\nwant the configured subject and a warning that the private key is a secret",
			doc.WebPush.Subject, out)
	}
	if errOut != "" {
		t.Errorf("got stderr %q; want nothing", errOut)
	}

	// Pasted into a config file, the lines load.
	if err := os.WriteFile("pfsnotify.yaml", []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	a := newApp(&bytes.Buffer{}, &bytes.Buffer{}, []string{"XDG_CONFIG_HOME=" + t.TempDir()})
	if err := a.load(); err != nil || a.cfg.WebPush.PublicKey != doc.WebPush.PublicKey {
		t.Errorf("loading the printed lines as pfsnotify.yaml: %v, public key %q", err, a.cfg.WebPush.PublicKey)
	}
}

func TestVapidGenerateBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"vapid", "generate", "-o", "table"}, "yaml or json"},
		{[]string{"vapid", "generate", "--subject", "admin"}, "--subject"},
		{[]string{"vapid", "generate", "extra"}, "takes no arguments"},
	}
	for _, tt := range tests {
		out, errOut, code := runVapid(t, nil, tt.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: got exit %d, stdout %q, stderr %q; want 2, nothing, an error mentioning %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

func TestVapidGenerateWarnsOfAnExistingPair(t *testing.T) {
	_, errOut, code := runVapid(t, []string{"PFSNOTIFY_WEBPUSH_PUBLIC_KEY=BOLD", "PFSNOTIFY_WEBPUSH_PRIVATE_KEY=old", "PFSNOTIFY_WEBPUSH_SUBJECT=mailto:admin@example.org"}, "vapid", "generate")
	if code != 0 || !strings.Contains(errOut, "subscribe again") {
		t.Errorf("got exit %d, stderr %q; want 0 and a warning that browsers must subscribe again", code, errOut)
	}
}
