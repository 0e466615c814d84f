// The CLI from source (no build needed): `node --import tsx test/support/rke-harden-cli.ts <args>`.
// Used where a test must run rke-harden as a separate process, e.g. inside a namespace layout
// (test/support/namespace-layout.ts); bin/rke-harden.js runs the built dist/ instead.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
