package rules

// What the external tests (package rules_test) reach of the vocabulary's
// decoding, which the public API offers through KindOf (Decode,
// DecodeReader, MarshalFacts).

func VocabDecodeJSON(k Kind, data []byte, dst any) error { return k.base().vocab.decodeJSON(data, dst) }
func VocabDecodeValue(k Kind, val any, dst any) error    { return k.base().vocab.decodeValue(val, dst) }
func VocabPlain(k Kind, facts any) map[string]any        { return k.base().vocab.plain(facts) }
