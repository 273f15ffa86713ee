package main

import (
	"encoding/json"
	"io"
)

func writeJSON(w io.Writer, v any) {
	json.NewEncoder(w).Encode(v)
}
