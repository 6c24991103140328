package main

import (
	"context"
	"fmt"
	"os"
	"time"
)

// benchBidi streams n messages of size bytes through Bidi, writer and reader
// running concurrently, and returns messages per second each way (n over the
// time from the stream's start to the last echo).
func benchBidi(ctx context.Context, cfg clientConfig, n, size int) (float64, error) {
	hc, err := newHTTP2Client(cfg.url, cfg.caFile)
	if err != nil {
		return 0, err
	}
	c, err := newEchoClients(cfg, hc)
	if err != nil {
		return 0, err
	}
	payload := pattern(size, size)
	check := func(i int, got []byte) error {
		if len(got) != size {
			return fmt.Errorf("echo %d: %d bytes, want %d", i, len(got), size)
		}
		return nil
	}
	// Warm up the connection so the figure excludes connection setup.
	if err := runBidi(ctx, c, 100, func(int) []byte { return payload }, check); err != nil {
		return 0, fmt.Errorf("warm-up: %w", err)
	}
	start := time.Now()
	if err := runBidi(ctx, c, n, func(int) []byte { return payload }, check); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func runBench(args []string) int {
	fs := newFlagSet("bench")
	cfg := clientConfig{}
	fs.StringVar(&cfg.url, "url", "", "server URL, http:// (h2c) or https://")
	fs.StringVar(&cfg.protocol, "protocol", "connect", "connect or grpc")
	fs.BoolVar(&cfg.gzip, "gzip", false, "send gzip-compressed requests")
	fs.StringVar(&cfg.caFile, "ca", "", "PEM CA certificate for https")
	test := fs.String("test", "bidi", "bidi (the only benchmark)")
	n := fs.Int("n", 100000, "messages")
	size := fs.Int("size", 256, "message size in bytes")
	timeout := fs.Duration("timeout", 300*time.Second, "overall deadline")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.url == "" || *test != "bidi" || *n <= 0 || *size < 0 || *size > maxMessageLen {
		fmt.Fprintln(os.Stderr, "bench: need --url, --test bidi, --n > 0, 0 <= --size <= 16 MiB")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	rate, err := benchBidi(ctx, cfg, *n, *size)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	fmt.Printf("msgs_per_sec %.1f\n", rate)
	return 0
}
