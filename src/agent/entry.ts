/**
 * Program entry for the bundle and the single executable (scripts/build-sea.sh), and for running
 * the sources directly (`node --import tsx src/agent/entry.ts …`, as tests do to spawn the CLI).
 * The data directory is set up before the CLI's modules load (they read it at load time).
 */
import { prepareEmbeddedData } from './sea-data.js';

void (async () => {
  await prepareEmbeddedData();
  const { main } = await import('../cli/main.js');
  process.exitCode = await main(process.argv.slice(2));
})();
