package main

// The identity handshake of SPEC §5 (sync protocol version 3).

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	v1 "brs/syncgen/v1"
	"brs/syncgen/v1sync"
)

const (
	syncProtocolVersion = 3
	handshakeLabel      = "backrest-sync-handshake/v1\x00"
)

type identity struct {
	priv  ed25519.PrivateKey
	pub   ed25519.PublicKey
	keyID string
}

// keyIDOf = "ed25519." + base64url_nopad(SHA-256(raw public key)).
func keyIDOf(pub []byte) string {
	sum := sha256.Sum256(pub)
	return "ed25519." + base64.RawURLEncoding.EncodeToString(sum[:])
}

func identityFromSeed(seed []byte) (*identity, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("identity seed must be %d bytes, got %d", ed25519.SeedSize, len(seed))
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	return &identity{priv: priv, pub: pub, keyID: keyIDOf(pub)}, nil
}

// handshakeDigest = SHA-256(label ‖ u64be(version) ‖ LP(instance) ‖
// LP(pairing secret) ‖ LP(transcript)), LP(x) = u32be(len x) ‖ x.
func handshakeDigest(version int64, instance, pairingSecret string, tr []byte) []byte {
	h := sha256.New()
	h.Write([]byte(handshakeLabel))
	var u8 [8]byte
	binary.BigEndian.PutUint64(u8[:], uint64(version))
	h.Write(u8[:])
	for _, part := range [][]byte{[]byte(instance), []byte(pairingSecret), tr} {
		var u4 [4]byte
		binary.BigEndian.PutUint32(u4[:], uint32(len(part)))
		h.Write(u4[:])
		h.Write(part)
	}
	return h.Sum(nil)
}

// makeHandshake builds the handshake item; corrupt flips a signature bit.
func makeHandshake(id *identity, instance, pairingSecret string, tr []byte, corrupt bool) *v1sync.SyncStreamItem {
	sig := ed25519.Sign(id.priv, handshakeDigest(syncProtocolVersion, instance, pairingSecret, tr))
	if corrupt {
		sig[7] ^= 0x20
	}
	return &v1sync.SyncStreamItem{Action: &v1sync.SyncStreamItem_Handshake{
		Handshake: &v1sync.SyncStreamItem_SyncActionHandshake{
			ProtocolVersion: syncProtocolVersion,
			PublicKey: &v1.PublicKey{
				Keyid:      id.keyID,
				Ed25519Pub: base64.RawStdEncoding.EncodeToString(id.pub),
			},
			InstanceId:    instance,
			PairingSecret: pairingSecret,
			Signature:     sig,
		},
	}}
}

// authError marks a handshake that fails verification or authorization
// (Backrest answers these with permission_denied).
type authError struct{ msg string }

func (e *authError) Error() string { return "auth error: " + e.msg }

// verifyHandshake checks a peer's handshake against our transcript and
// returns it: version 3, key present and matching its key ID, instance ID
// non-empty, signature valid.
func verifyHandshake(item *v1sync.SyncStreamItem, tr []byte) (*v1sync.SyncStreamItem_SyncActionHandshake, error) {
	hs := item.GetHandshake()
	if hs == nil {
		return nil, &authError{fmt.Sprintf("expected handshake, got %T", item.GetAction())}
	}
	if hs.GetProtocolVersion() != syncProtocolVersion {
		return nil, &authError{fmt.Sprintf("handshake protocol version %d, want %d", hs.GetProtocolVersion(), syncProtocolVersion)}
	}
	pk := hs.GetPublicKey()
	if pk == nil || pk.GetKeyid() == "" || pk.GetEd25519Pub() == "" {
		return nil, &authError{"handshake without public key"}
	}
	raw, err := base64.RawStdEncoding.DecodeString(pk.GetEd25519Pub())
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, &authError{"malformed ed25519 public key"}
	}
	if keyIDOf(raw) != pk.GetKeyid() {
		return nil, &authError{"key ID does not match the public key"}
	}
	if hs.GetInstanceId() == "" {
		return nil, &authError{"empty instance ID"}
	}
	digest := handshakeDigest(hs.GetProtocolVersion(), hs.GetInstanceId(), hs.GetPairingSecret(), tr)
	if !ed25519.Verify(raw, digest, hs.GetSignature()) {
		return nil, &authError{"handshake signature invalid"}
	}
	return hs, nil
}
