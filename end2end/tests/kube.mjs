// Direct access to the sandbox's API server for test fixtures, as `oc patch` would write
// (field manager `kubectl-patch`): with the sandbox admin's client certificate from
// $KUBECONFIG and the API server's CA from $APISERVER_CA_FILE (passed explicitly, never
// the machine's bundle).
import { readFileSync } from 'node:fs';
import https from 'node:https';

function credentials() {
  const text = readFileSync(process.env.KUBECONFIG, 'utf8');
  const field = (name) => {
    const match = text.match(new RegExp(`${name}: (\\S+)`));
    if (!match) throw new Error(`${name} missing in ${process.env.KUBECONFIG}`);
    return Buffer.from(match[1], 'base64');
  };
  return {
    cert: field('client-certificate-data'),
    key: field('client-key-data'),
    ca: readFileSync(process.env.APISERVER_CA_FILE),
  };
}

function request(method, path, body, contentType) {
  const url = new URL(path, process.env.APISERVER_URL);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ...credentials(), headers: body ? { 'content-type': contentType } : {} }, (res) => {
      let data = '';
      res.on('data', (chunk) => { data += chunk; });
      res.on('end', () => {
        if (res.statusCode >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${data}`));
        else resolve(JSON.parse(data));
      });
    });
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

const CONFIG = '/apis/imageregistry.operator.openshift.io/v1/configs/cluster';

export const getConfig = () => request('GET', CONFIG);

export const patchConfig = (patch) =>
  request('PATCH', `${CONFIG}?fieldManager=kubectl-patch`, patch, 'application/merge-patch+json');

const NS = '/api/v1/namespaces/openshift-image-registry';

export const getClaim = (name) => request('GET', `${NS}/persistentvolumeclaims/${name}`);
export const listClaims = () => request('GET', `${NS}/persistentvolumeclaims`);
export const getSecret = (name) => request('GET', `${NS}/secrets/${name}`);

/// Deletes an object; absent is fine.
export const remove = (path) => request('DELETE', path).catch((e) => {
  if (!String(e.message).includes(': 404 ')) throw e;
});

/// A fresh bare-metal install: Removed, no storage, no claims, no credentials secret
/// (deleted claims finish once the sandbox's binder releases them).
export async function resetStorage() {
  await patchConfig({ spec: { managementState: 'Removed', replicas: 1, rolloutStrategy: null, logLevel: 'Normal',
    storage: { emptyDir: null, pvc: null, s3: null, gcs: null, azure: null, swift: null } } });
  for (const name of ['image-registry-storage', 'registry-block']) {
    await remove(`${NS}/persistentvolumeclaims/${name}`);
  }
  await remove(`${NS}/secrets/image-registry-private-configuration-user`);
  for (let i = 0; i < 50; i += 1) {
    if ((await listClaims()).items.length === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/// A running registry (emptyDir) without routes or trusted registry CAs.
export async function resetExposure() {
  await patchConfig({ spec: { managementState: 'Managed', defaultRoute: false, routes: null,
    storage: { emptyDir: {}, pvc: null, s3: null, gcs: null, azure: null, swift: null } } });
  await request('PATCH', '/apis/config.openshift.io/v1/images/cluster?fieldManager=kubectl-patch',
    { spec: { additionalTrustedCA: null } }, 'application/merge-patch+json');
  await remove(`${NS}/secrets/public-routes-tls`);
  await remove('/api/v1/namespaces/openshift-config/configmaps/registry-config');
}

export const getConfigMap = (name) => request('GET', `/api/v1/namespaces/openshift-config/configmaps/${name}`);
export const getImageConfig = () => request('GET', '/apis/config.openshift.io/v1/images/cluster');

/// A project for the Access tests (present is fine), without registry role bindings.
export async function resetProject(name) {
  await request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, 'application/json')
    .catch((e) => { if (!String(e.message).includes(': 409 ')) throw e; });
  for (const role of ['registry-viewer', 'registry-editor']) {
    await remove(`/apis/rbac.authorization.k8s.io/v1/namespaces/${name}/rolebindings/${role}`);
  }
}

export const getRoleBinding = (namespace, name) =>
  request('GET', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings/${name}`);

const PRUNER = '/apis/imageregistry.operator.openshift.io/v1/imagepruners/cluster';
export const getPruner = () => request('GET', PRUNER);
export const resetPruner = () => request('PATCH', `${PRUNER}?fieldManager=kubectl-patch`,
  { spec: { schedule: '0 0 * * *', suspend: false, keepTagRevisions: 3 } }, 'application/merge-patch+json');

export const listPods = async () =>
  (await request('GET', `${NS}/pods?labelSelector=docker-registry%3Ddefault`)).items;
export const deletePod = (name) => remove(`${NS}/pods/${name}`);

const ready = (pod) => (pod.status?.conditions || []).some((c) => c.type === 'Ready' && c.status === 'True');

/// Waits until every registry pod is a new one (none of `old`), `count` of them Ready;
/// returns them.
export async function waitForNewPods(old, count = 1, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pods = (await listPods()).filter((p) => !p.metadata.deletionTimestamp);
    if (pods.length === count && pods.every((p) => !old.includes(p.metadata.name) && ready(p))) return pods;
    if (Date.now() > deadline) {
      throw new Error(`registry pods not replaced in ${timeoutMs / 1000} s: ${JSON.stringify(pods.map((p) => [p.metadata.name, p.status?.phase, ready(p)]))}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/// Waits until no registry pod is left.
export async function waitForNoPods(timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await listPods()).length > 0) {
    if (Date.now() > deadline) throw new Error('registry pods still there');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/// A service account in `namespace` (present is fine) and a token for it, as
/// { user, token } (the user name the API server gives its tokens).
export async function serviceAccountToken(namespace, name) {
  await request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`,
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } }, 'application/json')
    .catch((e) => { if (!String(e.message).includes(': 409 ')) throw e; });
  const answer = await request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } }, 'application/json');
  return { user: `system:serviceaccount:${namespace}:${name}`, token: answer.status.token };
}

const IMAGE_CONFIG = '/apis/config.openshift.io/v1/images/cluster';
const PULL_SECRET = '/api/v1/namespaces/openshift-config/secrets/pull-secret';

/// The pull secret's `.dockerconfigjson`, parsed.
export async function getPullSecret() {
  const secret = await request('GET', PULL_SECRET);
  return JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8'));
}

/// No registry sources, and the pull secret without `registries` (as the sandbox installs it).
export async function resetRegistries(registries = []) {
  await request('PATCH', `${IMAGE_CONFIG}?fieldManager=kubectl-patch`,
    { spec: { registrySources: null, allowedRegistriesForImport: null, externalRegistryHostnames: null } },
    'application/merge-patch+json');
  const config = await getPullSecret();
  if (!registries.some((r) => r in config.auths)) return;
  for (const r of registries) delete config.auths[r];
  const encoded = Buffer.from(JSON.stringify(config)).toString('base64');
  await request('PATCH', PULL_SECRET, { data: { '.dockerconfigjson': encoded } }, 'application/merge-patch+json');
}
