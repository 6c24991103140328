package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func startTestServer(t *testing.T, tlsOn bool, handler http.Handler) (url, ca string) {
	t.Helper()
	var cert, key string
	if tlsOn {
		var err error
		cert, key, err = writeSelfSigned(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := startServerWith("127.0.0.1:0", cert, key, handler)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.close(); err != nil {
			t.Errorf("server: %v", err)
		}
	})
	if tlsOn {
		return "https://" + s.addr, cert
	}
	return "http://" + s.addr, ""
}

// TestSelf runs every check of the Go client against the Go server over h2c
// and TLS, with both protocols, gzip on and off.
func TestSelf(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		url, ca := startTestServer(t, tlsOn, newEchoMux())
		for _, protocol := range []string{"connect", "grpc"} {
			for _, gz := range []bool{false, true} {
				cfg := clientConfig{url: url, protocol: protocol, gzip: gz, caFile: ca}
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				failed, err := runChecks(ctx, cfg, "all", 2000, func(s string) { t.Log(url, s) })
				cancel()
				if err != nil || failed != 0 {
					t.Errorf("%s %s gzip=%v: %d failed, err %v", url, protocol, gz, failed, err)
				}
			}
		}
	}
}

func TestTLSNeedsTheCA(t *testing.T) {
	url, _ := startTestServer(t, true, newEchoMux())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	failed, err := runChecks(ctx, clientConfig{url: url}, "unary", 1, func(string) {})
	if err != nil || failed != 1 {
		t.Fatalf("an untrusted certificate must fail the check: failed=%d err=%v", failed, err)
	}
}

func TestBench(t *testing.T) {
	url, _ := startTestServer(t, false, newEchoMux())
	rate, err := benchBidi(context.Background(), clientConfig{url: url}, 2000, 256)
	if err != nil || rate <= 0 {
		t.Fatalf("rate %v err %v", rate, err)
	}
}

// faultyMux serves the procedures with one deliberate fault each, so the
// checks are shown to catch them.
func faultyMux(fault string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(procEcho, connect.NewUnaryHandler(procEcho,
		func(ctx context.Context, req *connect.Request[wrapperspb.BytesValue]) (*connect.Response[wrapperspb.BytesValue], error) {
			v := req.Msg.GetValue()
			if err := requestedError(v); err != nil {
				if fault == "errors" {
					return nil, connect.NewError(connect.CodeUnknown, errors.New(errorMessage))
				}
				return nil, err
			}
			if fault == "unary" && len(v) > 1000 {
				v = append([]byte(nil), v[:len(v)-1]...)
			}
			return connect.NewResponse(wrapperspb.Bytes(v)), nil
		}))
	mux.Handle(procCount, connect.NewServerStreamHandler(procCount,
		func(ctx context.Context, req *connect.Request[wrapperspb.Int64Value], s *connect.ServerStream[wrapperspb.Int64Value]) error {
			n := req.Msg.GetValue()
			if n < 0 {
				if fault == "stream-neg" {
					return nil
				}
				return connect.NewError(connect.CodeInvalidArgument, errors.New("negative"))
			}
			for i := int64(0); i < n; i++ {
				if fault == "stream" && i == 500 {
					continue
				}
				if err := s.Send(wrapperspb.Int64(i)); err != nil {
					return err
				}
			}
			return nil
		}))
	mux.Handle(procBidi, connect.NewBidiStreamHandler(procBidi,
		func(ctx context.Context, s *connect.BidiStream[wrapperspb.BytesValue, wrapperspb.BytesValue]) error {
			var held *wrapperspb.BytesValue
			for i := 0; ; i++ {
				m, err := s.Receive()
				if errors.Is(err, io.EOF) {
					if fault == "bidi-extra" {
						return s.Send(wrapperspb.Bytes([]byte("extra")))
					}
					return nil
				}
				if err != nil {
					return err
				}
				if err := requestedError(m.GetValue()); err != nil {
					return err
				}
				if fault == "bidi" && i == 7 { // swap messages 7 and 8
					held = m
					continue
				}
				if err := s.Send(m); err != nil {
					return err
				}
				if held != nil {
					if err := s.Send(held); err != nil {
						return err
					}
					held = nil
				}
			}
		}))
	return mux
}

func TestChecksCatchFaults(t *testing.T) {
	for fault, test := range map[string]string{
		"unary": "unary", "stream": "stream", "stream-neg": "stream",
		"bidi": "bidi", "bidi-extra": "bidi", "errors": "errors",
	} {
		url, _ := startTestServer(t, false, faultyMux(fault))
		var lines []string
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		failed, err := runChecks(ctx, clientConfig{url: url}, test, 100, func(s string) { lines = append(lines, s) })
		cancel()
		if err != nil || failed != 1 || !strings.HasPrefix(lines[0], "FAIL") {
			t.Errorf("fault %s: failed=%d err=%v lines=%q", fault, failed, err, lines)
		}
		// The same server passes the checks its fault does not touch.
		if test != "unary" && fault != "errors" {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			failed, _ := runChecks(ctx, clientConfig{url: url}, "unary", 1, func(string) {})
			cancel()
			if failed != 0 {
				t.Errorf("fault %s: unary failed", fault)
			}
		}
	}
}

func TestRequestedError(t *testing.T) {
	if requestedError([]byte("error")) != nil || requestedError([]byte("hello")) != nil {
		t.Fatal("only the error: prefix asks for an error")
	}
	if c := connect.CodeOf(requestedError([]byte("error:nonsense"))); c != connect.CodeInvalidArgument {
		t.Fatalf("unknown code name gives %v", c)
	}
	if c := connect.CodeOf(requestedError([]byte("error:data_loss"))); c != connect.CodeDataLoss {
		t.Fatalf("got %v", c)
	}
}
