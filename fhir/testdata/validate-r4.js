// Validates a FHIR R4 resource (a Bundle validates its entries too) read
// from standard input with FHIR.js, the npm package "fhir" (R4 structure
// definitions and value sets), and prints its result as JSON:
// {"valid": bool, "messages": [{"location", "resourceId", "severity", "message"}]}.
// NODE_PATH must name the node_modules that .ci/run installs.
'use strict';
const { Fhir } = require('fhir');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(new Fhir().validate(input, {})));
