import fs from 'node:fs';
import path from 'node:path';
import type { Fact, FactSnapshot } from '../../model/fact.js';
import { admissionConfigFacts, auditPolicyFacts, encryptionConfigFacts, type CompanionSource } from './companion-facts.js';

/** kube-apiserver flags whose value names a file whose content decides checks. */
const REFERENCES: { flag: string; facts: (s: CompanionSource) => Fact[]; covers: string }[] = [
  { flag: 'audit-policy-file', facts: auditPolicyFacts, covers: 'audit.policy' },
  { flag: 'admission-control-config-file', facts: admissionConfigFacts, covers: 'admission' },
  { flag: 'encryption-provider-config', facts: encryptionConfigFacts, covers: 'encryption' },
];

const MAX_BYTES = 1024 * 1024;

function readSmall(file: string): string | undefined {
  try {
    return fs.statSync(file).size <= MAX_BYTES ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * For files the configuration points at but does not contain: Rancher allows the content inline (a value
 * that is YAML, not a path); otherwise, when the path exists on this machine (audit run on the server), it
 * is read; otherwise the report says the file is outside the configuration and `audit node` decides.
 * Distro-generated files (facts already set by the distro layer) are left alone.
 */
export function resolveReferencedFiles(snap: FactSnapshot): void {
  for (const ref of REFERENCES) {
    const flag = snap.facts[`kube-apiserver.args.${ref.flag}`];
    if (!flag || flag.source !== 'config' || typeof flag.value !== 'string') continue;
    const known = Object.keys(snap.facts).some((k) => k.startsWith(ref.covers + '.') && snap.facts[k]!.source !== 'default');
    if (known) continue;
    const value = flag.value;
    const base = { ...(flag.location ? { location: flag.location } : {}) };
    if (value.includes('\n') || /^\s*apiVersion:/.test(value)) {
      for (const f of ref.facts({ text: value, source: 'config', layer: `${ref.flag} (inline content)`, ...base })) snap.facts[f.key] = f;
      // Rancher writes inline file content to the node and passes that path to the component.
      snap.facts[flag.key] = { ...flag, value: `/var/lib/rancher/rke2/etc/config-files/${ref.flag}` };
      continue;
    }
    // The path on this machine (audit run on the server), or under host/ beside the configuration (the layout
    // `harden config --out` writes).
    const candidates = [value, ...(flag.location ? [path.join(path.dirname(flag.location.file), 'host', value)] : [])];
    const found = candidates.map((c) => ({ c, text: readSmall(c) })).find((x) => x.text !== undefined);
    if (found) {
      for (const f of ref.facts({ text: found.text!, source: 'file', layer: `${found.c} (read on this machine)`, location: { file: found.c } })) snap.facts[f.key] = f;
    } else {
      const where = flag.location?.line ? `${flag.location.file}:${flag.location.line}:${flag.location.column}` : snap.target.name;
      const hint = snap.distro === 'rke2' && ref.flag === 'audit-policy-file' ? ' (if the file is missing when RKE2 starts, RKE2 writes a policy that logs nothing)' : '';
      snap.warnings.push(`${where}: ${ref.flag} points at ${value}, which this configuration does not contain and which is not present here: its content is checked by \`audit node\` on the server${hint}`);
    }
  }
}
