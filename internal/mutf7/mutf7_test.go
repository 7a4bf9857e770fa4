package mutf7

import "testing"

func TestEncode(t *testing.T) {
	for in, want := range map[string]string{"INBOX": "INBOX", "Lists/golang-nuts": "Lists/golang-nuts", "A&B": "A&-B", "Entwürfe": "Entw&APw-rfe", "日本語": "&ZeVnLIqe-"} {
		if got := Encode(in); got != want {
			t.Errorf("Encode(%q) = %q, want %q", in, got, want)
		}
	}
}
