package main

import (
	"bufio"
	"context"
	"strings"
	"testing"
	"time"

	"brs/syncgen/v1sync"

	"connectrpc.com/connect"
)

// lineWriter hands each printed line to a channel.
type lineWriter struct{ lines chan string }

func (w *lineWriter) Write(p []byte) (int, error) {
	sc := bufio.NewScanner(strings.NewReader(string(p)))
	for sc.Scan() {
		w.lines <- sc.Text()
	}
	return len(p), nil
}

// startImpostor runs serveImpostor for dials streams; it returns the URL and
// the printed lines.
func startImpostor(t *testing.T, silent bool, dials int) (string, chan string, chan error) {
	t.Helper()
	w := &lineWriter{lines: make(chan string, 64)}
	cfg := hubConfig{listen: "127.0.0.1:0", seed: seedOf(0xBB), instance: "hub", silent: silent, dials: dials}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- serveImpostor(ctx, cfg, w) }()
	first := nextLine(t, w.lines)
	addr, ok := strings.CutPrefix(first, "listening ")
	if !ok {
		t.Fatalf("first line %q", first)
	}
	return "http://" + addr, w.lines, done
}

func nextLine(t *testing.T, lines chan string) string {
	t.Helper()
	select {
	case l := <-lines:
		return l
	case <-time.After(30 * time.Second):
		t.Fatal("no line from the impostor within 30 s")
	}
	return ""
}

// A client that sends its handshake at once (as syncpeer's client does, and
// as Backrest's does) gives the impostor its pairing secret; the summary
// counts it, and the impostor exits after --dials streams.
func TestImpostorRecordsEagerClients(t *testing.T) {
	for _, silent := range []bool{false, true} {
		url, lines, done := startImpostor(t, silent, 2)
		cfg := clientCfg(url)
		cfg.pairingSecret = "0123abcd"
		if _, err := runAgainst(t, cfg); codeOf(err) != connect.CodePermissionDenied {
			t.Errorf("silent=%v: the client ended with %v, want permission_denied", silent, err)
		}
		if l := nextLine(t, lines); !strings.HasPrefix(l, "dial 1 handshake=yes secret=yes") {
			t.Errorf("silent=%v: %q", silent, l)
		}
		cfg.pairingSecret = ""
		runAgainst(t, cfg)
		if l := nextLine(t, lines); !strings.HasPrefix(l, "dial 2 handshake=yes secret=no") {
			t.Errorf("silent=%v: %q", silent, l)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if a, b := nextLine(t, lines), nextLine(t, lines); a != "handshakes_received 2" || b != "secrets_received 1" {
			t.Errorf("silent=%v: summary %q %q", silent, a, b)
		}
	}
}

// A client that only runs the key exchange, reads what the impostor sends
// and leaves: the impostor's handshake (if any) verifies under its own key
// and the claimed instance, and the stream is recorded without a handshake.
func TestImpostorRecordsCarefulClients(t *testing.T) {
	for _, silent := range []bool{false, true} {
		url, lines, done := startImpostor(t, silent, 1)
		hc, err := newHTTPClient(url)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		client := connect.NewClient[v1sync.SyncStreamItem, v1sync.SyncStreamItem](hc, url+syncProcedure)
		stream := client.CallBidiStream(ctx)
		kex, hello, err := newClientKEX()
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.Send(hello); err != nil {
			t.Fatal(err)
		}
		reply, err := stream.Receive()
		if err != nil {
			t.Fatal(err)
		}
		ch, err := kex.finish(reply)
		if err != nil {
			t.Fatal(err)
		}
		if !silent {
			outer, err := stream.Receive()
			if err != nil {
				t.Fatal(err)
			}
			item, err := ch.open(outer)
			if err != nil {
				t.Fatal(err)
			}
			hs, err := verifyHandshake(item, ch.transcript)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := identityFromSeed(seedOf(0xBB))
			if hs.GetPublicKey().GetKeyid() != want.keyID || hs.GetInstanceId() != "hub" || hs.GetPairingSecret() != "" {
				t.Errorf("impostor handshake %s/%s", hs.GetPublicKey().GetKeyid(), hs.GetInstanceId())
			}
		}
		stream.CloseRequest()
		if _, err := stream.Receive(); !isEOF(err) {
			t.Errorf("silent=%v: the impostor ended a stream without a handshake with %v, want OK", silent, err)
		}
		cancel()
		if l := nextLine(t, lines); !strings.HasPrefix(l, "dial 1 handshake=no secret=no") {
			t.Errorf("silent=%v: %q", silent, l)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if a, b := nextLine(t, lines), nextLine(t, lines); a != "handshakes_received 0" || b != "secrets_received 0" {
			t.Errorf("silent=%v: summary %q %q", silent, a, b)
		}
	}
}

func TestHubCLI(t *testing.T) {
	if rc := run([]string{"hub", "--identity-seed", "abcd", "--instance", "hub"}); rc != 2 {
		t.Fatalf("short seed: rc %d", rc)
	}
	if rc := run([]string{"hub", "--identity-seed", strings.Repeat("ab", 32)}); rc != 2 {
		t.Fatalf("no instance: rc %d", rc)
	}
}
