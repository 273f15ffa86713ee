package rules

// What the external tests (package rules_test) reach of the vocabulary's
// decoding, which the public API offers through KindOf (Decode,
// DecodeReader, MarshalFacts).

func VocabDecodeJSON(v *Vocabulary, data []byte, dst any) error { return v.decodeJSON(data, dst) }
func VocabDecodeValue(v *Vocabulary, val any, dst any) error    { return v.decodeValue(val, dst) }
func VocabPlain(v *Vocabulary, facts any) map[string]any        { return v.plain(facts) }
