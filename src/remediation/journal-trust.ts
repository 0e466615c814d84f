/**
 * A journal tells rollback what to write, as root, and where. So it is acted on only when it can be
 * ours: a file the caller (or root) owns that no one else may write, whose steps are ones `harden node`
 * or `harden cluster` make — the account databases, a sysctl drop-in and the four kernel parameters
 * with numeric values, the `default` ServiceAccounts' automountServiceAccountToken, Namespaces' Pod
 * Security labels and NetworkPolicies it created — and which sets no setuid, setgid or sticky bit. A
 * journal written by someone else could otherwise name any file, mode or object.
 */
import fs from 'node:fs';
import { inputError } from '../errors/rke-harden-error.js';
import { PSA_PREFIX } from './cluster-plan.js';
import { changeablePath } from './file-modes-plan.js';
import { ACCOUNT_FILES } from './node-plan.js';
import type { RemediationStep } from './plan.js';
import { SYSCTL_DROP_IN } from './sysctl-file.js';

const DROP_INS = new Set<string>(Object.values(SYSCTL_DROP_IN).map((d) => d.path));
const KERNEL_PARAMETERS = new Set<string>(Object.values(SYSCTL_DROP_IN).flatMap((d) => d.settings.map(([key]) => key)));
const KINDS: Record<string, string> = { ServiceAccount: 'serviceaccounts', Namespace: 'namespaces', NetworkPolicy: 'networkpolicies' };
const SPECIAL_BITS = 0o7000;

/** The file (a journal, or a log it is taken from) is the caller's or root's, and only they may write it. */
export function assertOwnFile(file: string, what: string): void {
  const st = fs.statSync(file);
  const me = process.getuid?.();
  if (me !== undefined && st.uid !== me && st.uid !== 0) throw inputError(`${what} ${file}: owned by uid ${st.uid}, not by you or root: not trusted (rollback writes what it says)`);
  if (st.mode & 0o022) throw inputError(`${what} ${file}: writable by ${st.mode & 0o002 ? 'anyone' : 'its group'} (mode ${(st.mode & 0o777).toString(8)}): not trusted (rollback writes what it says)`);
}

/** Why a step is not one harden makes, or undefined when it is. */
export function implausibleStep(step: RemediationStep): string | undefined {
  switch (step.kind) {
    case 'write-file':
      if (!DROP_INS.has(step.path)) return `writes ${step.path}, not a sysctl drop-in of harden node`;
      if ((step.mode | (step.prior.exists ? step.prior.mode : 0)) & SPECIAL_BITS) return `sets a setuid, setgid or sticky bit on ${step.path}`;
      return undefined;
    case 'append-lines':
      if (!(ACCOUNT_FILES as readonly string[]).includes(step.path)) return `appends to ${step.path}, not an account database`;
      if (step.prior.mode & SPECIAL_BITS) return `sets a setuid, setgid or sticky bit on ${step.path}`;
      return undefined;
    case 'sysctl-load': {
      const keys = [...Object.keys(step.prior), ...Object.keys(step.desired)];
      const bad = keys.find((k) => !KERNEL_PARAMETERS.has(k));
      if (bad) return `sets kernel parameter ${bad}, not one of harden node's`;
      const values = [...Object.values(step.prior), ...Object.values(step.desired)];
      if (values.some((v) => v !== null && !/^-?\d+$/.test(v))) return 'sets a kernel parameter to a value that is not a number';
      return undefined;
    }
    case 'file-mode': {
      const bad = step.entries.find((e) => !changeablePath(e.path));
      if (bad) return `changes the mode or owner of ${bad.path}, outside the directories harden node changes`;
      // harden node only takes permission bits away, and leaves files with special bits alone.
      if (step.entries.some((e) => (e.prior.mode | e.set.mode) & SPECIAL_BITS)) return 'sets a setuid, setgid or sticky bit';
      if (step.entries.some((e) => e.set.mode & ~e.prior.mode)) return 'adds permission bits (harden node only takes them away)';
      return undefined;
    }
    case 'kube-apply': {
      const what = `${step.ref.kind} ${step.ref.namespace ? `${step.ref.namespace}/` : ''}${step.ref.name}`;
      if (KINDS[step.ref.kind] !== step.ref.resource) return `changes ${step.ref.kind} ${step.ref.resource}, not an object harden cluster writes`;
      const paths = step.fields.map((f) => f.path.join('.'));
      const ours = step.ref.kind === 'ServiceAccount' ? step.ref.name === 'default' && paths.every((p) => p === 'automountServiceAccountToken')
        : step.ref.kind === 'Namespace' ? paths.every((p) => p.startsWith(`metadata.labels.${PSA_PREFIX}`))
          : step.ref.name.startsWith('rke-harden-') && !step.prior.exists && paths.every((p) => p === 'spec');
      return ours ? undefined : `changes ${paths.join(', ')} of ${what}, not what harden cluster writes`;
    }
  }
}
