package zoom_test

// Helpers of the client's request contract (contract_test.go): the checks
// the OpenAPI file is too loose to make by itself. Finding and loading
// Zoom's published OpenAPI file and the text reference, and the validation
// options, are in package apispec, shared with the sandbox's contract test.

import (
	"slices"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

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
