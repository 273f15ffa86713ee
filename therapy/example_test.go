package therapy_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/reocell/celltherapy/therapy"
)

// The patient's own cells are of poor quality, so donor cells are the
// choice although the patient prefers their own.
func ExampleSelector_Select() {
	data, err := os.ReadFile("../examples/therapy-patient.json")
	if err != nil {
		log.Fatal(err)
	}
	facts, err := therapy.DecodeFacts(data)
	if err != nil {
		log.Fatal(err) // rules.FieldErrors, each with its JSON path
	}
	d, err := therapy.NewDefaultSelector().Select(context.Background(), facts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("choice:", d.Choice)
	for _, r := range d.Options.Autologous.Reasons {
		fmt.Println("autologous ruled out by", r.Rule)
	}
	fmt.Println("donor cells from:", d.Options.Allogeneic.EarliestStart)
	fmt.Println("routes:", d.Routes, "into the", d.Site)
	fmt.Printf("dose: %.0e cells x %d\n", *d.Dose.Cells, d.Dose.Administrations)
	fmt.Println("missing:", len(d.Missing))
	// Output:
	// choice: allogeneic
	// autologous ruled out by own-cells-poor-quality
	// donor cells from: 2026-11-24
	// routes: [intra-articular local] into the left knee
	// dose: 5e+07 cells x 1
	// missing: 0
}
