package main

// The encrypted channel of SPEC §4: an HPKE (MLKEM1024-P384, HKDF-SHA256,
// AES-256-GCM) key exchange in the first two items of the Sync stream, then
// every item wrapped as encrypted{nonce, ciphertext} under per-direction
// AES-256-GCM keys taken from the HPKE exporter. Standard library only.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hpke"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"brs/syncgen/v1sync"

	"google.golang.org/protobuf/proto"
)

const (
	transportVersion = 1
	transportInfo    = "backrest-sync-transport-v1"
	exportI2R        = "backrest-sync-session-key/v1/initiator-to-responder"
	exportR2I        = "backrest-sync-session-key/v1/responder-to-initiator"
	transcriptLabel  = "backrest-sync-transport-transcript/v1\x00"
	kemKeySize       = 1568 + 97 // ML-KEM-1024 key or ciphertext ‖ P-384 point
	nonceSize        = 12
	maxItemSize      = 64 << 20
)

// protocolError marks a malformed or out-of-order item (Backrest answers
// these with invalid_argument).
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return "protocol error: " + e.msg }

func protoErrorf(format string, args ...any) error {
	return &protocolError{fmt.Sprintf(format, args...)}
}

func suite() (hpke.KEM, hpke.KDF, hpke.AEAD) {
	return hpke.MLKEM1024P384(), hpke.HKDFSHA256(), hpke.AES256GCM()
}

// transcript = SHA-256(label ‖ u32be(1) ‖ u32be(len pk) ‖ pk ‖ u32be(len enc) ‖ enc).
func transcript(pk, enc []byte) []byte {
	h := sha256.New()
	h.Write([]byte(transcriptLabel))
	var u [4]byte
	binary.BigEndian.PutUint32(u[:], transportVersion)
	h.Write(u[:])
	binary.BigEndian.PutUint32(u[:], uint32(len(pk)))
	h.Write(u[:])
	h.Write(pk)
	binary.BigEndian.PutUint32(u[:], uint32(len(enc)))
	h.Write(u[:])
	h.Write(enc)
	return h.Sum(nil)
}

// channel seals and opens items after the key exchange. Counters start at 0
// in each direction; a received nonce must be exactly the next one.
type channel struct {
	send, recv       cipher.AEAD
	sendCtr, recvCtr uint64
	transcript       []byte
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// newChannel builds a channel from the two exported keys, given the role.
func newChannel(export func(string, int) ([]byte, error), initiator bool, tr []byte) (*channel, error) {
	i2r, err := export(exportI2R, 32)
	if err != nil {
		return nil, err
	}
	r2i, err := export(exportR2I, 32)
	if err != nil {
		return nil, err
	}
	sendKey, recvKey := i2r, r2i
	if !initiator {
		sendKey, recvKey = r2i, i2r
	}
	c := &channel{transcript: tr}
	if c.send, err = newGCM(sendKey); err != nil {
		return nil, err
	}
	if c.recv, err = newGCM(recvKey); err != nil {
		return nil, err
	}
	return c, nil
}

func counterNonce(ctr uint64) []byte {
	n := make([]byte, nonceSize)
	binary.BigEndian.PutUint64(n[4:], ctr)
	return n
}

// seal wraps inner as the next encrypted item.
func (c *channel) seal(inner *v1sync.SyncStreamItem) (*v1sync.SyncStreamItem, error) {
	plain, err := proto.Marshal(inner)
	if err != nil {
		return nil, err
	}
	nonce := counterNonce(c.sendCtr)
	c.sendCtr++
	return &v1sync.SyncStreamItem{Action: &v1sync.SyncStreamItem_Encrypted{
		Encrypted: &v1sync.SyncStreamItem_SyncActionEncrypted{
			Nonce:      nonce,
			Ciphertext: c.send.Seal(nil, nonce, plain, nil),
		},
	}}, nil
}

// open unwraps an encrypted item: it must be encrypted, carry exactly the
// next expected nonce, authenticate, and parse.
func (c *channel) open(outer *v1sync.SyncStreamItem) (*v1sync.SyncStreamItem, error) {
	enc := outer.GetEncrypted()
	if enc == nil {
		return nil, protoErrorf("plaintext item %T after the key exchange", outer.GetAction())
	}
	want := counterNonce(c.recvCtr)
	if len(enc.GetNonce()) != nonceSize || string(enc.GetNonce()) != string(want) {
		return nil, protoErrorf("nonce %x, expected %x", enc.GetNonce(), want)
	}
	plain, err := c.recv.Open(nil, want, enc.GetCiphertext(), nil)
	if err != nil {
		return nil, protoErrorf("item %d does not authenticate", c.recvCtr)
	}
	c.recvCtr++
	inner := &v1sync.SyncStreamItem{}
	if err := proto.Unmarshal(plain, inner); err != nil {
		return nil, protoErrorf("item %d: %v", c.recvCtr-1, err)
	}
	return inner, nil
}

// clientKEX is the initiator's half of the exchange.
type clientKEX struct {
	priv hpke.PrivateKey
	pk   []byte
}

// newClientKEX makes a fresh ephemeral key and the first item to send.
func newClientKEX() (*clientKEX, *v1sync.SyncStreamItem, error) {
	kem, _, _ := suite()
	priv, err := kem.GenerateKey()
	if err != nil {
		return nil, nil, err
	}
	pk := priv.PublicKey().Bytes()
	item := &v1sync.SyncStreamItem{Action: &v1sync.SyncStreamItem_EstablishSharedSecret{
		EstablishSharedSecret: &v1sync.SyncStreamItem_SyncEstablishSharedSecret{
			ProtocolVersion: transportVersion,
			KemPublicKey:    pk,
		},
	}}
	return &clientKEX{priv: priv, pk: pk}, item, nil
}

// finish takes the hub's reply and returns the channel.
func (k *clientKEX) finish(reply *v1sync.SyncStreamItem) (*channel, error) {
	es := reply.GetEstablishSharedSecret()
	if es == nil {
		return nil, protoErrorf("first item from the hub is %T, not establish_shared_secret", reply.GetAction())
	}
	if es.GetProtocolVersion() != transportVersion {
		return nil, protoErrorf("transport version %d", es.GetProtocolVersion())
	}
	enc := es.GetKemEncapsulation()
	if len(enc) != kemKeySize {
		return nil, protoErrorf("kem_encapsulation of %d bytes", len(enc))
	}
	_, kdf, aead := suite()
	r, err := hpke.NewRecipient(enc, k.priv, kdf, aead, []byte(transportInfo))
	if err != nil {
		return nil, protoErrorf("decapsulation: %v", err)
	}
	return newChannel(r.Export, true, transcript(k.pk, enc))
}

// hubAccept is the responder's half: it checks the client's first item and
// returns the reply to send and the channel.
func hubAccept(first *v1sync.SyncStreamItem) (*v1sync.SyncStreamItem, *channel, error) {
	es := first.GetEstablishSharedSecret()
	if es == nil {
		return nil, nil, protoErrorf("first item is %T, not establish_shared_secret", first.GetAction())
	}
	if es.GetProtocolVersion() != transportVersion {
		return nil, nil, protoErrorf("transport version %d", es.GetProtocolVersion())
	}
	pkBytes := es.GetKemPublicKey()
	if len(pkBytes) != kemKeySize {
		return nil, nil, protoErrorf("kem_public_key of %d bytes", len(pkBytes))
	}
	kem, kdf, aead := suite()
	pk, err := kem.NewPublicKey(pkBytes)
	if err != nil {
		return nil, nil, protoErrorf("kem_public_key: %v", err)
	}
	enc, s, err := hpke.NewSender(pk, kdf, aead, []byte(transportInfo))
	if err != nil {
		return nil, nil, err
	}
	ch, err := newChannel(s.Export, false, transcript(pkBytes, enc))
	if err != nil {
		return nil, nil, err
	}
	reply := &v1sync.SyncStreamItem{Action: &v1sync.SyncStreamItem_EstablishSharedSecret{
		EstablishSharedSecret: &v1sync.SyncStreamItem_SyncEstablishSharedSecret{
			ProtocolVersion:  transportVersion,
			KemEncapsulation: enc,
		},
	}}
	return reply, ch, nil
}
