// Command govectors writes cross-implementation vectors made with Go's
// standard library (crypto/hpke, crypto/ed25519, crypto/sha256) for the
// exact use backrest-sync makes of them (SPEC §1, §4, §5):
//
//	cd tools/govectors && go run . -out ../../tests/data/govectors.json
//
// With -ed25519-edge FILE it writes Go's verdicts on Ed25519 edge cases
// instead (ed25519_edge.go).
//
// Inputs come from a fixed SHA-256 counter stream, so keys and signatures
// are reproducible; HPKE encapsulations are random (Go offers no
// deterministic encapsulation), so regenerating changes those entries.
package main

import (
	"crypto/ed25519"
	"crypto/hpke"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"log"
	"os"
)

const (
	transportInfo = "backrest-sync-transport-v1"
	labelI2R      = "backrest-sync-session-key/v1/initiator-to-responder"
	labelR2I      = "backrest-sync-session-key/v1/responder-to-initiator"
	transcriptTag = "backrest-sync-transport-transcript/v1\x00"
	bindLabel     = "backrest-sync-handshake/v1\x00"
)

type stream struct{ n uint64 }

// next returns 32 bytes: SHA-256("govectors" ‖ u64be(counter)).
func (s *stream) next() []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], s.n)
	s.n++
	h := sha256.Sum256(append([]byte("govectors"), b[:]...))
	return h[:]
}

type hybridKey struct {
	Seed      string `json:"seed"`
	PublicKey string `json:"public_key"`
}

type channelSetup struct {
	RecipientSeed string `json:"recipient_seed"`
	PublicKey     string `json:"public_key"`
	Enc           string `json:"enc"`
	KeyI2R        string `json:"key_i2r"`
	KeyR2I        string `json:"key_r2i"`
	Transcript    string `json:"transcript"`
}

type keyID struct {
	PublicKey    string `json:"public_key"`
	PublicKeyB64 string `json:"public_key_b64"`
	KeyID        string `json:"key_id"`
}

type handshake struct {
	Ed25519Seed   string `json:"ed25519_seed"`
	PublicKey     string `json:"public_key"`
	KeyID         string `json:"key_id"`
	InstanceID    string `json:"instance_id"`
	PairingSecret string `json:"pairing_secret"`
	Transcript    string `json:"transcript"`
	BindDigest    string `json:"bind_digest"`
	Signature     string `json:"signature"`
}

type output struct {
	Command       string         `json:"command"`
	HybridKeys    []hybridKey    `json:"hybrid_keys"`
	ChannelSetups []channelSetup `json:"channel_setups"`
	KeyIDs        []keyID        `json:"key_ids"`
	Handshakes    []handshake    `json:"handshakes"`
}

func keyIDOf(pub []byte) string {
	h := sha256.Sum256(pub)
	return "ed25519." + base64.RawURLEncoding.EncodeToString(h[:])
}

func transcriptOf(pk, enc []byte) []byte {
	h := sha256.New()
	h.Write([]byte(transcriptTag))
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], 1)
	h.Write(n[:])
	binary.BigEndian.PutUint32(n[:], uint32(len(pk)))
	h.Write(n[:])
	h.Write(pk)
	binary.BigEndian.PutUint32(n[:], uint32(len(enc)))
	h.Write(n[:])
	h.Write(enc)
	return h.Sum(nil)
}

func lp(h interface{ Write([]byte) (int, error) }, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}

func bindDigest(instance, secret string, transcript []byte) []byte {
	h := sha256.New()
	h.Write([]byte(bindLabel))
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], 3)
	h.Write(v[:])
	lp(h, []byte(instance))
	lp(h, []byte(secret))
	lp(h, transcript)
	return h.Sum(nil)
}

func main() {
	out := flag.String("out", "govectors.json", "output file")
	edge := flag.String("ed25519-edge", "", "write the Ed25519 edge cases (ed25519_edge.go) to this file instead")
	flag.Parse()
	if *edge != "" {
		if err := writeEd25519Edge(*edge); err != nil {
			log.Fatal(err)
		}
		return
	}
	rng := &stream{}
	kem := hpke.MLKEM1024P384()
	res := output{Command: "cd tools/govectors && go run . -out ../../tests/data/govectors.json"}

	for i := 0; i < 8; i++ {
		seed := rng.next()
		sk, err := kem.NewPrivateKey(seed)
		if err != nil {
			log.Fatal(err)
		}
		res.HybridKeys = append(res.HybridKeys, hybridKey{hex.EncodeToString(seed), hex.EncodeToString(sk.PublicKey().Bytes())})
	}

	for i := 0; i < 8; i++ {
		seed := rng.next()
		sk, err := kem.NewPrivateKey(seed)
		if err != nil {
			log.Fatal(err)
		}
		pk := sk.PublicKey().Bytes()
		enc, sender, err := hpke.NewSender(sk.PublicKey(), hpke.HKDFSHA256(), hpke.AES256GCM(), []byte(transportInfo))
		if err != nil {
			log.Fatal(err)
		}
		i2r, err := sender.Export(labelI2R, 32)
		if err != nil {
			log.Fatal(err)
		}
		r2i, err := sender.Export(labelR2I, 32)
		if err != nil {
			log.Fatal(err)
		}
		res.ChannelSetups = append(res.ChannelSetups, channelSetup{
			hex.EncodeToString(seed), hex.EncodeToString(pk), hex.EncodeToString(enc),
			hex.EncodeToString(i2r), hex.EncodeToString(r2i), hex.EncodeToString(transcriptOf(pk, enc))})
	}

	for i := 0; i < 8; i++ {
		priv := ed25519.NewKeyFromSeed(rng.next())
		pub := priv.Public().(ed25519.PublicKey)
		res.KeyIDs = append(res.KeyIDs, keyID{hex.EncodeToString(pub), base64.RawStdEncoding.EncodeToString(pub), keyIDOf(pub)})
	}

	instances := []string{"laptop", "hub", "büro-server", "😀 host", "x", string(make([]byte, 0)) + "a-very-long-instance-name-" + hex.EncodeToString(make([]byte, 60)), "srv:1#2", "nas"}
	secrets := []string{"", "", hex.EncodeToString(rng.next()), "", "s3cr3t", "", hex.EncodeToString(rng.next()), ""}
	for i := 0; i < 8; i++ {
		seed := rng.next()
		priv := ed25519.NewKeyFromSeed(seed)
		pub := priv.Public().(ed25519.PublicKey)
		transcript := rng.next()
		digest := bindDigest(instances[i], secrets[i], transcript)
		sig := ed25519.Sign(priv, digest)
		res.Handshakes = append(res.Handshakes, handshake{
			hex.EncodeToString(seed), hex.EncodeToString(pub), keyIDOf(pub), instances[i], secrets[i],
			hex.EncodeToString(transcript), hex.EncodeToString(digest), hex.EncodeToString(sig)})
	}

	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
