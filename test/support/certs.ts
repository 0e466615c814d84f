// A throw-away PKI for one control plane, made with the `openssl` CLI:
// a CA, the API server's serving cert, client certs (admin in system:masters, the controller
// manager, the API server's kubelet client) and the service-account key pair.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const VALID_DAYS = '30';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  ca: KeyPair;
  /** Serving cert for 127.0.0.1, localhost and the in-cluster names of the `kubernetes` Service. */
  apiServer: KeyPair;
  /** Client cert CN=kube-admin, O=system:masters (what RKE's kube-admin is). */
  admin: KeyPair;
  /** Client cert CN=system:kube-controller-manager (bound by bootstrap RBAC). */
  controllerManager: KeyPair;
  /** Client cert the API server presents to kubelets (for --kubelet-client-certificate/-key). */
  apiServerKubeletClient: KeyPair;
  /** RSA private key signing service-account tokens, and its public key. */
  serviceAccountKey: string;
  serviceAccountPub: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir });
  } catch (error) {
    const e = error as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new Error('openssl is not on PATH (Debian: apt-get install -y openssl)');
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** A leaf certificate signed by the CA; `extensions` are x509v3 config lines. */
async function issue(dir: string, name: string, subject: string, extensions: string[]): Promise<KeyPair> {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, `${extensions.join('\n')}\n`);
  await openssl(dir, ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', pair.key, '-out', csr]);
  await openssl(dir, [
    'x509', '-req', '-in', csr, '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'),
    '-set_serial', `0x${randomBytes(12).toString('hex')}`, '-days', VALID_DAYS, '-sha256',
    '-extfile', ext, '-out', pair.cert,
  ]);
  return pair;
}

const CLIENT = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'];

/**
 * Writes the PKI into `dir`. `serviceIp` is the first address of --service-cluster-ip-range
 * (the ClusterIP of the `kubernetes` Service), which the serving cert must also name.
 */
export async function generatePki(dir: string, serviceIp = '10.0.0.1'): Promise<Pki> {
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  await openssl(dir, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', VALID_DAYS, '-sha256', '-subj', '/CN=rke-harden-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-keyout', ca.key, '-out', ca.cert,
  ]);
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPub = join(dir, 'sa.pub');
  const [apiServer, admin, controllerManager, apiServerKubeletClient] = await Promise.all([
    issue(dir, 'apiserver', '/CN=kube-apiserver', [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,' +
        `DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:${serviceIp}`,
    ]),
    issue(dir, 'admin', '/O=system:masters/CN=kube-admin', CLIENT),
    issue(dir, 'kube-controller-manager', '/CN=system:kube-controller-manager', CLIENT),
    issue(dir, 'apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', CLIENT),
    (async () => {
      await openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', serviceAccountKey]);
      await openssl(dir, ['pkey', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPub]);
    })(),
  ]);
  return { dir, ca, apiServer, admin, controllerManager, apiServerKubeletClient, serviceAccountKey, serviceAccountPub };
}

/** A client certificate from the PKI's CA, for a component started beside the control plane (kubelet, scheduler, kube-proxy). */
export function issueClientCert(pki: Pki, name: string, subject: string): Promise<KeyPair> {
  return issue(pki.dir, name, subject, CLIENT);
}
