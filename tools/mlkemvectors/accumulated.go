package main

// Go's own accumulated ML-KEM test (crypto/mlkem's TestAccumulated, final
// FIPS 203), for any parameter set and count:
//
//	cd tools/mlkemvectors && go run . -accumulated -n 100,10000
//	cd tools/mlkemvectors && go run . -accumulated -n 1000000
//
// One SHAKE-128 stream of the empty input yields, per test, the 64-byte seed
// d ‖ z, the 32-byte message m and a random ciphertext; ek, the ciphertext
// and key of the (derandomized) encapsulation of m, and the decapsulation of
// the random ciphertext (implicit rejection) are written into a second
// SHAKE-128, whose first 32 bytes are printed. ML-KEM-768 reproduces the
// values crypto/mlkem's test checks (SPEC §9), which vouches for the
// ML-KEM-1024 ones printed next to them.

import (
	"bytes"
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"crypto/sha3"
	"encoding/hex"
	"fmt"
)

// finalKEM is one parameter set behind Go's public API.
type finalKEM struct {
	name   string
	ctSize int
	// round: key from seed, encapsulation of m, decapsulations of that
	// ciphertext and of ct1. Returns ek, ct, k, k (again, decapsulated), k1.
	round func(seed, m, ct1 []byte) (ek, ct, k, kk, k1 []byte, err error)
}

func finalKEMs() []finalKEM {
	return []finalKEM{
		{"ML-KEM-768", mlkem.CiphertextSize768, func(seed, m, ct1 []byte) ([]byte, []byte, []byte, []byte, []byte, error) {
			dk, err := mlkem.NewDecapsulationKey768(seed)
			if err != nil {
				return nil, nil, nil, nil, nil, err
			}
			ek := dk.EncapsulationKey()
			k, ct, err := mlkemtest.Encapsulate768(ek, m)
			if err != nil {
				return nil, nil, nil, nil, nil, err
			}
			kk, err := dk.Decapsulate(ct)
			if err != nil {
				return nil, nil, nil, nil, nil, err
			}
			k1, err := dk.Decapsulate(ct1)
			return ek.Bytes(), ct, k, kk, k1, err
		}},
		{"ML-KEM-1024", mlkem.CiphertextSize1024, func(seed, m, ct1 []byte) ([]byte, []byte, []byte, []byte, []byte, error) {
			dk, err := mlkem.NewDecapsulationKey1024(seed)
			if err != nil {
				return nil, nil, nil, nil, nil, err
			}
			ek := dk.EncapsulationKey()
			k, ct, err := mlkemtest.Encapsulate1024(ek, m)
			if err != nil {
				return nil, nil, nil, nil, nil, err
			}
			kk, err := dk.Decapsulate(ct)
			if err != nil {
				return nil, nil, nil, nil, nil, err
			}
			k1, err := dk.Decapsulate(ct1)
			return ek.Bytes(), ct, k, kk, k1, err
		}},
	}
}

// goAccumulated runs count tests of k and returns the hex hash.
func goAccumulated(k finalKEM, count int) (string, error) {
	s := sha3.NewSHAKE128()
	o := sha3.NewSHAKE128()
	seed := make([]byte, mlkem.SeedSize)
	m := make([]byte, 32)
	ct1 := make([]byte, k.ctSize)
	for i := 0; i < count; i++ {
		s.Read(seed)
		s.Read(m)
		s.Read(ct1)
		ek, ct, key, kk, k1, err := k.round(seed, m, ct1)
		if err != nil {
			return "", fmt.Errorf("%s test %d: %w", k.name, i, err)
		}
		if !bytes.Equal(kk, key) {
			return "", fmt.Errorf("%s test %d: decapsulation gave %x, encapsulation %x", k.name, i, kk, key)
		}
		o.Write(ek)
		o.Write(ct)
		o.Write(key)
		o.Write(k1)
	}
	sum := make([]byte, 32)
	o.Read(sum)
	return hex.EncodeToString(sum), nil
}
