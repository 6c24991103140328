package main

// Go's crypto/hpke on the same MLKEM1024-P384 operations as
// bench/crypto_hpke_bench.cc, so the two can be compared on one machine:
//   cd tools/govectors && go test -run '^$' -bench . -count 10

import (
	"crypto/ed25519"
	"crypto/hpke"
	"syscall"
	"testing"
)

// processCPU is the user + system CPU time this process has used, every
// thread counted (the garbage collector's too), in nanoseconds.
func processCPU(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// cpuMeter starts counting CPU time; the function it returns reports it per
// iteration as cpu-ns/op, beside the wall time, so that bench/handshake_vs_go.sh
// can compare CPU on a machine other jobs are loading (Google Benchmark
// reports the same on the C++ side).
func cpuMeter(b *testing.B) func() {
	start := processCPU(b)
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

var benchInfo = []byte("backrest-sync-transport-v1")

func BenchmarkHybridKeyGen(b *testing.B) {
	kem := hpke.MLKEM1024P384()
	stop := cpuMeter(b)
	for b.Loop() {
		if _, err := kem.GenerateKey(); err != nil {
			b.Fatal(err)
		}
	}
	stop()
}

func BenchmarkHybridEncap(b *testing.B) {
	priv, err := hpke.MLKEM1024P384().GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	pub := priv.PublicKey()
	stop := cpuMeter(b)
	for b.Loop() {
		if _, _, err := hpke.NewSender(pub, hpke.HKDFSHA256(), hpke.AES256GCM(), benchInfo); err != nil {
			b.Fatal(err)
		}
	}
	stop()
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
	stop := cpuMeter(b)
	for b.Loop() {
		if _, err := hpke.NewRecipient(enc, priv, hpke.HKDFSHA256(), hpke.AES256GCM(), benchInfo); err != nil {
			b.Fatal(err)
		}
	}
	stop()
}

// Both sides of the channel setup, as Backrest's cryptoutil does it.
func BenchmarkChannelSetupTwoSided(b *testing.B) {
	kem := hpke.MLKEM1024P384()
	stop := cpuMeter(b)
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
	stop()
}

// The hub's share of a session start, as bench/crypto_handshake_bench.cc's
// BM_HubHandshakeShare: accept the client's public key (parse, encapsulate,
// both exports, transcript), sign the hub's handshake, verify the client's
// (key ID and signature; the client's signature is made once, over a first
// session's transcript).
func BenchmarkHubHandshakeShare(b *testing.B) {
	kem := hpke.MLKEM1024P384()
	clientKem, err := kem.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	pk := clientKem.PublicKey().Bytes()
	_, hubKey, _ := ed25519.GenerateKey(nil)
	clientPub, clientKey, _ := ed25519.GenerateKey(nil)
	_, first := hubAccept(b, kem, pk)
	clientSig := ed25519.Sign(clientKey, bindDigest("laptop", "", first))
	stop := cpuMeter(b)
	for b.Loop() {
		_, t := hubAccept(b, kem, pk)
		_ = ed25519.Sign(hubKey, bindDigest("hub", "", t))
		_ = keyIDOf(clientPub)
		if !ed25519.Verify(clientPub, bindDigest("laptop", "", first), clientSig) {
			b.Fatal("client handshake does not verify")
		}
	}
	stop()
}

// Both sides of a session start, as BM_HandshakeBothSides: channel setup,
// two signatures, two verifications.
func BenchmarkHandshakeBothSides(b *testing.B) {
	kem := hpke.MLKEM1024P384()
	hubPub, hubKey, _ := ed25519.GenerateKey(nil)
	clientPub, clientKey, _ := ed25519.GenerateKey(nil)
	stop := cpuMeter(b)
	for b.Loop() {
		priv, err := kem.GenerateKey()
		if err != nil {
			b.Fatal(err)
		}
		pk := priv.PublicKey().Bytes()
		enc, tHub := hubAccept(b, kem, pk)
		r, err := hpke.NewRecipient(enc, priv, hpke.HKDFSHA256(), hpke.AES256GCM(), benchInfo)
		if err != nil {
			b.Fatal(err)
		}
		r.Export("backrest-sync-session-key/v1/initiator-to-responder", 32)
		r.Export("backrest-sync-session-key/v1/responder-to-initiator", 32)
		tClient := specTranscript(pk, enc)
		hubSig := ed25519.Sign(hubKey, bindDigest("hub", "", tHub))
		_ = keyIDOf(hubPub)
		if !ed25519.Verify(hubPub, bindDigest("hub", "", tClient), hubSig) {
			b.Fatal("hub handshake does not verify")
		}
		clientSig := ed25519.Sign(clientKey, bindDigest("laptop", "", tClient))
		_ = keyIDOf(clientPub)
		if !ed25519.Verify(clientPub, bindDigest("laptop", "", tHub), clientSig) {
			b.Fatal("client handshake does not verify")
		}
	}
	stop()
}

func BenchmarkHubAccept(b *testing.B) {
	kem := hpke.MLKEM1024P384()
	priv, err := kem.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	pk := priv.PublicKey().Bytes()
	stop := cpuMeter(b)
	for b.Loop() {
		hubAccept(b, kem, pk)
	}
	stop()
}

func BenchmarkHandshakeSign(b *testing.B) {
	_, key, _ := ed25519.GenerateKey(nil)
	t := make([]byte, 32)
	stop := cpuMeter(b)
	for b.Loop() {
		_ = ed25519.Sign(key, bindDigest("hub", "", t))
	}
	stop()
}

func BenchmarkHandshakeVerify(b *testing.B) {
	pub, key, _ := ed25519.GenerateKey(nil)
	t := make([]byte, 32)
	sig := ed25519.Sign(key, bindDigest("laptop", "", t))
	stop := cpuMeter(b)
	for b.Loop() {
		_ = keyIDOf(pub)
		if !ed25519.Verify(pub, bindDigest("laptop", "", t), sig) {
			b.Fatal("does not verify")
		}
	}
	stop()
}

// hubAccept is ChannelResponder::Accept: parse the client's key,
// encapsulate, export both session keys; it returns the encapsulation and
// the transcript.
func hubAccept(b *testing.B, kem hpke.KEM, pk []byte) (enc, transcript []byte) {
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
	return enc, specTranscript(pk, enc)
}
