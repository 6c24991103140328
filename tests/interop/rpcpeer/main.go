// Command rpcpeer is the Go side of the RPC interop tests
// (RPC_TEST_SERVICE.md): it serves brs.test.v1.EchoService with connect-go,
// or checks / benchmarks a server that claims to.
//
//	rpcpeer serve --listen 127.0.0.1:0 [--tls-cert F --tls-key F]
//	rpcpeer call  --url URL [--protocol connect|grpc] [--gzip] [--ca F]
//	              --test unary|stream|bidi|errors|http1|all [--n N]
//	rpcpeer bench --url URL --test bidi --n N --size 256 [--protocol P] [--gzip] [--ca F]
//	rpcpeer gencert --dir D   (self-signed cert.pem/key.pem for 127.0.0.1)
package main

import (
	"flag"
	"fmt"
	"os"
)

func newFlagSet(name string) *flag.FlagSet {
	return flag.NewFlagSet("rpcpeer "+name, flag.ContinueOnError)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: rpcpeer serve|call|bench|gencert [flags]")
		os.Exit(2)
	}
	var rc int
	switch os.Args[1] {
	case "serve":
		rc = runServe(os.Args[2:])
	case "call":
		rc = runCall(os.Args[2:])
	case "bench":
		rc = runBench(os.Args[2:])
	case "gencert":
		rc = runGencert(os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "rpcpeer: unknown command %q\n", os.Args[1])
		rc = 2
	}
	os.Exit(rc)
}
