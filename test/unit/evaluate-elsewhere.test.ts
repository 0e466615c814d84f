// Facts a configuration cannot show (FactSnapshot.elsewhere): a check needing them is manual, unless
// what the target does show already decides it.
import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../../src/engine/evaluate-check.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { emptySnapshot, type FactSnapshot } from '../../src/model/fact.js';

const check = loadCatalog().checks.get('apiserver-admission-pod-security-control-enabled')!;
const REASON = 'admission-control-config-file /x.yaml is not in this configuration: decided by `audit node` on the server';

function snap(plugins: string, extra: Partial<FactSnapshot> = {}): FactSnapshot {
  const s = emptySnapshot({ kind: 'config', name: 'config.yaml' }, 'rke2', 'v1.25.16+rke2r1');
  s.facts['kube-apiserver.args.enable-admission-plugins'] = { key: 'kube-apiserver.args.enable-admission-plugins', value: plugins, source: 'config' };
  return { ...s, ...extra };
}

describe('facts kept elsewhere', () => {
  it('undecided by what the configuration shows: manual with the reason, not the fact\'s default (privileged → fail)', () => {
    expect(evaluateCheck(check, snap('NodeRestriction')).status).toBe('fail'); // no file named: the default applies
    expect(evaluateCheck(check, snap('NodeRestriction', { elsewhere: { admission: REASON } }))).toMatchObject({ status: 'manual', reason: REASON });
  });

  it('decided by what the configuration shows: PodSecurityPolicy enabled passes whatever the file says', () => {
    expect(evaluateCheck(check, snap('NodeRestriction,PodSecurityPolicy', { elsewhere: { admission: REASON } })).status).toBe('pass');
  });

  it('a fact that is present is used even under an elsewhere prefix; errors still win (error, not manual)', () => {
    const read = snap('NodeRestriction', { elsewhere: { admission: REASON } });
    read.facts['admission.PodSecurity.defaults.enforce'] = { key: 'admission.PodSecurity.defaults.enforce', value: 'baseline', source: 'file' };
    expect(evaluateCheck(check, read).status).toBe('pass');
    expect(evaluateCheck(check, snap('NodeRestriction', { elsewhere: { admission: REASON }, errors: { admission: 'permission denied' } })).status).toBe('error');
  });
});
