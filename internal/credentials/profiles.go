// Package credentials keeps named account profiles (which account, which
// app, where its secret is) and the scopes each step needs. A profile file
// never holds a secret: the secret comes from an environment variable the
// profile names, or from the operating system's keyring.
package credentials

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/zalando/go-keyring"
	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/fuzzy"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// FileName is the profiles file in the user's configuration folder
// (os.UserConfigDir()/zoombulk/profiles.yaml).
const FileName = "profiles.yaml"

// KeyringService is the service name secrets are kept under in the
// keyring; the user name is the profile's.
const KeyringService = "zoombulk"

// Profile is one named account.
type Profile struct {
	Name      string `yaml:"-"`
	AccountID string `yaml:"account_id"`
	ClientID  string `yaml:"client_id"`
	APIURL    string `yaml:"api_url,omitempty"`
	OAuthURL  string `yaml:"oauth_url,omitempty"`
	// SecretEnv names the environment variable that holds the client
	// secret; Keyring says the secret is in the OS keyring instead.
	SecretEnv string `yaml:"secret_env,omitempty"`
	Keyring   bool   `yaml:"keyring,omitempty"`
	// Tier is the account's plan (free, pro, business) whose rate limits
	// the client keeps to when --tier is not given; "" is --tier's default.
	Tier string `yaml:"tier,omitempty"`
}

// SecretSource says where the profile's secret comes from, for people.
func (p Profile) SecretSource() string {
	if p.Keyring {
		return "the keyring (service " + KeyringService + ", user " + p.Name + ")"
	}
	return "$" + p.SecretEnv
}

type file struct {
	Profiles map[string]*Profile `yaml:"profiles"`
}

// Keyring reads and stores secrets; the OS keyring by default, a map in
// tests.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
}

// OSKeyring is the operating system's keyring (Secret Service on Linux,
// Keychain on macOS, Credential Manager on Windows).
type OSKeyring struct{}

func (OSKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (OSKeyring) Set(service, user, secret string) error   { return keyring.Set(service, user, secret) }

// Error is a problem with a profile or the profiles file.
type Error struct {
	File string
	Msg  string
}

func (e *Error) Error() string {
	if e.File == "" {
		return e.Msg
	}
	return e.File + ": " + e.Msg
}

// Path is the profiles file under the configuration folder dir.
func Path(dir string) string { return filepath.Join(dir, "zoombulk", FileName) }

// secretKeys are keys that would hold a secret in plain text.
var secretKeys = regexp.MustCompile(`(?m)^\s+(client_secret|secret|password|token)\s*:`)

// Load reads the profiles file (none: an empty list).
func Load(path string) (map[string]*Profile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]*Profile{}, nil
	}
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	if err := checkPrivate(path); err != nil {
		return nil, err
	}
	if m := secretKeys.FindSubmatch(data); m != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("a profile holds %q in plain text: remove it, and name an environment variable (secret_env) or use the keyring (keyring: true)", m[1])}
	}
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, &Error{File: path, Msg: "not a profiles file: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	out := map[string]*Profile{}
	for name, p := range f.Profiles {
		if p == nil {
			p = &Profile{}
		}
		p.Name = name
		out[name] = p
	}
	return out, nil
}

// checkPrivate refuses a profiles file that others may write: a profile
// names the API and OAuth hosts the client secret is sent to, so whoever
// can edit the file can have the secret sent to a host of theirs. Windows
// has no such mode bits.
func checkPrivate(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return &Error{File: path, Msg: err.Error()}
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		who := "its group"
		if perm&0o002 != 0 {
			who = "everyone"
		}
		return &Error{File: path, Msg: fmt.Sprintf("the profiles file can be changed by %s (mode %04o): whoever can edit it can send your client secret to another host; make it yours alone: chmod go-w %s", who, perm, shellQuote(path))}
	}
	return nil
}

// shellQuote quotes a path for a command line the user copies.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Names lists the profiles in order.
func Names(ps map[string]*Profile) []string {
	var out []string
	for n := range ps {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Find returns the named profile, or an *Error naming the closest one.
func Find(path, name string) (*Profile, error) {
	ps, err := Load(path)
	if err != nil {
		return nil, err
	}
	p, ok := ps[name]
	if !ok {
		msg := fmt.Sprintf("no profile %q", name)
		if near := fuzzy.Closest(name, Names(ps), 1); len(near) > 0 {
			msg += fmt.Sprintf(" (did you mean %q?)", near[0])
		}
		if len(ps) == 0 {
			msg += "; there are no profiles yet: zoombulk auth profile add " + name + " --account-id ... --client-id ... --secret-env VAR"
		} else {
			msg += "; the profiles are " + strings.Join(Names(ps), ", ")
		}
		return nil, &Error{File: path, Msg: msg}
	}
	if err := p.check(); err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	return p, nil
}

func (p *Profile) check() error {
	var missing []string
	if p.AccountID == "" {
		missing = append(missing, "account_id")
	}
	if p.ClientID == "" {
		missing = append(missing, "client_id")
	}
	if len(missing) > 0 {
		return fmt.Errorf("profile %q lacks %s", p.Name, strings.Join(missing, " and "))
	}
	// The client reads the tier with zoom.LookupTier: the check is its own.
	if _, err := zoom.LookupTier(p.Tier); err != nil {
		return fmt.Errorf("profile %q: %w", p.Name, err)
	}
	if (p.SecretEnv == "") == !p.Keyring {
		return fmt.Errorf("profile %q must name where its secret is: secret_env: VARIABLE, or keyring: true", p.Name)
	}
	return nil
}

// Secret reads the profile's client secret from its environment variable
// or the keyring. Errors name the place, never the secret.
func (p *Profile) Secret(getenv func(string) string, kr Keyring) (string, error) {
	if p.Keyring {
		if kr == nil {
			kr = OSKeyring{}
		}
		s, err := kr.Get(KeyringService, p.Name)
		if err != nil {
			return "", &Error{Msg: fmt.Sprintf("profile %q: reading the secret from the keyring: %v (store it with zoombulk auth profile add %s --keyring)", p.Name, err, p.Name)}
		}
		return s, nil
	}
	s := strings.TrimSpace(getenv(p.SecretEnv))
	if s == "" {
		return "", &Error{Msg: fmt.Sprintf("profile %q: the environment variable %s that holds its secret is not set", p.Name, p.SecretEnv)}
	}
	return s, nil
}

// Save adds or replaces a profile in the file, which is written with
// owner-only permissions. A secret is never written: p has none.
func Save(path string, p *Profile) error {
	if err := p.check(); err != nil {
		return &Error{File: path, Msg: err.Error()}
	}
	ps, err := Load(path)
	if err != nil {
		return err
	}
	ps[p.Name] = p
	data, err := yaml.Marshal(file{Profiles: ps})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return &Error{File: path, Msg: err.Error()}
	}
	head := []byte("# zoombulk account profiles: no secrets here (secret_env names a variable; keyring: true uses the OS keyring)\n")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(head, data...), 0o600); err != nil {
		return &Error{File: path, Msg: err.Error()}
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return &Error{File: path, Msg: err.Error()}
	}
	return nil
}
