package imapsync

import (
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/rekindle/rekindle"
)

// checkOwnsStrings fails t when a string of m (any, found by reflection,
// so a field added later is checked too) points into section: the sync
// parses each message where the fetch read it, and the next message
// overwrites those bytes.
func checkOwnsStrings(t *testing.T, m *rekindle.Message, section []byte) {
	t.Helper()
	if len(section) == 0 {
		return
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(section)))
	hi := lo + uintptr(len(section))
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			s := v.String()
			if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); len(s) > 0 && p >= lo && p < hi {
				t.Errorf("%s (%q) points into the header section: it is not copied (compact)", path, s)
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(path+"["+strconv.Itoa(i)+"]", v.Index(i))
			}
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		}
	}
	walk("Message", reflect.ValueOf(m).Elem())
}

// TestParseMessageOwnsStrings parses every header section of a generated
// mailbox (hostile headers included) from one reused buffer, as a sync
// does: no string of a message may point into that buffer, and what a
// message holds must not change when the next ones are parsed (the
// buffer, and the one folded lines are joined in, overwritten).
func TestParseMessageOwnsStrings(t *testing.T) {
	when := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var (
		buf   []byte
		prev  []rekindle.Message
		snaps []string
	)
	for i, s := range headerSections(t, 3000) {
		buf = append(buf[:0], s...)
		m := parseMessage(uint32(i+1), when, buf)
		checkOwnsStrings(t, &m, buf)
		if t.Failed() {
			t.Fatalf("in message %d:\n%s", i+1, s)
		}
		if own := parseMessage(uint32(i+1), when, []byte(s)); !reflect.DeepEqual(m, own) {
			t.Fatalf("message %d parses differently from a buffer of its own:\n%+v\n%+v", i+1, m, own)
		}
		prev, snaps = append(prev, m), append(snaps, fmt.Sprintf("%#v", m))
	}
	for i := range prev {
		if got := fmt.Sprintf("%#v", prev[i]); got != snaps[i] {
			t.Fatalf("message %d changed as the next ones were parsed:\n%s\nwas\n%s", i+1, got, snaps[i])
		}
	}
}
