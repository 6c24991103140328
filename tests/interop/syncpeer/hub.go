package main

// `syncpeer hub`: an impostor hub for testing what a client gives away to a
// hub it should not trust. It serves POST /v1sync.BackrestSyncService/Sync
// over h2c (Connect, gRPC, gRPC-Web via connect-go, as Backrest's hub),
// answers the key exchange (SPEC §4) and, unless --silent, sends its own
// handshake unprompted (SPEC §5), validly signed by its own key under the
// instance ID it is given. Then it only listens: per stream it records
// whether the client sent a handshake and whether that handshake carried a
// non-empty pairing secret, ends the stream once a handshake arrived
// (permission_denied) and otherwise waits for the client to end it.
//
//	syncpeer hub --listen 127.0.0.1:0 --identity-seed HEX64 --instance NAME
//	             [--silent] [--dials N]
//
// Prints `listening H:P`, then per stream, when it ends,
// `dial N handshake=yes|no secret=yes|no (<how it ended>)`; after N streams
// (--dials; 0 = until SIGTERM/SIGINT) prints `handshakes_received H` and
// `secrets_received K` and exits 0. The secret itself is never printed.

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"brs/syncgen/v1sync"

	"connectrpc.com/connect"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

type hubConfig struct {
	listen   string
	seed     []byte
	instance string
	silent   bool // send no handshake
	dials    int  // streams to serve before exiting; 0 = until the context ends
}

// impostor serves streams and keeps the tally.
type impostor struct {
	cfg hubConfig
	id  *identity
	out io.Writer

	mu         sync.Mutex
	streams    int
	handshakes int
	secrets    int
	finished   bool          // summary printed: record nothing more
	done       chan struct{} // closed once cfg.dials streams were recorded
}

// streamRecord is what one stream showed.
type streamRecord struct {
	handshake bool
	secret    bool
	end       string
}

func (h *impostor) record(r streamRecord) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.finished || (h.cfg.dials > 0 && h.streams >= h.cfg.dials) {
		return // a stream that ended after we were done
	}
	h.streams++
	if r.handshake {
		h.handshakes++
	}
	if r.secret {
		h.secrets++
	}
	fmt.Fprintf(h.out, "dial %d handshake=%s secret=%s (%s)\n", h.streams, yesNo(r.handshake), yesNo(r.secret), r.end)
	if h.cfg.dials > 0 && h.streams == h.cfg.dials {
		close(h.done)
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (h *impostor) sync(ctx context.Context, stream *connect.BidiStream[v1sync.SyncStreamItem, v1sync.SyncStreamItem]) error {
	r, err := h.serveStream(stream)
	h.record(r)
	return err
}

// serveStream runs one stream; the returned error ends it (nil: OK).
func (h *impostor) serveStream(stream *connect.BidiStream[v1sync.SyncStreamItem, v1sync.SyncStreamItem]) (streamRecord, error) {
	first, err := stream.Receive()
	if err != nil {
		return streamRecord{end: "no key exchange: " + clientEnd(err)}, err
	}
	reply, ch, err := hubAccept(first)
	if err != nil {
		return streamRecord{end: "bad key exchange"}, connect.NewError(connect.CodeInvalidArgument, err)
	}
	if err := stream.Send(reply); err != nil {
		return streamRecord{end: "send key exchange: " + err.Error()}, err
	}
	if !h.cfg.silent {
		sealed, err := ch.seal(makeHandshake(h.id, h.cfg.instance, "", ch.transcript, false))
		if err != nil {
			return streamRecord{end: "seal"}, err
		}
		if err := stream.Send(sealed); err != nil {
			return streamRecord{end: "send handshake: " + err.Error()}, err
		}
	}
	for {
		outer, err := stream.Receive()
		if err != nil {
			// The client ended the stream without a handshake.
			return streamRecord{end: "client ended: " + clientEnd(err)}, nil
		}
		item, err := ch.open(outer)
		if err != nil {
			return streamRecord{end: "client item: " + err.Error()}, connect.NewError(connect.CodeInvalidArgument, err)
		}
		if hs := item.GetHandshake(); hs != nil {
			r := streamRecord{handshake: true, secret: hs.GetPairingSecret() != "", end: "hub ended after the client's handshake"}
			return r, connect.NewError(connect.CodePermissionDenied, errors.New("impostor: handshake recorded"))
		}
	}
}

func clientEnd(err error) string {
	if errors.Is(err, io.EOF) {
		return "EOF"
	}
	return err.Error()
}

// serveImpostor listens, prints `listening H:P` to out and serves until
// cfg.dials streams were recorded or ctx ends; then prints the summary.
func serveImpostor(ctx context.Context, cfg hubConfig, out io.Writer) error {
	id, err := identityFromSeed(cfg.seed)
	if err != nil {
		return err
	}
	h := &impostor{cfg: cfg, id: id, out: out, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.Handle(syncProcedure, connect.NewBidiStreamHandler(syncProcedure, h.sync, connect.WithReadMaxBytes(maxItemSize)))
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h2c.NewHandler(mux, &http2.Server{})}
	fmt.Fprintf(out, "listening %s\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-h.done:
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	srv.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.finished = true
	fmt.Fprintf(out, "handshakes_received %d\nsecrets_received %d\n", h.handshakes, h.secrets)
	return nil
}

func runHub(args []string) int {
	fs := flag.NewFlagSet("syncpeer hub", flag.ContinueOnError)
	cfg := hubConfig{}
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:0", "address to listen on")
	seedHex := fs.String("identity-seed", "", "ed25519 identity seed, 64 hex digits")
	fs.StringVar(&cfg.instance, "instance", "", "instance ID to claim")
	fs.BoolVar(&cfg.silent, "silent", false, "send no handshake")
	fs.IntVar(&cfg.dials, "dials", 0, "exit after this many streams (0: on SIGTERM)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	seed, err := hex.DecodeString(*seedHex)
	if err != nil || len(seed) != 32 || cfg.instance == "" || cfg.dials < 0 {
		fmt.Fprintln(os.Stderr, "syncpeer hub: need --identity-seed (64 hex digits), --instance; --dials >= 0")
		return 2
	}
	cfg.seed = seed
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := serveImpostor(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "syncpeer hub: %v\n", err)
		return 1
	}
	return 0
}
