package main

// Go's crypto/hpke on the same MLKEM1024-P384 operations as
// bench/crypto_hpke_bench.cc, so the two can be compared on one machine:
//   cd tools/govectors && go test -run '^$' -bench . -count 10

import (
	"crypto/hpke"
	"testing"
)

var benchInfo = []byte("backrest-sync-transport-v1")

func BenchmarkHybridKeyGen(b *testing.B) {
	kem := hpke.MLKEM1024P384()
	for b.Loop() {
		if _, err := kem.GenerateKey(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHybridEncap(b *testing.B) {
	priv, err := hpke.MLKEM1024P384().GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	pub := priv.PublicKey()
	for b.Loop() {
		if _, _, err := hpke.NewSender(pub, hpke.HKDFSHA256(), hpke.AES256GCM(), benchInfo); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHybridDecap(b *testing.B) {
	priv, err := hpke.MLKEM1024P384().GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	enc, _, err := hpke.NewSender(priv.PublicKey(), hpke.HKDFSHA256(), hpke.AES256GCM(), benchInfo)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := hpke.NewRecipient(enc, priv, hpke.HKDFSHA256(), hpke.AES256GCM(), benchInfo); err != nil {
			b.Fatal(err)
		}
	}
}

// Both sides of the channel setup, as Backrest's cryptoutil does it.
func BenchmarkChannelSetupTwoSided(b *testing.B) {
	kem := hpke.MLKEM1024P384()
	for b.Loop() {
		priv, err := kem.GenerateKey()
		if err != nil {
			b.Fatal(err)
		}
		pk := priv.PublicKey().Bytes()
		pub, err := kem.NewPublicKey(pk)
		if err != nil {
			b.Fatal(err)
		}
		enc, s, err := hpke.NewSender(pub, hpke.HKDFSHA256(), hpke.AES256GCM(), benchInfo)
		if err != nil {
			b.Fatal(err)
		}
		s.Export("backrest-sync-session-key/v1/initiator-to-responder", 32)
		s.Export("backrest-sync-session-key/v1/responder-to-initiator", 32)
		r, err := hpke.NewRecipient(enc, priv, hpke.HKDFSHA256(), hpke.AES256GCM(), benchInfo)
		if err != nil {
			b.Fatal(err)
		}
		r.Export("backrest-sync-session-key/v1/initiator-to-responder", 32)
		r.Export("backrest-sync-session-key/v1/responder-to-initiator", 32)
		_ = specTranscript(pk, enc)
		_ = specTranscript(pk, enc)
	}
}
