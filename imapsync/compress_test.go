package imapsync

import (
	"bufio"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestWantCompress(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:993", false},
		{"[::1]:993", false},
		{"10.1.2.3:993", false},
		{"172.16.0.1:993", false},
		{"192.168.1.10:993", false},
		{"[fe80::1]:993", false},
		{"[fd00::1]:993", false},
		{"[::ffff:192.168.1.10]:993", false},
		{"93.184.216.34:993", true},
		{"[2a00:1450:400c:c06::6c]:993", true},
	} {
		addr, err := net.ResolveTCPAddr("tcp", tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := wantCompress(CompressAuto, addr); got != tc.want {
			t.Errorf("auto, %s: %v, want %v", tc.addr, got, tc.want)
		}
		if got := wantCompress("", addr); got != tc.want {
			t.Errorf("unset, %s: %v, want %v", tc.addr, got, tc.want)
		}
		if !wantCompress(CompressAlways, addr) || wantCompress(CompressNever, addr) {
			t.Errorf("%s: always or never ignored", tc.addr)
		}
	}
}

// compressServer is a scripted IMAP server on loopback that offers
// COMPRESS=DEFLATE after LOGIN and answers COMPRESS as answer says:
// "OK", "NO", "untagged" (an untagged line first, then OK) or "" (never).
// Then it answers every command with OK, compressed after an OK. It
// reports what it read after COMPRESS on got.
func compressServer(t *testing.T, answer string) (addr string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	lines := make(chan string, 10)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		var w io.Writer = c
		say := func(s string) {
			io.WriteString(w, s+"\r\n")
			if fw, ok := w.(*flate.Writer); ok {
				fw.Flush()
			}
		}
		say("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready")
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		tag, _, _ := strings.Cut(line, " ")
		say(tag + " OK [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] logged in")
		if line, err = br.ReadString('\n'); err != nil {
			return
		}
		tag, cmd, _ := strings.Cut(strings.TrimSpace(line), " ")
		if cmd != "COMPRESS DEFLATE" {
			lines <- "unexpected: " + line
			return
		}
		var r *bufio.Reader = br
		switch answer {
		case "":
			time.Sleep(time.Minute)
			return
		case "NO":
			say(tag + " NO [COMPRESSIONACTIVE] not now")
		case "untagged":
			say("* OK still here")
			fallthrough
		case "OK":
			say(tag + " OK DEFLATE active")
			r = bufio.NewReader(flate.NewReader(br))
			fw, _ := flate.NewWriter(c, flate.DefaultCompression)
			w = fw
		}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			lines <- strings.TrimSpace(line)
			tag, _, _ := strings.Cut(line, " ")
			say(tag + " OK done")
		}
	}()
	return ln.Addr().String(), lines
}

func TestCompressAnswers(t *testing.T) {
	for _, tc := range []struct {
		answer     string
		compressed bool
	}{
		{"OK", true},
		{"untagged", true},
		{"NO", false},
	} {
		t.Run(tc.answer, func(t *testing.T) {
			addr, got := compressServer(t, tc.answer)
			a := &Account{
				Name: "work", Addr: addr, Security: None, Username: "jane", Compress: CompressAlways,
				Secret:         func(context.Context) (string, error) { return "secret", nil },
				CommandTimeout: 5 * time.Second,
			}
			c, err := Connect(context.Background(), a, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Compressed != tc.compressed {
				t.Errorf("Compressed = %v, want %v", c.Compressed, tc.compressed)
			}
			// The connection goes on, compressed or not: the server
			// reads the command (inflated) and go-imap its answer.
			if err := c.Noop().Wait(); err != nil {
				t.Fatalf("NOOP: %v", err)
			}
			select {
			case line := <-got:
				if !strings.HasSuffix(line, " NOOP") {
					t.Errorf("the server read %q, want a NOOP", line)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the server read nothing")
			}
		})
	}
}

// A server that never answers COMPRESS is a stall, named.
func TestCompressStalls(t *testing.T) {
	addr, _ := compressServer(t, "")
	a := &Account{
		Name: "work", Addr: addr, Security: None, Username: "jane", Compress: CompressAlways,
		Secret:         func(context.Context) (string, error) { return "secret", nil },
		CommandTimeout: 300 * time.Millisecond,
	}
	start := time.Now()
	_, err := Connect(context.Background(), a, nil)
	want := fmt.Sprintf("no answer to COMPRESS DEFLATE for %s", a.CommandTimeout)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Connect took %v", d)
	}
}

// Stored blocks inflate to what was written, each write readable in full
// as soon as it is written (no final block), at any size.
func TestAppendStored(t *testing.T) {
	pr, pw := io.Pipe()
	in := flate.NewReader(pr)
	for _, n := range []int{1, 17, 0xffff, 0x10000, 200_000} {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(i*7 + n)
		}
		go pw.Write(appendStored(nil, p))
		got := make([]byte, n)
		if _, err := io.ReadFull(in, got); err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if string(got) != string(p) {
			t.Fatalf("%d bytes: inflated to other bytes", n)
		}
	}
	if b := appendStored(nil, nil); string(b) != "\x00\x00\x00\xff\xff" {
		t.Errorf("nothing written as %x, want the sync flush's empty block", b)
	}
}
