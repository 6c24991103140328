package main

// Verifies channel setups written by the C++ tool cpp_channel_vectors with
// Go's crypto/hpke, the library Backrest uses. The file path comes from
// BRS_CPP_CHANNEL_VECTORS (the test is skipped without it); the CTest
// cpp_channel_vectors_go_check sets it.

import (
	"bytes"
	"crypto/hpke"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

type cppChannelSetup struct {
	RecipientSeed string `json:"recipient_seed"`
	PublicKey     string `json:"public_key"`
	Enc           string `json:"enc"`
	KeyI2R        string `json:"key_i2r"`
	KeyR2I        string `json:"key_r2i"`
	Transcript    string `json:"transcript"`
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// The SPEC §4 transcript, written out independently of Backrest's code.
func specTranscript(pk, enc []byte) []byte {
	var buf bytes.Buffer
	buf.WriteString("backrest-sync-transport-transcript/v1\x00")
	binary.Write(&buf, binary.BigEndian, uint32(1))
	binary.Write(&buf, binary.BigEndian, uint32(len(pk)))
	buf.Write(pk)
	binary.Write(&buf, binary.BigEndian, uint32(len(enc)))
	buf.Write(enc)
	sum := sha256.Sum256(buf.Bytes())
	return sum[:]
}

func TestCppChannelVectors(t *testing.T) {
	path := os.Getenv("BRS_CPP_CHANNEL_VECTORS")
	if path == "" {
		t.Skip("BRS_CPP_CHANNEL_VECTORS not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		ChannelSetups []cppChannelSetup `json:"channel_setups"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.ChannelSetups) == 0 {
		t.Fatal("no channel_setups in " + path)
	}
	kem := hpke.MLKEM1024P384()
	for i, s := range file.ChannelSetups {
		priv, err := kem.NewPrivateKey(mustHex(t, s.RecipientSeed))
		if err != nil {
			t.Fatalf("%d: NewPrivateKey: %v", i, err)
		}
		pk := mustHex(t, s.PublicKey)
		if !bytes.Equal(priv.PublicKey().Bytes(), pk) {
			t.Errorf("%d: public key from seed differs", i)
		}
		enc := mustHex(t, s.Enc)
		r, err := hpke.NewRecipient(enc, priv, hpke.HKDFSHA256(), hpke.AES256GCM(),
			[]byte("backrest-sync-transport-v1"))
		if err != nil {
			t.Fatalf("%d: NewRecipient: %v", i, err)
		}
		i2r, err := r.Export("backrest-sync-session-key/v1/initiator-to-responder", 32)
		if err != nil {
			t.Fatal(err)
		}
		r2i, err := r.Export("backrest-sync-session-key/v1/responder-to-initiator", 32)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(i2r, mustHex(t, s.KeyI2R)) {
			t.Errorf("%d: key_i2r differs: go %x", i, i2r)
		}
		if !bytes.Equal(r2i, mustHex(t, s.KeyR2I)) {
			t.Errorf("%d: key_r2i differs: go %x", i, r2i)
		}
		if !bytes.Equal(specTranscript(pk, enc), mustHex(t, s.Transcript)) {
			t.Errorf("%d: transcript differs", i)
		}
	}
	t.Logf("verified %d C++ channel setups with Go crypto/hpke", len(file.ChannelSetups))
}
