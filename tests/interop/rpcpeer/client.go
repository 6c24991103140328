package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// clientConfig selects how a client reaches the server.
type clientConfig struct {
	url      string // http://host:port (h2c) or https://host:port (TLS, ALPN h2)
	protocol string // "connect" or "grpc"
	gzip     bool   // compress requests with gzip
	caFile   string // PEM roots for https; empty = system roots
}

func loadRoots(caFile string) (*x509.CertPool, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	return pool, nil
}

// newHTTP2Client returns an HTTP/2-only client: h2c prior knowledge for
// http:// URLs (as Backrest's sync client dials), TLS with ALPN h2 for https.
func newHTTP2Client(rawURL, caFile string) (*http.Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "http":
		return &http.Client{Transport: &http2.Transport{
			AllowHTTP: true,
			DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
		}}, nil
	case "https":
		roots, err := loadRoots(caFile)
		if err != nil {
			return nil, err
		}
		return &http.Client{Transport: &http2.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12},
		}}, nil
	default:
		return nil, fmt.Errorf("unsupported URL scheme %q (want http or https)", u.Scheme)
	}
}

// newHTTP1Client returns an HTTP/1.1-only client (plain or TLS with ALPN
// http/1.1), for the unary and server-stream calls HTTP/1.1 can carry.
func newHTTP1Client(rawURL, caFile string) (*http.Client, error) {
	roots, err := loadRoots(caFile)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: http1Only{&http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2: false,
		TLSNextProto:      map[string]func(string, *tls.Conn) http.RoundTripper{},
	}}}, nil
}

// http1Only fails any response that did not come over HTTP/1.x.
type http1Only struct{ t *http.Transport }

func (h http1Only) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := h.t.RoundTrip(req)
	if err == nil && resp.ProtoMajor != 1 {
		resp.Body.Close()
		return nil, fmt.Errorf("response came over %s, not HTTP/1.x", resp.Proto)
	}
	return resp, err
}

// echoClients holds one connect client per procedure.
type echoClients struct {
	echo  *connect.Client[wrapperspb.BytesValue, wrapperspb.BytesValue]
	count *connect.Client[wrapperspb.Int64Value, wrapperspb.Int64Value]
	bidi  *connect.Client[wrapperspb.BytesValue, wrapperspb.BytesValue]
}

func newEchoClients(cfg clientConfig, httpClient *http.Client) (*echoClients, error) {
	var opts []connect.ClientOption
	switch cfg.protocol {
	case "", "connect":
	case "grpc":
		opts = append(opts, connect.WithGRPC())
	default:
		return nil, fmt.Errorf("unknown protocol %q (want connect or grpc)", cfg.protocol)
	}
	if cfg.gzip {
		opts = append(opts, connect.WithSendGzip())
	}
	opts = append(opts, connect.WithReadMaxBytes(maxMessageLen))
	base := strings.TrimRight(cfg.url, "/")
	return &echoClients{
		echo:  connect.NewClient[wrapperspb.BytesValue, wrapperspb.BytesValue](httpClient, base+procEcho, opts...),
		count: connect.NewClient[wrapperspb.Int64Value, wrapperspb.Int64Value](httpClient, base+procCount, opts...),
		bidi:  connect.NewClient[wrapperspb.BytesValue, wrapperspb.BytesValue](httpClient, base+procBidi, opts...),
	}, nil
}

// allErrorCodes lists every Connect code except ok, by name.
var allErrorCodes = []connect.Code{
	connect.CodeCanceled, connect.CodeUnknown, connect.CodeInvalidArgument,
	connect.CodeDeadlineExceeded, connect.CodeNotFound, connect.CodeAlreadyExists,
	connect.CodePermissionDenied, connect.CodeResourceExhausted,
	connect.CodeFailedPrecondition, connect.CodeAborted, connect.CodeOutOfRange,
	connect.CodeUnimplemented, connect.CodeInternal, connect.CodeUnavailable,
	connect.CodeDataLoss, connect.CodeUnauthenticated,
}

// pattern returns size deterministic bytes that never start with "error:".
func pattern(seed, size int) []byte {
	b := make([]byte, size)
	x := uint32(seed)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	if size > 0 && b[0] == 'e' {
		b[0] = 'E'
	}
	return b
}

func checkUnary(ctx context.Context, c *echoClients) error {
	for _, size := range []int{0, 1, 100, 64 << 10, 1 << 20} {
		want := pattern(size, size)
		resp, err := c.echo.CallUnary(ctx, connect.NewRequest(wrapperspb.Bytes(want)))
		if err != nil {
			return fmt.Errorf("echo %d bytes: %w", size, err)
		}
		if got := resp.Msg.GetValue(); string(got) != string(want) {
			return fmt.Errorf("echo %d bytes: got %d different bytes", size, len(got))
		}
	}
	return nil
}

// countExpect calls Count(n) and checks the stream is exactly 0..n-1 then OK.
func countExpect(ctx context.Context, c *echoClients, n int64) error {
	stream, err := c.count.CallServerStream(ctx, connect.NewRequest(wrapperspb.Int64(n)))
	if err != nil {
		return fmt.Errorf("count %d: %w", n, err)
	}
	defer stream.Close()
	var next int64
	for stream.Receive() {
		if v := stream.Msg().GetValue(); v != next {
			return fmt.Errorf("count %d: message %d has value %d", n, next, v)
		}
		next++
		if next > n {
			return fmt.Errorf("count %d: more than %d messages", n, n)
		}
	}
	if err := stream.Err(); err != nil {
		return fmt.Errorf("count %d: after %d messages: %w", n, next, err)
	}
	if next != n {
		return fmt.Errorf("count %d: stream ended OK after %d messages", n, next)
	}
	return nil
}

func checkStream(ctx context.Context, c *echoClients) error {
	for _, n := range []int64{1000, 0, 1} {
		if err := countExpect(ctx, c, n); err != nil {
			return err
		}
	}
	stream, err := c.count.CallServerStream(ctx, connect.NewRequest(wrapperspb.Int64(-1)))
	if err == nil {
		defer stream.Close()
		for stream.Receive() {
			return errors.New("count -1: got a message")
		}
		err = stream.Err()
	}
	if connect.CodeOf(err) != connect.CodeInvalidArgument {
		return fmt.Errorf("count -1: want invalid_argument, got %v", err)
	}
	return nil
}

// bidiPayload is message i of a bidi run: 8-byte index then pattern bytes.
func bidiPayload(i, size int) []byte {
	b := pattern(i, size)
	if size >= 8 {
		for k := 0; k < 8; k++ {
			b[k] = byte(uint64(i) >> (56 - 8*k))
		}
	}
	return b
}

// runBidi sends n messages (payload(i)) from a writer goroutine while the
// caller reads the echoes and hands each to check; returns after the server
// ends the stream with OK.
func runBidi(ctx context.Context, c *echoClients, n int, payload func(int) []byte, check func(int, []byte) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream := c.bidi.CallBidiStream(ctx)
	werr := make(chan error, 1)
	go func() {
		msg := &wrapperspb.BytesValue{}
		for i := 0; i < n; i++ {
			msg.Value = payload(i)
			if err := stream.Send(msg); err != nil {
				werr <- fmt.Errorf("send %d: %w", i, err)
				return
			}
		}
		werr <- stream.CloseRequest()
	}()
	for i := 0; i < n; i++ {
		msg, err := stream.Receive()
		if err != nil {
			cancel()
			if werr := <-werr; werr != nil {
				return fmt.Errorf("receive %d of %d: %w (writer: %v)", i, n, err, werr)
			}
			return fmt.Errorf("receive %d of %d: %w", i, n, err)
		}
		if err := check(i, msg.GetValue()); err != nil {
			cancel()
			<-werr
			return err
		}
	}
	if err := <-werr; err != nil {
		return err
	}
	if msg, err := stream.Receive(); err == nil {
		return fmt.Errorf("extra message of %d bytes after %d echoes", len(msg.GetValue()), n)
	} else if !isEOF(err) {
		return fmt.Errorf("stream end: %w", err)
	}
	return stream.CloseResponse()
}

func isEOF(err error) bool {
	return errors.Is(err, io.EOF)
}

func checkBidi(ctx context.Context, c *echoClients, n int) error {
	size := func(i int) int { return 8 + (i*37)%512 }
	payload := func(i int) []byte { return bidiPayload(i, size(i)) }
	check := func(i int, got []byte) error {
		if string(got) != string(payload(i)) {
			return fmt.Errorf("echo %d: got %d bytes, not the %d sent", i, len(got), size(i))
		}
		return nil
	}
	if err := runBidi(ctx, c, n, payload, check); err != nil {
		return err
	}
	// An empty stream ends OK too.
	return runBidi(ctx, c, 0, payload, check)
}

// checkErrors asks for every code over Echo and over Bidi (after one good
// echo) and checks the code and message arrive unchanged.
func checkErrors(ctx context.Context, c *echoClients) error {
	for _, code := range allErrorCodes {
		req := []byte(errorPrefix + code.String())
		_, err := c.echo.CallUnary(ctx, connect.NewRequest(wrapperspb.Bytes(req)))
		if err := wantError(err, code); err != nil {
			return fmt.Errorf("unary %s: %w", code, err)
		}
		if err := bidiError(ctx, c, code); err != nil {
			return fmt.Errorf("bidi %s: %w", code, err)
		}
	}
	return nil
}

func wantError(err error, code connect.Code) error {
	if err == nil {
		return errors.New("call succeeded")
	}
	var cerr *connect.Error
	if !errors.As(err, &cerr) {
		return fmt.Errorf("not a connect error: %v", err)
	}
	if cerr.Code() != code {
		return fmt.Errorf("got code %s (%v)", cerr.Code(), err)
	}
	if cerr.Message() != errorMessage {
		return fmt.Errorf("got message %q, want %q", cerr.Message(), errorMessage)
	}
	return nil
}

func bidiError(ctx context.Context, c *echoClients, code connect.Code) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream := c.bidi.CallBidiStream(ctx)
	defer stream.CloseResponse()
	if err := stream.Send(wrapperspb.Bytes([]byte("first"))); err != nil {
		return err
	}
	msg, err := stream.Receive()
	if err != nil {
		return fmt.Errorf("first echo: %w", err)
	}
	if string(msg.GetValue()) != "first" {
		return fmt.Errorf("first echo: got %q", msg.GetValue())
	}
	// The server may end the stream before this send completes; the outcome
	// is read from Receive either way.
	_ = stream.Send(wrapperspb.Bytes([]byte(errorPrefix + code.String())))
	_ = stream.CloseRequest()
	_, err = stream.Receive()
	return wantError(err, code)
}

// checkHTTP1 runs Echo and Count with the Connect protocol over HTTP/1.1
// (the spec's servers accept it for unary and server-streaming calls; gRPC
// needs HTTP/2, so this check always speaks Connect).
func checkHTTP1(ctx context.Context, cfg clientConfig) error {
	cfg.protocol = "connect"
	hc, err := newHTTP1Client(cfg.url, cfg.caFile)
	if err != nil {
		return err
	}
	c, err := newEchoClients(cfg, hc)
	if err != nil {
		return err
	}
	resp, err := c.echo.CallUnary(ctx, connect.NewRequest(wrapperspb.Bytes([]byte("over http/1.1"))))
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	if string(resp.Msg.GetValue()) != "over http/1.1" {
		return fmt.Errorf("echo: got %q", resp.Msg.GetValue())
	}
	return countExpect(ctx, c, 100)
}

var callTests = []string{"unary", "stream", "bidi", "errors", "http1"}

// runChecks runs the named test ("all" = every one), printing one line per
// check to out; returns the number of failures.
func runChecks(ctx context.Context, cfg clientConfig, test string, n int, out func(string)) (int, error) {
	hc, err := newHTTP2Client(cfg.url, cfg.caFile)
	if err != nil {
		return 0, err
	}
	if t, ok := hc.Transport.(*http2.Transport); ok {
		defer t.CloseIdleConnections()
	}
	c, err := newEchoClients(cfg, hc)
	if err != nil {
		return 0, err
	}
	tests := []string{test}
	if test == "all" {
		tests = callTests
	}
	failed := 0
	for _, t := range tests {
		start := time.Now()
		var err error
		switch t {
		case "unary":
			err = checkUnary(ctx, c)
		case "stream":
			err = checkStream(ctx, c)
		case "bidi":
			err = checkBidi(ctx, c, n)
		case "errors":
			err = checkErrors(ctx, c)
		case "http1":
			err = checkHTTP1(ctx, cfg)
		default:
			return failed, fmt.Errorf("unknown test %q", t)
		}
		label := fmt.Sprintf("%s protocol=%s gzip=%v", t, protoName(cfg.protocol), cfg.gzip)
		if err != nil {
			failed++
			out(fmt.Sprintf("FAIL %s: %v", label, err))
		} else {
			out(fmt.Sprintf("ok   %s (%.0f ms)", label, time.Since(start).Seconds()*1000))
		}
	}
	return failed, nil
}

func protoName(p string) string {
	if p == "" {
		return "connect"
	}
	return p
}

func runCall(args []string) int {
	fs := newFlagSet("call")
	cfg := clientConfig{}
	fs.StringVar(&cfg.url, "url", "", "server URL, http:// (h2c) or https://")
	fs.StringVar(&cfg.protocol, "protocol", "connect", "connect or grpc")
	fs.BoolVar(&cfg.gzip, "gzip", false, "send gzip-compressed requests")
	fs.StringVar(&cfg.caFile, "ca", "", "PEM CA certificate for https")
	test := fs.String("test", "all", "unary|stream|bidi|errors|http1|all")
	n := fs.Int("n", 10000, "bidi message count")
	timeout := fs.Duration("timeout", 120*time.Second, "overall deadline")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.url == "" || *n < 0 {
		fmt.Fprintln(os.Stderr, "call: --url is required and --n must be >= 0")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	failed, err := runChecks(ctx, cfg, *test, *n, func(s string) { fmt.Println(s) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "call:", err)
		return 2
	}
	if failed > 0 {
		return 1
	}
	return 0
}
