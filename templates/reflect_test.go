package templates

import "reflect"

// fieldNames lists the exported fields of a struct value, embedded ones
// flattened.
func fieldNames(v any) []string {
	var out []string
	t := reflect.TypeOf(v)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Anonymous {
			out = append(out, fieldNames(reflect.Zero(f.Type).Interface())...)
			continue
		}
		out = append(out, f.Name)
	}
	return out
}
