// Child of bench/scale/cluster-scale.ts: the raw cost of LISTing what `audit cluster` lists — the same
// resources (src/collectors/cluster/resources.ts LIST_SPECS), page size and concurrency, over HTTPS with
// a keep-alive agent, every page parsed as JSON and dropped. No reduction, no evaluation, no catalog.
// Prints one JSON line: {ms, maxRssKb, items, pages}.
//   node --import tsx bench/scale/raw-list.ts <kubeconfig> [--page-size 500] [--concurrency 4]
import fs from 'node:fs';
import https from 'node:https';
import { parse } from 'yaml';
import { COLLECT_DEFAULTS } from '../../src/collectors/cluster/collect-cluster.js';
import { LIST_SPECS } from '../../src/collectors/cluster/resources.js';

const [kubeconfig, ...rest] = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = rest.indexOf(name);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const pageSize = flag('--page-size', COLLECT_DEFAULTS.pageSize);
const concurrency = flag('--concurrency', COLLECT_DEFAULTS.concurrency);

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority': string } }[];
  users: { user: { 'client-certificate': string; 'client-key': string } }[];
}
const kc = parse(fs.readFileSync(kubeconfig!, 'utf8')) as Kubeconfig;
const server = new URL(kc.clusters[0]!.cluster.server);
const agent = new https.Agent({
  keepAlive: true,
  maxSockets: concurrency,
  ca: fs.readFileSync(kc.clusters[0]!.cluster['certificate-authority']),
  cert: fs.readFileSync(kc.users[0]!.user['client-certificate']),
  key: fs.readFileSync(kc.users[0]!.user['client-key']),
});

function get(path: string, accept: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: server.hostname, port: server.port, path, method: 'GET', agent, headers: { accept } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const collectionPath = (r: (typeof LIST_SPECS)[number]['resource']) =>
  `${r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`}${r.namespace ? `/namespaces/${r.namespace}` : ''}/${r.resource}`;

let items = 0;
let pages = 0;
const t0 = performance.now();
const queue = [...LIST_SPECS];
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) {
      const accept = spec.metadataOnly ? 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json' : 'application/json';
      let cont: string | undefined;
      do {
        const r = await get(`${collectionPath(spec.resource)}?limit=${pageSize}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`, accept);
        if (r.status === 404 && spec.notServedIsEmpty) break;
        if (r.status !== 200) throw new Error(`LIST ${collectionPath(spec.resource)}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
        const list = JSON.parse(r.body) as { items?: unknown[]; metadata?: { continue?: string } };
        items += list.items?.length ?? 0;
        pages++;
        cont = list.metadata?.continue || undefined;
      } while (cont);
    }
  }),
);
const ms = performance.now() - t0;
agent.destroy();
process.stdout.write(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, items, pages }) + '\n');
