// Command syncpeer is an independent Go client of Backrest's Sync stream
// (SPEC §4 key exchange, §5 identity handshake), built on the standard
// library's crypto/hpke, crypto/ed25519 and crypto/sha256, for checking a hub.
//
//	syncpeer --url http://127.0.0.1:PORT --identity-seed HEX --instance NAME
//	         [--pairing-secret S] [--expect-hub-key KEYID] [--bad-signature]
//	         [--ops N [--first-id ID] [--invalid-every K]] [--state FILE]
//	         [--refuse-set-config] [--timeout 30s]
//	syncpeer hub --listen 127.0.0.1:0 --identity-seed HEX --instance NAME
//	         [--silent] [--dials N]          (an impostor hub: hub.go)
//
// Exit 0 printing `handshake ok hub=<keyid>` (then `ops sent N (hub ended:
// <code>)` with --ops, `set_config refused: ended the session` with
// --refuse-set-config, which waits for the hub's first set_config and then
// ends the session as a Backrest client does when it refuses one)
// when the hub accepts; otherwise exit 1 printing `error <code>: <message>`,
// <code> being the Connect code the hub ended the stream with (or the local
// verdict: permission_denied for a hub handshake that fails verification,
// invalid_argument for a protocol violation).
package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == "hub" {
		return runHub(args[1:])
	}
	fs := flag.NewFlagSet("syncpeer", flag.ContinueOnError)
	cfg := clientConfig{}
	fs.StringVar(&cfg.url, "url", "", "hub URL (http:// = h2c, https:// = TLS)")
	seedHex := fs.String("identity-seed", "", "ed25519 identity seed, 64 hex digits")
	fs.StringVar(&cfg.instance, "instance", "", "our instance ID")
	fs.StringVar(&cfg.pairingSecret, "pairing-secret", "", "pairing secret to present")
	fs.StringVar(&cfg.expectHubKey, "expect-hub-key", "", "required hub key ID")
	fs.BoolVar(&cfg.badSignature, "bad-signature", false, "corrupt our handshake signature")
	fs.IntVar(&cfg.ops, "ops", 0, "operations to push after the handshake")
	fs.BoolVar(&cfg.refuseSetConfig, "refuse-set-config", false,
		"wait for a set_config and refuse it by ending the session (as Backrest)")
	fs.IntVar(&cfg.firstID, "first-id", 1, "the first pushed op's ID")
	fs.IntVar(&cfg.invalidEvery, "invalid-every", 0,
		"every Nth pushed op has an 8-character snapshot_id (Backrest refuses it); 10 ops per item")
	statePath := fs.String("state", "", "push this oplog (lines `put ID MODNO`, `del ID`) after the handshake")
	timeout := fs.Duration("timeout", 30*time.Second, "overall deadline")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	seed, err := hex.DecodeString(*seedHex)
	if err != nil || len(seed) != 32 || cfg.url == "" || cfg.instance == "" || cfg.ops < 0 {
		fmt.Fprintln(os.Stderr, "syncpeer: need --url, --identity-seed (64 hex digits), --instance; --ops >= 0")
		return 2
	}
	cfg.seed = seed
	if *statePath != "" {
		st, err := readState(*statePath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "syncpeer:", err)
			return 2
		}
		cfg.state = st
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	res, err := runClient(ctx, cfg)
	if err != nil {
		fmt.Printf("error %s: %v\n", codeOf(err), err)
		return 1
	}
	fmt.Printf("handshake ok hub=%s\n", res.hubKeyID)
	if cfg.ops > 0 {
		fmt.Printf("ops sent %d (hub ended: %s)\n", cfg.ops, res.hubEnd)
	}
	if cfg.state != nil {
		fmt.Printf("state sent: %d ops, %d deletions (hub ended: %s)\n", len(cfg.state.puts),
			len(cfg.state.deletes), res.hubEnd)
	}
	if cfg.refuseSetConfig {
		fmt.Println("set_config refused: ended the session")
	}
	return 0
}
