// Command mlkemvectors writes final-FIPS 203 ML-KEM vectors made with Go's
// crypto/mlkem (standard library only), for the C++ tests:
//
//	cd tools/mlkemvectors && go run . -out ../../tests/data/ml-kem/go-fips203.json
//	cd tools/mlkemvectors && go run . -accumulated 100,10000   (accumulated.go)
//
// "accumulated": for each test, d ‖ z, then a random ciphertext, are read
// from one SHAKE-128 stream of the empty input; the encapsulation key and
// the decapsulation of that ciphertext (implicit rejection) are absorbed
// into a second SHAKE-128, whose first 32 bytes are recorded.
// "encapsulations": Go's own (random) encapsulations to keys from fixed
// seeds, which the C++ side must decapsulate to the same key.
package main

import (
	"crypto/mlkem"
	"crypto/sha3"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
)

type accumulated struct {
	Set   string `json:"set"`
	Count int    `json:"count"`
	Hash  string `json:"hash"`
}

type encapsulation struct {
	Set  string `json:"set"`
	Seed string `json:"seed"`
	Ek   string `json:"ek"`
	Ct   string `json:"ct"`
	K    string `json:"k"`
}

type output struct {
	Command        string          `json:"command"`
	Accumulated    []accumulated   `json:"accumulated"`
	Encapsulations []encapsulation `json:"encapsulations"`
}

type kem struct {
	name   string
	ctSize int
	keygen func(seed []byte) (ek []byte, decaps func([]byte) ([]byte, error), encaps func() ([]byte, []byte), err error)
}

func kems() []kem {
	return []kem{
		{"ML-KEM-768", mlkem.CiphertextSize768, func(seed []byte) ([]byte, func([]byte) ([]byte, error), func() ([]byte, []byte), error) {
			dk, err := mlkem.NewDecapsulationKey768(seed)
			if err != nil {
				return nil, nil, nil, err
			}
			ek := dk.EncapsulationKey()
			return ek.Bytes(), dk.Decapsulate, func() ([]byte, []byte) { k, ct := ek.Encapsulate(); return ct, k }, nil
		}},
		{"ML-KEM-1024", mlkem.CiphertextSize1024, func(seed []byte) ([]byte, func([]byte) ([]byte, error), func() ([]byte, []byte), error) {
			dk, err := mlkem.NewDecapsulationKey1024(seed)
			if err != nil {
				return nil, nil, nil, err
			}
			ek := dk.EncapsulationKey()
			return ek.Bytes(), dk.Decapsulate, func() ([]byte, []byte) { k, ct := ek.Encapsulate(); return ct, k }, nil
		}},
	}
}

func main() {
	out := flag.String("out", "go-fips203.json", "output file")
	count := flag.Int("n", 2000, "accumulated tests per parameter set")
	goAcc := flag.String("accumulated", "", "print Go's accumulated test hashes for these counts (e.g. 100,10000) and exit")
	flag.Parse()
	if *goAcc != "" {
		printGoAccumulated(*goAcc)
		return
	}
	res := output{Command: "cd tools/mlkemvectors && go run . -out ../../tests/data/ml-kem/go-fips203.json"}
	for _, k := range kems() {
		rng := sha3.NewSHAKE128()
		acc := sha3.NewSHAKE128()
		for i := 0; i < *count; i++ {
			seed := make([]byte, 64)
			rng.Read(seed)
			ek, decaps, _, err := k.keygen(seed)
			if err != nil {
				log.Fatal(err)
			}
			acc.Write(ek)
			ct := make([]byte, k.ctSize)
			rng.Read(ct)
			key, err := decaps(ct)
			if err != nil {
				log.Fatal(err)
			}
			acc.Write(key)
		}
		sum := make([]byte, 32)
		acc.Read(sum)
		res.Accumulated = append(res.Accumulated, accumulated{k.name, *count, hex.EncodeToString(sum)})
		for s := 0; s < 4; s++ {
			seed := make([]byte, 64)
			for i := range seed {
				seed[i] = byte(s*64 + i)
			}
			ek, _, encaps, err := k.keygen(seed)
			if err != nil {
				log.Fatal(err)
			}
			ct, key := encaps()
			res.Encapsulations = append(res.Encapsulations, encapsulation{k.name, hex.EncodeToString(seed),
				hex.EncodeToString(ek), hex.EncodeToString(ct), hex.EncodeToString(key)})
		}
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

// printGoAccumulated prints one line per parameter set and count:
// `ML-KEM-1024 10000 <hash>`.
func printGoAccumulated(counts string) {
	for _, c := range strings.Split(counts, ",") {
		n, err := strconv.Atoi(c)
		if err != nil || n <= 0 {
			log.Fatalf("bad count %q", c)
		}
		for _, k := range finalKEMs() {
			h, err := goAccumulated(k, n)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("%s %d %s\n", k.name, n, h)
		}
	}
}
