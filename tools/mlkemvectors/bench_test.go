package main

// Go's crypto/mlkem on the operations of bench/crypto_mlkem_bench.cc:
//   cd tools/mlkemvectors && go test -run '^$' -bench . -count 5

import (
	"crypto/mlkem"
	"testing"
)

func BenchmarkMLKEM1024KeyGen(b *testing.B) {
	seed := make([]byte, 64)
	for b.Loop() {
		seed[0]++
		if _, err := mlkem.NewDecapsulationKey1024(seed); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMLKEM1024Encaps(b *testing.B) {
	dk, _ := mlkem.NewDecapsulationKey1024(make([]byte, 64))
	ek := dk.EncapsulationKey()
	for b.Loop() {
		ek.Encapsulate()
	}
}

func BenchmarkMLKEM1024Decaps(b *testing.B) {
	dk, _ := mlkem.NewDecapsulationKey1024(make([]byte, 64))
	_, ct := dk.EncapsulationKey().Encapsulate()
	for b.Loop() {
		if _, err := dk.Decapsulate(ct); err != nil {
			b.Fatal(err)
		}
	}
}
