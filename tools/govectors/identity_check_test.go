package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

// TestCppHandshakes verifies handshakes signed by the C++ code (written by
// tools/cpp_identity_vectors to $BRS_CPP_IDENTITY_VECTORS) with Go's
// crypto/ed25519, recomputing the key IDs and bind digests in Go.
func TestCppHandshakes(t *testing.T) {
	path := os.Getenv("BRS_CPP_IDENTITY_VECTORS")
	if path == "" {
		t.Skip("BRS_CPP_IDENTITY_VECTORS not set (run through ctest)")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Handshakes []struct {
			PublicKey     string `json:"public_key"`
			KeyID         string `json:"key_id"`
			InstanceID    string `json:"instance_id"`
			PairingSecret string `json:"pairing_secret"`
			Transcript    string `json:"transcript"`
			Signature     string `json:"signature"`
		} `json:"handshakes"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Handshakes) == 0 {
		t.Fatal("no handshakes")
	}
	for _, h := range doc.Handshakes {
		pub, _ := hex.DecodeString(h.PublicKey)
		transcript, _ := hex.DecodeString(h.Transcript)
		sig, _ := hex.DecodeString(h.Signature)
		if got := keyIDOf(pub); got != h.KeyID {
			t.Errorf("key ID %s, Go derives %s", h.KeyID, got)
		}
		digest := bindDigest(h.InstanceID, h.PairingSecret, transcript)
		if !ed25519.Verify(ed25519.PublicKey(pub), digest, sig) {
			t.Errorf("C++ handshake of %q does not verify in Go", h.InstanceID)
		}
		bad := append([]byte{}, transcript...)
		bad[0] ^= 1
		if ed25519.Verify(ed25519.PublicKey(pub), bindDigest(h.InstanceID, h.PairingSecret, bad), sig) {
			t.Errorf("signature verified over another transcript")
		}
	}
}
