// Command embed is the smallest program that embeds celltherapy: it screens
// one patient, given as JSON on standard input, against the clinic's default
// contraindication rules and prints the outcome and what to ask next.
//
//	go run ./examples/embed < examples/patient.json
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/reocell/celltherapy/eligibility"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		log.Fatal(err)
	}
	facts, err := eligibility.DecodeFacts(data) // strict: errors name the JSON path
	if err != nil {
		log.Fatal(err)
	}
	decision, err := eligibility.NewDefaultScreener().Screen(context.Background(), facts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(decision.Outcome)
	for _, f := range decision.Findings {
		fmt.Printf("  %s: %s\n", f.Rule, f.Message)
	}
	for _, m := range decision.Missing {
		fmt.Printf("  ask: %s\n", m.Question)
	}
}
