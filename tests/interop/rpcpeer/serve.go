package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

// server is a running EchoService listener.
type server struct {
	addr string // host:port actually bound
	srv  *http.Server
	done chan error
}

// startServer binds listen and serves in the background: h2c (prior
// knowledge and HTTP/1.1) when certFile is empty, otherwise TLS offering ALPN
// h2 and http/1.1.
func startServer(listen, certFile, keyFile string) (*server, error) {
	return startServerWith(listen, certFile, keyFile, newEchoMux())
}

// startServerWith is startServer with another handler (tests use it to serve
// a deliberately wrong service).
func startServerWith(listen, certFile, keyFile string, handler http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	h2 := &http2.Server{}
	srv := &http.Server{ReadHeaderTimeout: 30 * time.Second}
	if certFile == "" {
		srv.Handler = h2c.NewHandler(handler, h2)
	} else {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("load TLS key pair: %w", err)
		}
		srv.Handler = handler
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if err := http2.ConfigureServer(srv, h2); err != nil {
			ln.Close()
			return nil, err
		}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	s := &server{addr: ln.Addr().String(), srv: srv, done: make(chan error, 1)}
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

func (s *server) close() error {
	s.srv.Close()
	return <-s.done
}

func runServe(args []string) int {
	fs := newFlagSet("serve")
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	cert := fs.String("tls-cert", "", "PEM certificate chain (enables TLS)")
	key := fs.String("tls-key", "", "PEM private key")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*cert == "") != (*key == "") {
		fmt.Fprintln(os.Stderr, "serve: --tls-cert and --tls-key go together")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	s, err := startServer(*listen, *cert, *key)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	fmt.Printf("listening %s\n", s.addr)
	os.Stdout.Sync()
	select {
	case <-ctx.Done():
		if err := s.close(); err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			return 1
		}
		return 0
	case err := <-s.done:
		fmt.Fprintln(os.Stderr, "serve: stopped:", err)
		return 1
	}
}
