#!/usr/bin/env node
// Thin launcher: the CLI bundled by `npm run build` (dist/bundle/, fast to start), or the compiled
// modules (dist/cli/) when the bundle was not built.
import fs from 'node:fs';

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const bundle = new URL('../dist/bundle/main.js', import.meta.url);
const { main } = await import(fs.existsSync(bundle) ? bundle.href : '../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
