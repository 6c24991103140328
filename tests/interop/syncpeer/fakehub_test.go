package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"brs/syncgen/v1sync"

	"connectrpc.com/connect"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

// fakeHub is a minimal hub for testing the client: it runs the responder side
// of §4 and §5 and Backrest's authorization rules, then counts what arrives.
type fakeHub struct {
	id       *identity
	instance string
	fault    string // "", "bad-sig", "wrong-transcript", "version", "replay", "plaintext", "pairing-secret", "reject-ops", "eof-unavailable"

	mu         sync.Mutex
	authorized map[string]string // key ID → instance ID
	pairing    []string          // accepted pairing secrets
	ops        int
	resources  int
	sessions   int
}

func seedOf(b byte) []byte {
	s := sha256.Sum256([]byte{b})
	return s[:]
}

func newFakeHub(t *testing.T, fault string) *fakeHub {
	id, err := identityFromSeed(seedOf(0xAA))
	if err != nil {
		t.Fatal(err)
	}
	return &fakeHub{id: id, instance: "hub", fault: fault, authorized: map[string]string{}}
}

func (h *fakeHub) authorize(hs *v1sync.SyncStreamItem_SyncActionHandshake) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	keyID := hs.GetPublicKey().GetKeyid()
	inst, ok := h.authorized[keyID]
	if !ok && hs.GetPairingSecret() != "" {
		for _, s := range h.pairing {
			if subtle.ConstantTimeCompare([]byte(s), []byte(hs.GetPairingSecret())) == 1 {
				h.authorized[keyID] = hs.GetInstanceId()
				inst, ok = hs.GetInstanceId(), true
				break
			}
		}
	}
	if !ok {
		return connect.NewError(connect.CodePermissionDenied, errors.New("client is not an authorized peer"))
	}
	if inst != hs.GetInstanceId() {
		return connect.NewError(connect.CodePermissionDenied, errors.New("instance ID mismatch"))
	}
	return nil
}

func (h *fakeHub) sync(ctx context.Context, stream *connect.BidiStream[v1sync.SyncStreamItem, v1sync.SyncStreamItem]) error {
	h.mu.Lock()
	h.sessions++
	h.mu.Unlock()
	first, err := stream.Receive()
	if err != nil {
		return err
	}
	reply, ch, err := hubAccept(first)
	if err != nil {
		return connect.NewError(connect.CodeInvalidArgument, err)
	}
	if err := stream.Send(reply); err != nil {
		return err
	}
	tr := ch.transcript
	if h.fault == "wrong-transcript" {
		tr = seedOf(1)
	}
	mine := makeHandshake(h.id, h.instance, "", tr, h.fault == "bad-sig")
	switch h.fault {
	case "version":
		mine.GetHandshake().ProtocolVersion = 2
	case "pairing-secret":
		mine = makeHandshake(h.id, h.instance, "hub-secret", tr, false)
	}
	var sealed *v1sync.SyncStreamItem
	if h.fault == "plaintext" {
		sealed = mine
	} else if sealed, err = ch.seal(mine); err != nil {
		return err
	}
	if err := stream.Send(sealed); err != nil {
		return err
	}
	outer, err := stream.Receive()
	if err != nil {
		return err
	}
	item, err := ch.open(outer)
	if err != nil {
		return connect.NewError(connect.CodeInvalidArgument, err)
	}
	hs, err := verifyHandshake(item, ch.transcript)
	if err != nil {
		return connect.NewError(connect.CodePermissionDenied, err)
	}
	if err := h.authorize(hs); err != nil {
		return err
	}
	cfg := &v1sync.SyncStreamItem{Action: &v1sync.SyncStreamItem_ReceiveConfig{
		ReceiveConfig: &v1sync.SyncStreamItem_SyncActionReceiveConfig{Config: &v1sync.RemoteConfig{Modno: 1}},
	}}
	if h.fault == "replay" {
		// Resend the handshake's ciphertext under its old nonce.
		if err := stream.Send(sealed); err != nil {
			return err
		}
	} else if out, err := ch.seal(cfg); err != nil {
		return err
	} else if err := stream.Send(out); err != nil {
		return err
	}
	for {
		outer, err := stream.Receive()
		if errors.Is(err, io.EOF) {
			if h.fault == "eof-unavailable" {
				return connect.NewError(connect.CodeUnavailable, errors.New("peer closed the stream"))
			}
			return nil
		}
		if err != nil {
			return err
		}
		item, err := ch.open(outer)
		if err != nil {
			return connect.NewError(connect.CodeInvalidArgument, err)
		}
		h.mu.Lock()
		switch a := item.GetAction().(type) {
		case *v1sync.SyncStreamItem_ReceiveResources:
			h.resources++
		case *v1sync.SyncStreamItem_ReceiveOperations:
			for _, op := range a.ReceiveOperations.GetEvent().GetCreatedOperations().GetOperations() {
				if op.GetInstanceId() != hs.GetInstanceId() || h.fault == "reject-ops" {
					h.mu.Unlock()
					return connect.NewError(connect.CodeInvalidArgument, errors.New("operation from another instance"))
				}
				h.ops++
			}
		}
		h.mu.Unlock()
	}
}

func (h *fakeHub) start(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(syncProcedure, connect.NewBidiStreamHandler(syncProcedure, h.sync))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h2c.NewHandler(mux, &http2.Server{})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func runAgainst(t *testing.T, cfg clientConfig) (*result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return runClient(ctx, cfg)
}

func clientCfg(url string) clientConfig {
	return clientConfig{url: url, seed: seedOf(0x01), instance: "laptop"}
}

func clientKeyID(t *testing.T) string {
	id, err := identityFromSeed(seedOf(0x01))
	if err != nil {
		t.Fatal(err)
	}
	return id.keyID
}

func TestHandshakeOK(t *testing.T) {
	hub := newFakeHub(t, "")
	hub.authorized[clientKeyID(t)] = "laptop"
	url := hub.start(t)
	cfg := clientCfg(url)
	cfg.expectHubKey = hub.id.keyID
	res, err := runAgainst(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.hubKeyID != hub.id.keyID || res.hubInstance != "hub" {
		t.Fatalf("hub %s/%s, want %s/hub", res.hubKeyID, res.hubInstance, hub.id.keyID)
	}
}

func TestHubRejects(t *testing.T) {
	for name, mutate := range map[string]func(*clientConfig, *fakeHub){
		"unknown key":        func(c *clientConfig, h *fakeHub) {},
		"instance mismatch":  func(c *clientConfig, h *fakeHub) { h.authorized[clientKeyID(t)] = "desktop" },
		"bad signature":      func(c *clientConfig, h *fakeHub) { h.authorized[clientKeyID(t)] = "laptop"; c.badSignature = true },
		"wrong pairing code": func(c *clientConfig, h *fakeHub) { h.pairing = []string{"right"}; c.pairingSecret = "wrong" },
	} {
		hub := newFakeHub(t, "")
		cfg := clientCfg(hub.start(t))
		mutate(&cfg, hub)
		_, err := runAgainst(t, cfg)
		if codeOf(err) != connect.CodePermissionDenied {
			t.Errorf("%s: want permission_denied, got %v", name, err)
		}
		var cerr *connect.Error
		if !errors.As(err, &cerr) {
			t.Errorf("%s: the code must come from the hub, got %v", name, err)
		}
	}
}

func TestPairing(t *testing.T) {
	hub := newFakeHub(t, "")
	hub.pairing = []string{"0123abcd"}
	cfg := clientCfg(hub.start(t))
	cfg.pairingSecret = "0123abcd"
	if _, err := runAgainst(t, cfg); err != nil {
		t.Fatal(err)
	}
	if hub.authorized[clientKeyID(t)] != "laptop" {
		t.Fatal("pairing did not authorize the client")
	}
	// Known now: a reconnect without the secret works.
	cfg.pairingSecret = ""
	if _, err := runAgainst(t, cfg); err != nil {
		t.Fatal(err)
	}
}

func TestClientRejectsHub(t *testing.T) {
	for fault, want := range map[string]connect.Code{
		"bad-sig":          connect.CodePermissionDenied,
		"wrong-transcript": connect.CodePermissionDenied, // a MITM's separate KEM
		"version":          connect.CodePermissionDenied,
		"pairing-secret":   connect.CodePermissionDenied,
		"replay":           connect.CodeInvalidArgument,
		"plaintext":        connect.CodeInvalidArgument,
	} {
		hub := newFakeHub(t, fault)
		hub.authorized[clientKeyID(t)] = "laptop"
		_, err := runAgainst(t, clientCfg(hub.start(t)))
		if got := codeOf(err); got != want {
			t.Errorf("hub fault %s: want %s, got %s (%v)", fault, want, got, err)
		}
	}
	hub := newFakeHub(t, "")
	hub.authorized[clientKeyID(t)] = "laptop"
	cfg := clientCfg(hub.start(t))
	cfg.expectHubKey = keyIDOf(seedOf(9))
	if _, err := runAgainst(t, cfg); codeOf(err) != connect.CodePermissionDenied {
		t.Errorf("unexpected hub key accepted: %v", err)
	}
}

func TestOps(t *testing.T) {
	hub := newFakeHub(t, "")
	hub.authorized[clientKeyID(t)] = "laptop"
	cfg := clientCfg(hub.start(t))
	cfg.ops = 250
	res, err := runAgainst(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hub.mu.Lock()
	defer hub.mu.Unlock()
	if hub.ops != 250 || hub.resources != 1 || res.hubItems != 1 || res.hubEnd != "ok" {
		t.Fatalf("hub got %d ops, %d resource lists; client got %d items, end %s", hub.ops, hub.resources, res.hubItems, res.hubEnd)
	}
}

func TestOpsHubEnds(t *testing.T) {
	for fault, wantErr := range map[string]bool{"eof-unavailable": false, "reject-ops": true} {
		hub := newFakeHub(t, fault)
		hub.authorized[clientKeyID(t)] = "laptop"
		cfg := clientCfg(hub.start(t))
		cfg.ops = 5
		res, err := runAgainst(t, cfg)
		if wantErr {
			if codeOf(err) != connect.CodeInvalidArgument {
				t.Errorf("%s: want the hub's invalid_argument, got %v", fault, err)
			}
		} else if err != nil || res.hubEnd != "unavailable" {
			t.Errorf("%s: a disconnect after our close is success: %v %+v", fault, err, res)
		}
	}
}

func TestCLI(t *testing.T) {
	hub := newFakeHub(t, "")
	hub.authorized[clientKeyID(t)] = "laptop"
	url := hub.start(t)
	seed := hex.EncodeToString(seedOf(0x01))
	if rc := run([]string{"--url", url, "--identity-seed", seed, "--instance", "laptop", "--expect-hub-key", hub.id.keyID, "--ops", "3"}); rc != 0 {
		t.Fatalf("rc %d", rc)
	}
	if rc := run([]string{"--url", url, "--identity-seed", seed, "--instance", "laptop", "--bad-signature"}); rc != 1 {
		t.Fatalf("bad signature: rc %d", rc)
	}
	if rc := run([]string{"--url", url, "--identity-seed", "abcd", "--instance", "laptop"}); rc != 2 {
		t.Fatalf("short seed: rc %d", rc)
	}
}
