/**
 * Which checks `harden node --apply` makes pass, from their assertions: the kernel parameters of its
 * sysctl drop-in, the etcd user and group, and a file's mode (at most) or owner (one of). Reports add a
 * line to those checks' remediation, so a reader learns the fix is one journaled command away.
 */
import type { Assertion, Check } from '../model/check.js';
import { oncePerObject } from '../once-per-object.js';
import { SYSCTL_DROP_IN } from './sysctl-file.js';

/** A mode or owner leaf of a `file.<name>` fact: the fact name, and what it allows. */
export interface FileModeLeaf {
  name: string;
  op: 'modeAtMost' | 'ownedBy';
  /** Octal mode text ("600"), or the owners allowed ("root:root"). */
  value: string | string[];
}

export function fileModeLeaf(assert: Assertion): FileModeLeaf | undefined {
  if (!('fact' in assert) || assert.value === undefined) return undefined;
  const m = /^file\.(.+)\.(mode|owner)$/.exec(assert.fact);
  if (m?.[2] === 'mode' && assert.op === 'modeAtMost') return { name: m[1]!, op: 'modeAtMost', value: String(assert.value) };
  if (m?.[2] === 'owner' && assert.op === 'ownedBy') return { name: m[1]!, op: 'ownedBy', value: [assert.value].flat().map(String) };
  return undefined;
}

const SYSCTLS = new Set(Object.values(SYSCTL_DROP_IN).flatMap((d) => d.settings.map(([key]) => `sysctl.${key}`)));

export const HARDEN_NODE_NOTE = 'rke-harden harden node --apply makes this change on the node (journaled: rke-harden rollback undoes it).';

export const fixedByHardenNode = oncePerObject((check: Check): boolean => {
  const a = check.assert;
  if (!a || !('fact' in a)) return false;
  return SYSCTLS.has(a.fact) || /^host\.(user|group)\.etcd\./.test(a.fact) || fileModeLeaf(a) !== undefined;
});

/** The check's remediation text for a distro as reports and `explain` give it: with the harden node line where that command fixes it. */
export const remediationText = (check: Check, distro: 'rke1' | 'rke2'): string => withNote(check)[distro];
const withNote = oncePerObject((check: Check): Record<'rke1' | 'rke2', string> => {
  const note = fixedByHardenNode(check) ? ` ${HARDEN_NODE_NOTE}` : '';
  return { rke1: check.remediation.rke1.text + note, rke2: check.remediation.rke2.text + note };
});
