package zoom_test

// Helpers of the client's request contract (contract_test.go): finding and
// loading Zoom's published OpenAPI file and the text reference, and the
// checks the OpenAPI file is too loose to make by itself.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

const (
	specName      = "ZoomUserAPISpec.json"
	referenceName = "users-api-reference.txt"
	// specDirEnv overrides where the two files are looked for.
	specDirEnv = "ZOOMBULK_ZOOM_API_DIR"
)

// zoomAPIFile finds one of the files of shared/zoom-api. They are not part of
// the project and must not be copied into it: the tests read them from the
// directory "shared/zoom-api" that sits next to the repository (from this
// package, ../../../shared/zoom-api), found by walking up from the working
// directory so that a checkout anywhere works. Without them (CI, a fresh
// clone) the contract tests are skipped, not failed.
func zoomAPIFile(t *testing.T, name string) string {
	t.Helper()
	if dir := os.Getenv(specDirEnv); dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s=%s but %s is not there: %v", specDirEnv, dir, name, err)
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
	t.Skipf("contract test skipped: shared/zoom-api/%s not found next to the repository (looked upwards from %s; set %s to its directory)", name, wd, specDirEnv)
	return ""
}

// specCache holds the parsed spec: parsing 850 kB is most of the cost of
// these tests (~0.6 s under -race), so it is done once per package.
var specCache struct {
	once sync.Once
	doc  *openapi3.T
	err  error
}

// loadSpec returns Zoom's OpenAPI document with its servers entry replaced
// by serverURL (the spec's own is https://api.zoom.us/v2, which the router
// would otherwise require every request to be addressed to), and a router
// over it. Each call gets its own copy of the document's top level, so
// routers with different servers do not interfere; the paths and schemas
// below are shared and only read.
func loadSpec(t *testing.T, serverURL string) (*openapi3.T, routers.Router) {
	t.Helper()
	path := zoomAPIFile(t, specName)
	specCache.once.Do(func() {
		specCache.doc, specCache.err = openapi3.NewLoader().LoadFromFile(path)
	})
	if specCache.err != nil {
		t.Fatalf("kin-openapi cannot load %s: %v", path, specCache.err)
	}
	doc := *specCache.doc
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

// validationOptions are the options of every ValidateRequest here.
//
// Where the spec and the text reference differ in strictness, the choice is
// made per case, in favour of the reference, and never by loosening the
// validator as a whole:
//   - security: not validated (NoopAuthenticationFunc). The spec's
//     oauth2/apiKey schemes describe Zoom's real OAuth; the sandbox checks its
//     own tokens.
//   - format date-time: checked (kin-openapi's default); the reference gives
//     the same fields format:date-time.
//   - format email: checked, for these validations only (kin-openapi leaves
//     it unchecked unless told; setting it globally would affect other
//     tests). Spec and reference agree on the fields: users[].email, manager.
//     The reference's prose adds that PATCH manager may be a display name;
//     the client passes the caller's value through, and the test sends an
//     address, which both accept.
//   - format password: unknown to kin-openapi and ignored; its minLength 8
//     and maxLength 32 (the reference's too) are checked.
//   - additionalProperties: the spec never forbids extra fields, so
//     undeclaredFields (below) refuses body fields the spec does not name,
//     unless the reference documents them (referenceOnlyFields).
//   - enums: stripped from the spec; restored by hand from the reference
//     (requestEnums).
func validationOptions() *openapi3filter.Options {
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

// undeclaredFields lists the JSON object keys of v that schema s does not
// declare, as dotted paths ("user_info.division_ids", "users[].id"). The
// spec's schemas never say additionalProperties: false, so a misspelt field
// would pass ValidateRequest and be silently ignored by Zoom; the client's
// bodies must use only the spec's names, or a name the text reference adds
// (allow). Objects whose schema declares no properties are free-form.
func undeclaredFields(s *openapi3.Schema, v any, path string, allow []string) []string {
	if s == nil {
		return nil
	}
	var out []string
	switch v := v.(type) {
	case map[string]any:
		props := schemaProperties(s)
		if len(props) == 0 {
			return nil
		}
		for k, child := range v {
			p := k
			if path != "" {
				p = path + "." + k
			}
			ps, ok := props[k]
			if !ok {
				if !slices.Contains(allow, p) {
					out = append(out, p)
				}
				continue
			}
			out = append(out, undeclaredFields(ps, child, p, allow)...)
		}
	case []any:
		items := schemaItems(s)
		for _, child := range v {
			out = append(out, undeclaredFields(items, child, path+"[]", allow)...)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func schemaProperties(s *openapi3.Schema) map[string]*openapi3.Schema {
	props := map[string]*openapi3.Schema{}
	for k, ref := range s.Properties {
		if ref != nil {
			props[k] = ref.Value
		}
	}
	for _, sub := range append(slices.Clone(s.AllOf), append(s.OneOf, s.AnyOf...)...) {
		if sub != nil && sub.Value != nil {
			for k, v := range schemaProperties(sub.Value) {
				props[k] = v
			}
		}
	}
	return props
}

func schemaItems(s *openapi3.Schema) *openapi3.Schema {
	if s.Items != nil {
		return s.Items.Value
	}
	return nil
}

// valuesAt collects the values at a dotted path of a decoded JSON value;
// "x[]" walks every item of array x. The path "" is v itself.
func valuesAt(v any, path string) []any {
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
		return valuesAt(child, rest)
	}
	arr, _ := child.([]any)
	var out []any
	for _, it := range arr {
		out = append(out, valuesAt(it, rest)...)
	}
	return out
}

// decodeJSON decodes b keeping numbers as json.Number, so that 2 and "2"
// stay apart and big IDs keep their digits.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
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

// referenceExample is the JSON example the text reference gives in the
// section of an operation (title as the reference spells it, e.g. "Create a
// division"): after "Request Body" (request) or after "Status: <status>"
// (response).
func referenceExample(t *testing.T, title, after string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(zoomAPIFile(t, referenceName))
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
	v, err := decodeJSON([]byte(strings.Join(lines[i+1:], "\n")))
	if err != nil {
		t.Fatalf("reference: example of %q after %q: %v", title, after, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("reference: example of %q after %q is a %s, want an object", title, after, jsonKind(v))
	}
	return obj
}
