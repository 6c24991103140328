// metricscheck fetches a Prometheus text exposition and checks it the way
// `promtool check metrics` does (the text parser of prometheus/common, then
// client_golang's promlint), and that the named series exist with at least
// the given values.
//
//	metricscheck --url http://127.0.0.1:PORT/metrics \
//	    --want 'backrest_sync_handshakes_total{result="ok"}>=1' ...
//
// Exit 0 when the exposition parses, lints clean and every --want holds;
// otherwise 1 with one line per problem.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

type wants []string

func (w *wants) String() string     { return strings.Join(*w, ",") }
func (w *wants) Set(v string) error { *w = append(*w, v); return nil }

func main() {
	url := flag.String("url", "", "where to GET the metrics")
	file := flag.String("file", "", "read the exposition from this file instead")
	var want wants
	flag.Var(&want, "want", `NAME{label="v",...}>=N: a sample that must exist (repeatable); `+
		`a histogram is named by its _count`)
	flag.Parse()
	text, err := read(*url, *file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "metricscheck:", err)
		os.Exit(1)
	}
	problems := Check(text, want)
	for _, p := range problems {
		fmt.Println("FAIL", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Printf("ok   %d bytes of metrics parse, lint clean, %d wanted series present\n", len(text), len(want))
}

func read(url, file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		return string(b), err
	}
	if url == "" {
		return "", fmt.Errorf("--url or --file is required")
	}
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		return "", fmt.Errorf("GET %s: content type %q, want text/plain", url, ct)
	}
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
