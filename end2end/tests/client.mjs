// A client machine of the sandbox's registry (registry-console-sandbox client): the
// Route hosts resolve to the sandbox's router, podman keeps its images, logins and
// certs.d in the sandbox's directory, and `oc whoami -t` answers with the identity given.
// The commands the console shows run in it as they are, one shell script per call.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SANDBOX_BIN = process.env.E2E_SANDBOX_BIN || resolve('..', 'target/debug/registry-console-sandbox');
// sandbox.env's paths are relative to the checkout.
export const SANDBOX_DIR = resolve('..', process.env.SANDBOX_DIR || '.cache/sandbox-test');

/// Runs `script` with `sh -e` in the client, in `cwd` (a fresh directory by default), as
/// `identity` ({ user, token }; the sandbox's registry-client by default), once the router
/// serves every host in `hosts`. Resolves to { code, output } (stdout and stderr together).
export function client(script, { identity, hosts = [], cwd } = {}) {
  const dir = cwd || mkdtempSync(join(tmpdir(), 'registry-client-'));
  // A directory made here goes with the call (one per call would otherwise pile up in /tmp).
  const cleanUp = () => { if (!cwd) rmSync(dir, { recursive: true, force: true }); };
  const args = ['client', '--dir', SANDBOX_DIR];
  for (const host of hosts) args.push('--wait-for-host', host);
  args.push('--', 'sh', '-ec', script);
  const env = { ...process.env };
  delete env.SANDBOX_CLIENT_USER;
  delete env.SANDBOX_CLIENT_TOKEN;
  if (identity) {
    env.SANDBOX_CLIENT_USER = identity.user;
    env.SANDBOX_CLIENT_TOKEN = identity.token;
  }
  return new Promise((done) => {
    execFile(SANDBOX_BIN, args, { cwd: dir, env, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      cleanUp();
      done({ code: error ? (error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/// Like `client`, but a failing script fails the test with its output.
export async function clientOk(script, options) {
  const result = await client(script, options);
  if (result.code !== 0) throw new Error(`client script failed (${result.code}):\n${script}\n--- output ---\n${result.output}`);
  return result.output;
}

/// A one-file image of its own, `localhost/<name>`, made in the client from nothing but
/// `marker` (so every test pushes layers no other test pushed).
export async function makeImage(name, marker) {
  const dir = mkdtempSync(join(tmpdir(), 'registry-image-'));
  writeFileSync(join(dir, 'hello.txt'), `${marker}\n`);
  try {
    await clientOk(`tar -cf image.tar hello.txt && podman import --quiet image.tar ${name} >/dev/null`, { cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/// The digest the registry at `host` serves for `repository:tag` (a HEAD of the manifest,
/// as the client with the given token; `-k`: only the digest is asked here).
export async function servedDigest(host, reference, identity) {
  const [repository, tag] = reference.split(':');
  const out = await clientOk(
    `curl -sk -o /dev/null -D - -u "x:$(oc whoami -t)" `
    + `-H 'Accept: application/vnd.oci.image.manifest.v1+json' -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' `
    + `-I 'https://${host}/v2/${repository}/manifests/${tag}'`, { identity, hosts: [host] });
  const match = out.match(/docker-content-digest: (\S+)/i);
  if (!match) throw new Error(`no digest for ${reference} at ${host}:\n${out}`);
  return match[1];
}

/// Pulls `image` (`host/project/name:tag`) afresh and returns the manifest digest podman
/// pulled (its repo digest for that repository: the image's own `.Digest` is the one it
/// got when it was first made locally).
export async function pulledDigest(image, { insecure, identity, hosts }) {
  const flag = insecure ? ' --tls-verify=false' : '';
  const out = await clientOk(
    // Every local name of the image goes, so the pulled one has only what it pulled.
    `id=$(podman image inspect --format '{{.Id}}' '${image}' 2>/dev/null) && podman rmi -f "$id" >/dev/null || true\n`
    + `podman pull --quiet${flag} '${image}' >/dev/null\n`
    + `podman image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' '${image}'`, { identity, hosts });
  const repository = image.replace(/:[^:/]+$/, '');
  const line = out.split('\n').find((l) => l.startsWith(`${repository}@`));
  if (!line) throw new Error(`no digest of ${repository} after pulling ${image}:\n${out}`);
  return line.slice(repository.length + 1);
}
