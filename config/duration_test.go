package config

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"14d", 14 * 24 * time.Hour, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"36h", 36 * time.Hour, ""},
		{"90m", 90 * time.Minute, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"0", 0, ""},
		{"0d", 0, ""},
		{" 15m ", 15 * time.Minute, ""},
		{"", 0, "empty duration"},
		{"14", 0, "use a number and a unit"},
		{"two weeks", 0, "use a number and a unit"},
		{"1.5d", 0, "days must be a whole number"},
		{"-1d", 0, "must not be negative"},
		{"-5m", 0, "must not be negative"},
		{"1d-5h", 0, "must not be negative"},
		{"999999d", 0, "too long"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseDuration(%q) = %v, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestDurationString(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{14 * 24 * time.Hour, "14d"},
		{24 * time.Hour, "1d"},
		{36 * time.Hour, "36h"},
		{6 * time.Hour, "6h"},
		{90 * time.Minute, "1h30m"},
		{15 * time.Minute, "15m"},
		{time.Hour + 30*time.Second, "1h0m30s"},
		{90 * time.Second, "1m30s"},
		{500 * time.Millisecond, "500ms"},
		{0, "0s"},
	}
	for _, tt := range tests {
		got := Duration(tt.in).String()
		if got != tt.want {
			t.Errorf("Duration(%v).String() = %q, want %q", tt.in, got, tt.want)
		}
		back, err := ParseDuration(got)
		if err != nil || back != tt.in {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v back", got, back, err, tt.in)
		}
	}
}

func TestDurationEncodings(t *testing.T) {
	type doc struct {
		D Duration `yaml:"d" json:"d"`
	}
	y, err := yaml.Marshal(doc{Duration(14 * 24 * time.Hour)})
	if err != nil || strings.TrimSpace(string(y)) != "d: 14d" {
		t.Errorf("yaml.Marshal = %q, %v; want d: 14d", y, err)
	}
	var back doc
	if err := yaml.Unmarshal(y, &back); err != nil || back.D.Std() != 14*24*time.Hour {
		t.Errorf("yaml.Unmarshal(%q) = %v, %v", y, back.D, err)
	}
	j, err := json.Marshal(doc{Duration(36 * time.Hour)})
	if err != nil || string(j) != `{"d":"36h"}` {
		t.Errorf("json.Marshal = %s, %v", j, err)
	}
	if err := json.Unmarshal([]byte(`{"d":"2d"}`), &back); err != nil || back.D.Std() != 48*time.Hour {
		t.Errorf("json.Unmarshal = %v, %v", back.D, err)
	}
}
