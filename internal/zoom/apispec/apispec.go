// Package apispec holds the helpers the contract tests share to read Zoom's
// reference files from ../shared (shared/zoom-api next to the repository:
// the published OpenAPI file and the text reference) and to validate against
// the OpenAPI spec with kin-openapi: finding and loading the files, a router
// over the spec, the validation options, and reading decoded JSON.
//
// Only tests import it: the client's request contract (package zoom) and the
// sandbox's response contract (package zoomtest).
package apispec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

const (
	// SpecName is Zoom's published OpenAPI file of the Users API.
	SpecName = "ZoomUserAPISpec.json"
	// ReferenceName is the text reference of the same API.
	ReferenceName = "users-api-reference.txt"
	// dirEnv overrides where the files are looked for.
	dirEnv = "ZOOMBULK_ZOOM_API_DIR"
)

// File finds one of the files of shared/zoom-api. They are not part of the
// project and must not be copied into it: the tests read them from the
// directory "shared/zoom-api" that sits next to the repository (from the
// tests of internal/zoom, ../../../shared/zoom-api; from those of
// internal/zoom/zoomtest, one level more), found by walking up from the
// test's working directory so that a checkout anywhere works. Without them (CI, a
// fresh clone) the contract tests are skipped, not failed, unless
// ZOOMBULK_REQUIRE_CONTRACT=1 (CI sets it): then they fail, so that a
// moved file cannot turn the contract off unnoticed.
func File(t testing.TB, name string) string {
	t.Helper()
	if dir := os.Getenv(dirEnv); dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			Missing(t, "%s=%s but %s is not there: %v", dirEnv, dir, name, err)
		}
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "shared", "zoom-api", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	Missing(t, "contract test skipped: shared/zoom-api/%s not found next to the repository (looked upwards from %s; set %s to its directory)", name, wd, dirEnv)
	return ""
}

// RequireEnv names the variable that turns a missing reference file from a
// skip into a failure.
const RequireEnv = "ZOOMBULK_REQUIRE_CONTRACT"

// Missing ends a contract test whose reference file is absent: a skip, or a
// failure when RequireEnv is "1".
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf(RequireEnv+"=1: "+format, args...)
	}
	t.Skipf(format, args...)
}

// A Loader loads the OpenAPI file once and hands out routers over it. Its
// cache holds the parsed spec: parsing 850 kB is most of the cost of the
// contract tests (~0.6 s under -race), so it is done once per Loader, that
// is once per test binary for Load.
type Loader struct {
	prepare func(*openapi3.T) error
	once    sync.Once
	doc     *openapi3.T
	err     error
}

// NewLoader returns a Loader that, once the file is parsed, passes the
// document to prepare (if not nil) before anything uses it: the place for a
// test's in-memory adjustment of the spec (the file is never touched). An
// error from prepare fails every Load as a load error would.
func NewLoader(prepare func(*openapi3.T) error) *Loader {
	return &Loader{prepare: prepare}
}

var plain = NewLoader(nil)

// Load is Loader.Load of the spec as published, unadjusted.
func Load(t testing.TB, serverURL string) (*openapi3.T, routers.Router) {
	t.Helper()
	return plain.Load(t, serverURL)
}

// Load returns Zoom's OpenAPI document with its servers entry replaced by
// serverURL (the spec's own is https://api.zoom.us/v2, which the router
// would otherwise require every request to be addressed to; the test's
// proxy or sandbox URL makes the router match the requests sent there), and
// a router over it. Each call gets its own copy of the document's top level,
// so routers with different servers do not interfere; the paths and schemas
// below are shared and only read. The test is skipped when the file is
// absent (File).
func (l *Loader) Load(t testing.TB, serverURL string) (*openapi3.T, routers.Router) {
	t.Helper()
	path := File(t, SpecName)
	l.once.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromFile(path)
		if err == nil && l.prepare != nil {
			err = l.prepare(doc)
		}
		l.doc, l.err = doc, err
	})
	if l.err != nil {
		t.Fatalf("kin-openapi cannot load %s: %v", path, l.err)
	}
	doc := *l.doc
	doc.Servers = openapi3.Servers{{URL: serverURL}}
	router, err := legacy.NewRouter(&doc)
	if err != nil {
		t.Fatalf("router over %s: %v", path, err)
	}
	return &doc, router
}

// validEmail is the check behind format "email". kin-openapi leaves the
// format unchecked unless told; the reference documents the fields the spec
// marks "email" as email addresses, so they are checked, but only through
// the options of these tests (never globally): a bare address, as
// net/mail reads one, with nothing around it.
func validEmail(v string) error {
	a, err := mail.ParseAddress(v)
	if err != nil {
		return fmt.Errorf("not an email address: %w", err)
	}
	if a.Address != v || a.Name != "" {
		return fmt.Errorf("%q is not a bare email address", v)
	}
	return nil
}

// ValidationOptions are the options of every ValidateRequest and
// ValidateResponse of the contract tests.
//
// Where the spec and the text reference differ in strictness, the choice is
// made per case, in favour of the reference, and never by loosening the
// validator as a whole:
//   - security: not validated (NoopAuthenticationFunc). The spec's
//     oauth2/apiKey schemes describe Zoom's real OAuth; the sandbox checks its
//     own tokens.
//   - format date-time: checked (kin-openapi's default); the reference gives
//     the same fields format:date-time (created_at, user_created_at,
//     last_login_time, added_at), and the sandbox writes RFC 3339.
//   - format email: checked, for these validations only (kin-openapi leaves
//     it unchecked unless told; setting it globally would affect other
//     tests). Spec and reference agree on the fields: users[].email and
//     manager are "format:email".
//   - format password: unknown to kin-openapi and ignored; its minLength 8
//     and maxLength 32 (the reference's too) are checked.
//   - enums: stripped from the spec; each test restores by hand, from the
//     reference, the ones it checks.
//
// The choices that concern only the requests or only the answers are noted
// in the tests that make them.
func ValidationOptions() *openapi3filter.Options {
	opts := &openapi3filter.Options{
		AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
		MultiError:                        true,
		IncludeResponseStatus:             true,
		RejectWhenRequestBodyNotSpecified: true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
				"email": openapi3.NewCallbackValidator(validEmail),
			}),
		},
	}
	opts.WithCustomSchemaErrorFunc(schemaErrorMessage)
	return opts
}

// schemaErrorMessage is a schema error as one line: where, why and the
// value, without the schema (which kin-openapi prints in full by default).
func schemaErrorMessage(err *openapi3.SchemaError) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(err.Value)
	value := bytes.TrimSpace(buf.Bytes())
	if len(value) > 200 {
		value = append(value[:200], "…"...)
	}
	reason := err.Reason
	switch {
	case reason != "":
	case err.Origin != nil:
		reason = err.Origin.Error()
	default:
		reason = fmt.Sprintf("does not match %q", err.SchemaField)
	}
	if err.Origin != nil && slices.Contains([]string{"allOf", "anyOf", "oneOf"}, err.SchemaField) {
		reason += ": " + err.Origin.Error() // which of the schemas failed, and why
	}
	return fmt.Sprintf("at %q: %s (value %s)", "/"+strings.Join(err.JSONPointer(), "/"), reason, value)
}

// ValuesAt collects the values at a dotted path ("users[].type") of a
// decoded JSON value; "x[]" walks every item of array x. The path "" is v
// itself.
func ValuesAt(v any, path string) []any {
	if path == "" {
		return []any{v}
	}
	head, rest, _ := strings.Cut(path, ".")
	each := strings.HasSuffix(head, "[]")
	head = strings.TrimSuffix(head, "[]")
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	child, ok := obj[head]
	if !ok {
		return nil
	}
	if !each {
		return ValuesAt(child, rest)
	}
	arr, _ := child.([]any)
	var out []any
	for _, it := range arr {
		out = append(out, ValuesAt(it, rest)...)
	}
	return out
}

// DecodeJSON decodes b keeping numbers as json.Number, so that 2 and "2"
// stay apart and big IDs keep their digits.
func DecodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// JSONKind names the JSON type of a decoded value.
func JSONKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// ReferenceExample is the JSON example the text reference gives in the
// section of an operation (title as the reference spells it, e.g. "Create a
// division"): the first after a line starting with after, "Request Body"
// (request) or "Status: <status>" (response). The test is skipped when the
// reference is absent (File).
func ReferenceExample(t testing.TB, title, after string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(File(t, ReferenceName))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	start := -1
	for i := 0; i+1 < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == title && strings.TrimSpace(lines[i+1]) == "- Method:" {
			start = i + 2
			break
		}
	}
	if start < 0 {
		t.Fatalf("reference: no section %q", title)
	}
	i := start
	for ; i < len(lines); i++ {
		if i+1 < len(lines) && strings.TrimSpace(lines[i+1]) == "- Method:" {
			t.Fatalf("reference: section %q has no %q", title, after)
		}
		if strings.HasPrefix(lines[i], after) {
			break
		}
	}
	for ; i < len(lines) && strings.TrimSpace(lines[i]) != "Example:"; i++ {
	}
	if i == len(lines) {
		t.Fatalf("reference: section %q has no example after %q", title, after)
	}
	v, err := DecodeJSON([]byte(strings.Join(lines[i+1:], "\n")))
	if err != nil {
		t.Fatalf("reference: example of %q after %q: %v", title, after, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("reference: example of %q after %q is a %s, want an object", title, after, JSONKind(v))
	}
	return obj
}

// SortedKeys returns the keys of m in order, for deterministic loops and
// messages.
func SortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
