package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// patients returns n eligibility facts objects, one JSON object a line, made
// from a fixed seed: a mix of known, false and unknown facts, treatments
// that ended from 10 years before the screening day to 1 year after it.
func patients(n int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 1))
	flag := func() string {
		switch rng.IntN(10) {
		case 0:
			return "true"
		case 1:
			return "null"
		}
		return "false"
	}
	var b strings.Builder
	for range n {
		fmt.Fprintf(&b, `{"asOf":"2026-11-24","oncology":{"active":%s,"everTreated":true,"lastTreatmentEnd":"%d-%02d-%02d"},`,
			flag(), 2016+rng.IntN(12), 1+rng.IntN(12), 1+rng.IntN(28))
		fmt.Fprintf(&b, `"pregnant":%s,"breastfeeding":%s,"hiv":%s,"immunodeficiency":%s,"mentalStateUnstable":%s,`,
			flag(), flag(), flag(), flag(), flag())
		fmt.Fprintf(&b, `"acuteInflammation":%s,"chronicExacerbation":%s,"clottingDisorder":%s}`+"\n",
			flag(), flag(), flag())
	}
	return b.String()
}
