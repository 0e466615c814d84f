import { hardenConfig, writeHardenedConfig, type HardenConfigOptions } from '../harden-config/harden-config.js';

/**
 * `harden config`: print the diff and what the companion files are for; write them only with --out.
 * `notHardened`: whether the configuration (main file or a drop-in) differs from --from, or a scored control
 * still fails, for `--check` (exit 1).
 */
export function runHardenConfig(o: HardenConfigOptions & { out?: string; check?: boolean }): { text: string; notHardened: boolean } {
  const h = hardenConfig(o);
  const changed = h.after !== h.before || h.dropIns.some((d) => d.after !== d.before);
  const lines = [changed ? h.diff.trimEnd() : `No change to ${h.fileName}${h.dropIns.length ? ' or its drop-ins' : ''}.`, ''];
  lines.push(`Benchmark: ${h.benchmark}`);
  if (h.companions.length) {
    lines.push('Companion files (written under <out>/host/<path>; copy them to the node):');
    for (const c of h.companions) lines.push(`  ${c.nodePath} (${c.mode.toString(8)}): ${c.purpose}`);
  }
  if (h.manifests.length) {
    lines.push('Objects to apply (written under <out>):');
    for (const m of h.manifests) lines.push(`  ${m.fileName}: ${m.purpose}`);
  }
  for (const n of h.notes) lines.push(`Note: ${n}`);
  if (o.check) {
    if (changed) lines.push('Check: the configuration is not hardened; the diff above is what harden config would change (exit 1).');
    else if (h.stillFailing.length) lines.push(`Check: the configuration is not hardened: ${h.stillFailing.length} scored control(s) still fail (notes above), and harden config has nothing it can change (exit 1).`);
    else lines.push('Check: the configuration is hardened: nothing to change.');
  } else if (o.out) {
    const written = writeHardenedConfig(h, o.out);
    lines.push(`Wrote ${written.length} files under ${o.out}`);
  } else {
    lines.push('Nothing written (pass --out DIR to write).');
  }
  return { text: lines.join('\n') + '\n', notHardened: changed || h.stillFailing.length > 0 };
}
