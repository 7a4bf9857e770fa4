package chromium

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestCropFile(t *testing.T) {
	bg := color.RGBA{0xf4, 0xf1, 0xec, 0xff}
	img := image.NewRGBA(image.Rect(0, 0, 50, 1000))
	for y := 0; y < 1000; y++ {
		for x := 0; x < 50; x++ {
			img.Set(x, y, bg)
		}
	}
	img.Set(10, 199, color.Black) // the last row of content
	p := filepath.Join(t.TempDir(), "shot.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := cropFile(p, 24); err != nil {
		t.Fatal(err)
	}
	f, err = os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Height != 224 || cfg.Width != 50 {
		t.Errorf("cropped to %dx%d, want 50x224", cfg.Width, cfg.Height)
	}
}

func TestOwnHosts(t *testing.T) {
	for u, own := range map[string]bool{
		"https://update.googleapis.com/service/update2/json": true,
		"http://clients2.google.com/time/1/current":          true,
		"https://accounts.google.com/ListAccounts":           true,
		"https://example.com/x.png":                          false,
		"https://google.com.evil.example/x.png":              false,
		"https://notgoogle.com/x.png":                        false,
	} {
		if got := ownHosts.MatchString(u); got != own {
			t.Errorf("ownHosts(%s) = %v, want %v", u, got, own)
		}
	}
}
