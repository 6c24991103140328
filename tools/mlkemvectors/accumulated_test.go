package main

import "testing"

// The procedure reproduces crypto/mlkem's own TestAccumulated (-short count).
func TestGoAccumulatedMatchesGosTest(t *testing.T) {
	got, err := goAccumulated(finalKEMs()[0], 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := "1114b1b6699ed191734fa339376afa7e285c9e6acf6ff0177d346696ce564415"; got != want {
		t.Fatalf("ML-KEM-768 x100: %s, want %s", got, want)
	}
}
