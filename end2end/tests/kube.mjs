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
