package zoomtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// specName is Zoom's published OpenAPI file of the Users API, looked for in
// shared/zoom-api next to the repository; it is not part of the project.
const (
	specName = "ZoomUserAPISpec.json"
	dirEnv   = "ZOOMBULK_ZOOM_API_DIR"
)

// strictHost is where the validator pretends every request went, so that
// one router serves sandboxes on any port.
const strictHost = "sandbox.invalid"

// SpecPath finds Zoom's OpenAPI file: in $ZOOMBULK_ZOOM_API_DIR when set,
// else in shared/zoom-api of the working directory or any directory above
// it. "" when it is not there (a fresh clone, CI).
func SpecPath() string {
	if dir := os.Getenv(dirEnv); dir != "" {
		p := filepath.Join(dir, specName)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		return ""
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "shared", "zoom-api", specName)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

var strict struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// StrictValidator returns the check NewTestServer installs as
// sandbox.Options.ValidateRequest: the request's parameters and JSON or
// multipart body against the operation of Zoom's OpenAPI file, with
// kin-openapi, plus what the file's schemas leave open, since Zoom's
// schemas never forbid other properties: a body field the operation does
// not have is refused, and so is a query parameter it does not have.
// Routes the file does not describe (divisions) pass. It returns nil, nil
// when the file is absent. The file is parsed once per test binary.
func StrictValidator() (func(*http.Request, []byte) error, error) {
	path := SpecPath()
	if path == "" {
		return nil, nil
	}
	strict.once.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromFile(path)
		if err != nil {
			strict.err = fmt.Errorf("kin-openapi cannot load %s: %w", path, err)
			return
		}
		narrowSettingsBody(doc)
		addReferenceFields(doc)
		doc.Servers = openapi3.Servers{{URL: "http://" + strictHost + "/v2"}}
		r, err := legacy.NewRouter(doc)
		if err != nil {
			strict.err = fmt.Errorf("router over %s: %w", path, err)
			return
		}
		strict.doc, strict.router = doc, r
	})
	if strict.err != nil {
		return nil, strict.err
	}
	return validateRequest, nil
}

// narrowSettingsBody picks, for the body of PATCH /users/{userId}/settings
// (and of a group's settings and locked settings), the alternative of its
// oneOf that holds the settings sections: the others are the bodies of the
// ?option= variants, and as none has a required field any object would
// match several and the oneOf could never pass.
func narrowSettingsBody(doc *openapi3.T) {
	for _, path := range []string{"/users/{userId}/settings", "/groups/{groupId}/settings", "/groups/{groupId}/lock_settings"} {
		pi := doc.Paths.Value(path)
		if pi == nil || pi.Patch == nil || pi.Patch.RequestBody == nil || pi.Patch.RequestBody.Value == nil {
			continue
		}
		mt := pi.Patch.RequestBody.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			continue
		}
		for _, alt := range mt.Schema.Value.OneOf {
			if alt.Value != nil && alt.Value.Properties["recording"] != nil {
				mt.Schema = alt
				break
			}
		}
	}
}

// referenceFields are body fields the text reference documents and the
// OpenAPI file (March 2025) lacks: requests may carry them.
var referenceFields = []struct {
	path, method, field string
	schema              *openapi3.Schema
}{
	{"/users", "POST", "user_info.division_ids", openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema())}, // Create users
	{"/users/{userId}", "PATCH", "division_ids", openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema())}, // Update a user
	{"/users/features", "POST", "subscription_id", openapi3.NewStringSchema()},                                    // Bulk update features for users
}

// addReferenceFields adds referenceFields to the loaded document (in memory;
// the file is untouched).
func addReferenceFields(doc *openapi3.T) {
	for _, f := range referenceFields {
		pi := doc.Paths.Value(f.path)
		if pi == nil || pi.GetOperation(f.method) == nil || pi.GetOperation(f.method).RequestBody == nil {
			continue
		}
		mt := pi.GetOperation(f.method).RequestBody.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil {
			continue
		}
		sc := mt.Schema.Value
		parts := strings.Split(f.field, ".")
		for _, p := range parts[:len(parts)-1] {
			props, _, _ := properties(sc)
			if sc = props[p]; sc == nil {
				break
			}
		}
		if sc == nil {
			continue
		}
		if sc.Properties == nil {
			sc.Properties = openapi3.Schemas{}
		}
		if _, ok := sc.Properties[parts[len(parts)-1]]; !ok {
			sc.Properties[parts[len(parts)-1]] = openapi3.NewSchemaRef("", f.schema)
		}
	}
}

func strictOptions() *openapi3filter.Options {
	o := &openapi3filter.Options{
		AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
		MultiError:                        true,
		RejectWhenRequestBodyNotSpecified: true,
	}
	o.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		v, _ := json.Marshal(err.Value)
		if len(v) > 120 {
			v = append(v[:120], "…"...)
		}
		reason := err.Reason
		if reason == "" && err.Origin != nil {
			reason = err.Origin.Error()
		}
		return fmt.Sprintf("%q: %s (value %s)", strings.Join(err.JSONPointer(), "."), reason, v)
	})
	return o
}

func validateRequest(r *http.Request, body []byte) error {
	u := *r.URL
	u.Scheme, u.Host = "http", strictHost
	req := r.Clone(context.Background())
	req.URL, req.Host = &u, strictHost
	req.RequestURI = ""
	req.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	route, pathParams, err := strict.router.FindRoute(req)
	if err != nil {
		return nil // not an operation of the file (divisions): nothing to check against
	}
	var problems []string
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route, Options: strictOptions()}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		problems = append(problems, flatten(err)...)
	}
	problems = append(problems, unknownQuery(route, r.URL.Query())...)
	if len(body) > 0 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		problems = append(problems, unknownBodyFields(route, body)...)
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "; "))
}

// flatten turns kin-openapi's multi-errors into one line each.
func flatten(err error) []string {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []string
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		where := "body"
		if re.Parameter != nil {
			where = re.Parameter.In + " parameter " + re.Parameter.Name
		}
		if re.Err != nil {
			var inner openapi3.MultiError
			if errors.As(re.Err, &inner) {
				var out []string
				for _, e := range inner {
					out = append(out, where+": "+e.Error())
				}
				return out
			}
			return []string{where + ": " + re.Err.Error()}
		}
		return []string{where + ": " + re.Reason}
	}
	return []string{err.Error()}
}

func unknownQuery(route *routers.Route, q url.Values) []string {
	known := map[string]bool{}
	for _, ps := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range ps {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				known[p.Value.Name] = true
			}
		}
	}
	var out []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	}) {
		if !known[k] {
			out = append(out, fmt.Sprintf("query parameter %q is not one the operation has", k))
		}
	}
	return out
}

func unknownBodyFields(route *routers.Route, body []byte) []string {
	rb := route.Operation.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	mt := rb.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil // kin-openapi has said so
	}
	var out []string
	walkUnknown(v, mt.Schema.Value, "", &out)
	return out
}

// walkUnknown reports the object keys in v that schema s does not name,
// looking through allOf/oneOf/anyOf. An object schema with no properties at
// all, or one that allows additional properties by schema, is free-form.
func walkUnknown(v any, s *openapi3.Schema, path string, out *[]string) {
	if s == nil {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		props, extra, any := properties(s)
		if len(props) == 0 && extra == nil && any {
			return
		}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range v {
				if !yield(k) {
					return
				}
			}
		}) {
			child := path + k
			if ps, ok := props[k]; ok {
				walkUnknown(v[k], ps, child+".", out)
				continue
			}
			if extra != nil {
				walkUnknown(v[k], extra, child+".", out)
				continue
			}
			*out = append(*out, fmt.Sprintf("body field %q is not in Zoom's schema for this operation", strings.TrimSuffix(child, ".")))
		}
	case []any:
		for _, it := range v {
			for _, sc := range alternatives(s) {
				if sc.Items != nil && sc.Items.Value != nil {
					walkUnknown(it, sc.Items.Value, strings.TrimSuffix(path, ".")+"[].", out)
					break
				}
			}
		}
	}
}

// properties merges the properties of s and of its allOf/oneOf/anyOf.
// extra is the schema of additional properties, if one is given; free says
// that no schema in the set names a property (an open object).
func properties(s *openapi3.Schema) (props map[string]*openapi3.Schema, extra *openapi3.Schema, free bool) {
	props = map[string]*openapi3.Schema{}
	for _, sc := range alternatives(s) {
		for k, ref := range sc.Properties {
			if _, seen := props[k]; !seen && ref != nil {
				props[k] = ref.Value
			}
		}
		if ap := sc.AdditionalProperties.Schema; ap != nil && ap.Value != nil && extra == nil {
			extra = ap.Value
		}
	}
	return props, extra, len(props) == 0
}

func alternatives(s *openapi3.Schema) []*openapi3.Schema {
	out := []*openapi3.Schema{s}
	for _, set := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, ref := range set {
			if ref != nil && ref.Value != nil {
				out = append(out, alternatives(ref.Value)...)
			}
		}
	}
	return out
}
