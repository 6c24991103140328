package main

// Ed25519 edge cases and Go's crypto/ed25519 verdict on each, for the C++
// verifier to agree with (tests/crypto/ed25519_go_edge_test.cc):
//
//	cd tools/govectors && go run . -ed25519-edge ../../tests/data/ed25519_edge_go.json
//
// Public keys A and commitments R are taken from the small-order points
// (canonical encodings), non-canonical encodings (y >= p, and x = 0 with the
// sign bit set) and a real key; S from 0, 1, L - 1, L, L + 1, 2^256 - 1 and
// a real signature's S (and S + L). Everything is deterministic.

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
)

type edgeCase struct {
	Note      string `json:"note"`
	PublicKey string `json:"public_key"`
	Message   string `json:"message"`
	Signature string `json:"signature"`
	GoValid   bool   `json:"go_valid"`
}

type edgeOutput struct {
	Command string     `json:"command"`
	Cases   []edgeCase `json:"cases"`
}

func edgeHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// 32 little-endian bytes of v (v < 2^256).
func le32(v *big.Int) []byte {
	be := v.FillBytes(make([]byte, 32))
	out := make([]byte, 32)
	for i := range be {
		out[i] = be[31-i]
	}
	return out
}

type namedPoint struct {
	name string
	enc  []byte
}

func edgePoints() []namedPoint {
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	pts := []namedPoint{
		{"identity", edgeHex("0100000000000000000000000000000000000000000000000000000000000000")},
		{"order 2 (y = -1)", edgeHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")},
		{"order 4 (y = 0, x even)", edgeHex("0000000000000000000000000000000000000000000000000000000000000000")},
		{"order 4 (y = 0, x odd)", edgeHex("0000000000000000000000000000000000000000000000000000000000000080")},
		{"order 8 a", edgeHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")},
		{"order 8 b", edgeHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")},
		{"order 8 a, sign flipped", edgeHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85")},
		{"order 8 b, sign flipped", edgeHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa")},
		{"identity, x = 0 with sign bit (-0)", edgeHex("0100000000000000000000000000000000000000000000000000000000000080")},
		{"order 2, x = 0 with sign bit (-0)", edgeHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")},
		{"y = 2^255 - 1 (not canonical, off the curve?)", edgeHex("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")},
	}
	// y + p (non-canonical y exist for y < 19), both signs: y = 0 and 1 are
	// on the curve (order 4 and the identity), 2 and 18 stand for the rest.
	for _, y := range []int64{0, 1, 2, 18} {
		enc := le32(new(big.Int).Add(p, big.NewInt(y)))
		pts = append(pts, namedPoint{fmt.Sprintf("y = %d + p (not canonical)", y), enc})
		neg := append([]byte(nil), enc...)
		neg[31] |= 0x80
		pts = append(pts, namedPoint{fmt.Sprintf("y = %d + p (not canonical), sign bit", y), neg})
	}
	return pts
}

func writeEd25519Edge(path string) error {
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	one := big.NewInt(1)
	max := new(big.Int).Sub(new(big.Int).Lsh(one, 256), one)
	type namedScalar struct {
		name string
		v    *big.Int
	}
	scalars := []namedScalar{
		{"S = 0", big.NewInt(0)}, {"S = 1", one}, {"S = L - 1", new(big.Int).Sub(l, one)},
		{"S = L", l}, {"S = L + 1", new(big.Int).Add(l, one)}, {"S = 2^256 - 1", max},
	}

	seed := sha256.Sum256([]byte("govectors ed25519 edge"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	realPub := []byte(priv.Public().(ed25519.PublicKey))
	realMsg := []byte("an edge-case message")
	realSig := ed25519.Sign(priv, realMsg)

	res := edgeOutput{Command: "cd tools/govectors && go run . -ed25519-edge ../../tests/data/ed25519_edge_go.json"}
	add := func(note string, pub, msg, sig []byte) {
		res.Cases = append(res.Cases, edgeCase{note, hex.EncodeToString(pub), hex.EncodeToString(msg),
			hex.EncodeToString(sig), ed25519.Verify(pub, msg, sig)})
	}

	points := append(edgePoints(), namedPoint{"a real key", realPub})
	rs := append(edgePoints(), namedPoint{"a real signature's R", realSig[:32]})
	// Every A with every R and S = 0, over several messages (the verdict
	// depends on k mod 8 for a small-order A): the first accepted and the
	// first refused of each pair are kept.
	for _, a := range points {
		for _, r := range rs {
			var kept [2]bool
			for m := 0; m < 16 && !(kept[0] && kept[1]); m++ {
				msg := []byte(fmt.Sprintf("edge %d", m))
				sig := append(append([]byte(nil), r.enc...), le32(big.NewInt(0))...)
				idx := 0
				if ed25519.Verify(a.enc, msg, sig) {
					idx = 1
				}
				if kept[idx] {
					continue
				}
				kept[idx] = true
				add(fmt.Sprintf("A: %s; R: %s; S = 0", a.name, r.name), a.enc, msg, sig)
			}
		}
	}
	// The other S values with a few A and R.
	pick := func(all []namedPoint, names ...string) []namedPoint {
		var out []namedPoint
		for _, p := range all {
			for _, n := range names {
				if p.name == n {
					out = append(out, p)
				}
			}
		}
		return out
	}
	few := []string{"identity", "order 8 a", "y = 1 + p (not canonical)", "a real key", "a real signature's R"}
	for _, a := range pick(points, few...) {
		for _, r := range pick(rs, few...) {
			for _, s := range scalars[1:] {
				sig := append(append([]byte(nil), r.enc...), le32(s.v)...)
				add(fmt.Sprintf("A: %s; R: %s; %s", a.name, r.name, s.name), a.enc, []byte("edge"), sig)
			}
		}
	}
	// A real signature, and with S + L and S + 2L (same residue, refused).
	add("a real signature", realPub, realMsg, realSig)
	sInt := new(big.Int).SetBytes(reverse(realSig[32:]))
	for k := int64(1); k <= 2; k++ {
		bumped := new(big.Int).Add(sInt, new(big.Int).Mul(l, big.NewInt(k)))
		if bumped.BitLen() > 256 {
			continue
		}
		sig := append(append([]byte(nil), realSig[:32]...), le32(bumped)...)
		add(fmt.Sprintf("a real signature with S + %dL", k), realPub, realMsg, sig)
	}
	// The real key with each edge R and the real S; the real R with A's sign
	// bit flipped.
	flipped := append([]byte(nil), realPub...)
	flipped[31] ^= 0x80
	add("a real signature under the key with its sign bit flipped", flipped, realMsg, realSig)

	// One case a line.
	cmd, err := json.Marshal(res.Command)
	if err != nil {
		return err
	}
	text := "{\"command\": " + string(cmd) + ",\n\"cases\": [\n"
	for i, c := range res.Cases {
		line, err := json.Marshal(c)
		if err != nil {
			return err
		}
		text += string(line)
		if i+1 < len(res.Cases) {
			text += ","
		}
		text += "\n"
	}
	return os.WriteFile(path, []byte(text+"]}\n"), 0o644)
}

func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[i] = b[len(b)-1-i]
	}
	return out
}
