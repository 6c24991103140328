package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"brs/syncgen/v1sync"
)

// The project's Go cross-check vectors (tests/data/govectors.json, made by
// tools/govectors): this client's key derivation, transcript, key IDs and
// handshake signatures must reproduce them.
type goVectors struct {
	ChannelSetups []struct {
		RecipientSeed string `json:"recipient_seed"`
		PublicKey     string `json:"public_key"`
		Enc           string `json:"enc"`
		Transcript    string `json:"transcript"`
		KeyI2R        string `json:"key_i2r"`
		KeyR2I        string `json:"key_r2i"`
	} `json:"channel_setups"`
	KeyIDs []struct {
		PublicKey    string `json:"public_key"`
		PublicKeyB64 string `json:"public_key_b64"`
		KeyID        string `json:"key_id"`
	} `json:"key_ids"`
	Handshakes []struct {
		Ed25519Seed   string `json:"ed25519_seed"`
		KeyID         string `json:"key_id"`
		InstanceID    string `json:"instance_id"`
		PairingSecret string `json:"pairing_secret"`
		Transcript    string `json:"transcript"`
		BindDigest    string `json:"bind_digest"`
		Signature     string `json:"signature"`
	} `json:"handshakes"`
}

func loadVectors(t *testing.T) *goVectors {
	dir := os.Getenv("BRS_TEST_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "data")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "govectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	v := &goVectors{}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
	if len(v.ChannelSetups) == 0 || len(v.KeyIDs) == 0 || len(v.Handshakes) == 0 {
		t.Fatal("vector file lacks channel setups, key IDs or handshakes")
	}
	return v
}

func unhex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVectorsChannel(t *testing.T) {
	for i, v := range loadVectors(t).ChannelSetups {
		kem, _, _ := suite()
		priv, err := kem.NewPrivateKey(unhex(t, v.RecipientSeed))
		if err != nil {
			t.Fatal(err)
		}
		k := &clientKEX{priv: priv, pk: priv.PublicKey().Bytes()}
		if hex.EncodeToString(k.pk) != v.PublicKey {
			t.Fatalf("setup %d: public key differs", i)
		}
		ch, err := k.finish(&v1sync.SyncStreamItem{Action: &v1sync.SyncStreamItem_EstablishSharedSecret{
			EstablishSharedSecret: &v1sync.SyncStreamItem_SyncEstablishSharedSecret{
				ProtocolVersion: 1, KemEncapsulation: unhex(t, v.Enc)}}})
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(ch.transcript) != v.Transcript {
			t.Fatalf("setup %d: transcript differs", i)
		}
		// The client seals with i2r and opens with r2i.
		sendKey, recvKey := unhex(t, v.KeyI2R), unhex(t, v.KeyR2I)
		probe := &v1sync.SyncStreamItem{Action: &v1sync.SyncStreamItem_Heartbeat{
			Heartbeat: &v1sync.SyncStreamItem_SyncActionHeartbeat{}}}
		sealed, err := ch.seal(probe)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := newGCM(sendKey)
		if _, err := g.Open(nil, counterNonce(0), sealed.GetEncrypted().GetCiphertext(), nil); err != nil {
			t.Fatalf("setup %d: client does not send with key_i2r", i)
		}
		g, _ = newGCM(recvKey)
		peer := &channel{send: g}
		reply, _ := peer.seal(probe)
		if _, err := ch.open(reply); err != nil {
			t.Fatalf("setup %d: client does not receive with key_r2i: %v", i, err)
		}
	}
}

func TestVectorsKeyIDs(t *testing.T) {
	for _, v := range loadVectors(t).KeyIDs {
		pub := unhex(t, v.PublicKey)
		if keyIDOf(pub) != v.KeyID || base64.RawStdEncoding.EncodeToString(pub) != v.PublicKeyB64 {
			t.Fatalf("key ID of %s", v.PublicKey)
		}
	}
}

func TestVectorsHandshakes(t *testing.T) {
	for i, v := range loadVectors(t).Handshakes {
		id, err := identityFromSeed(unhex(t, v.Ed25519Seed))
		if err != nil {
			t.Fatal(err)
		}
		tr := unhex(t, v.Transcript)
		if id.keyID != v.KeyID {
			t.Fatalf("handshake %d: key ID %s, want %s", i, id.keyID, v.KeyID)
		}
		if hex.EncodeToString(handshakeDigest(3, v.InstanceID, v.PairingSecret, tr)) != v.BindDigest {
			t.Fatalf("handshake %d: bind digest differs", i)
		}
		item := makeHandshake(id, v.InstanceID, v.PairingSecret, tr, false)
		if hex.EncodeToString(item.GetHandshake().GetSignature()) != v.Signature {
			t.Fatalf("handshake %d: signature differs", i)
		}
		if _, err := verifyHandshake(item, tr); err != nil {
			t.Fatalf("handshake %d: %v", i, err)
		}
		if _, err := verifyHandshake(item, tr[1:]); err == nil {
			t.Fatalf("handshake %d verifies against another transcript", i)
		}
	}
}
