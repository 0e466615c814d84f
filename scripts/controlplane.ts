// Start a real control plane by hand (npm run controlplane): etcd + kube-apiserver
// (+ kube-controller-manager) on 127.0.0.1, until Ctrl-C.
//
//   npx tsx scripts/controlplane.ts [--no-controller-manager] [--keep-dir] [-- <kube-apiserver flags>]
//
// Build the binaries first with scripts/build-controlplane.sh. kube-apiserver flags may use
// {{dir}} for the control plane's temp directory, e.g. -- --audit-log-path={{dir}}/audit.log
import { controlPlaneSummary, serverErrorLines, startControlPlane, type ControlPlane } from '../test/support/control-plane.js';
import { killAllNow, whenParentDies } from '../test/support/processes.js';

const USAGE = 'usage: npx tsx scripts/controlplane.ts [--no-controller-manager] [--keep-dir] [-- <kube-apiserver flags>]';

function parseArgs(argv: string[]): { controllerManager: boolean; keepDir: boolean; apiServerArgs: string[] } {
  const separator = argv.indexOf('--');
  const own = separator === -1 ? argv : argv.slice(0, separator);
  const apiServerArgs = separator === -1 ? [] : argv.slice(separator + 1);
  const options = { controllerManager: true, keepDir: false, apiServerArgs };
  for (const arg of own) {
    if (arg === '--no-controller-manager') options.controllerManager = false;
    else if (arg === '--keep-dir') options.keepDir = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`unknown argument ${arg}\n${USAGE}`);
      process.exit(2);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const running: { cp?: ControlPlane } = {};
  let stopping = false;
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const shutdown = async (why: string, code: number): Promise<void> => {
    if (stopping) {
      // A second Ctrl-C: no more waiting for a graceful stop.
      killAllNow();
      process.exit(130);
    }
    stopping = true;
    console.error(`\n${why}: stopping the control plane...`);
    await running.cp?.stop();
    clearInterval(keepAlive);
    console.error('stopped');
    process.exit(code);
  };
  // Registered before the start, so that Ctrl-C during the start also tears down. Kept registered
  // (not `once`): while this script listens, the harness's own signal hook leaves the stop to us.
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  whenParentDies(() => void shutdown('parent process gone', 1));

  const cp = await startControlPlane({
    controllerManager: args.controllerManager,
    keepDir: args.keepDir,
    extraApiServerArgs: args.apiServerArgs,
    log: (line) => console.error(line),
  });
  running.cp = cp;
  if (stopping) return void (await cp.stop());

  console.log(controlPlaneSummary(cp).join('\n'));
  console.log('Press Ctrl-C to stop. For kubectl:');
  console.log(`export KUBECONFIG=${cp.kubeconfigPath}`);

  // A server that dies on its own ends the session too.
  const { etcd, apiServer, controllerManager } = cp.processes;
  const died = await Promise.race([etcd, apiServer, controllerManager].filter((p) => p !== undefined).map((p) => p.exited.then(() => p)));
  if (!stopping) {
    console.error(`${died.name} exited unexpectedly:\n${serverErrorLines(died.stderr()).join('\n')}`);
    await shutdown(`${died.name} died`, 1);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
