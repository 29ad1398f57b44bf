#!/usr/bin/env node
// End-to-end self test of the sandbox OIDC provider. Node built-ins only.
//
//   node sandbox/oidc/selftest.mjs
//       starts its own provider (start.sh --port 0 in a temporary state dir),
//       runs the checks and stops it again.
//   node sandbox/oidc/selftest.mjs --issuer https://127.0.0.1:5556 \
//       --ca DIR/ca.crt --client-secret-file DIR/client-secret \
//       [--redirect-uri http://127.0.0.1:8080/auth/callback]
//       checks an already running provider (the redirect URI must be registered).
//
// Prints one line "selftest: OK ..." and exits 0, or "selftest: FAIL ..." and exits 1.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const here = path.dirname(new URL(import.meta.url).pathname);
const { values: args } = parseArgs({
  options: {
    issuer: { type: 'string' },
    ca: { type: 'string' },
    'client-secret-file': { type: 'string' },
    'redirect-uri': { type: 'string' },
    'client-id': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
  },
});

const CLIENT_ID = args['client-id'] ?? 'registry-console';
const REDIRECT_URI = args['redirect-uri'] ?? 'http://127.0.0.1:8080/auth/callback';
const POST_LOGOUT = `${new URL(REDIRECT_URI).origin}/`;
const log = (...a) => { if (args.verbose) console.error('  ', ...a); };

class Check extends Error {}
function assert(cond, msg) { if (!cond) throw new Check(msg); }

// ---------------------------------------------------------------- tiny HTTP client

let CA;

function request(method, url, { headers = {}, body, jar } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const h = { ...headers };
    if (jar && jar.size) h.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) {
      h['content-type'] ??= 'application/x-www-form-urlencoded';
      h['content-length'] = Buffer.byteLength(body);
    }
    const req = https.request(u, {
      method, headers: h, ca: CA, agent: false, timeout: 10000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (jar) {
          for (const sc of res.headers['set-cookie'] ?? []) {
            const [pair, ...attrs] = sc.split(';');
            const i = pair.indexOf('=');
            const name = pair.slice(0, i).trim();
            const value = pair.slice(i + 1).trim();
            const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
            if (expired) jar.delete(name); else jar.set(name, value);
          }
        }
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const form = (o) => new URLSearchParams(o).toString();
const b64url = (b) => Buffer.from(b).toString('base64url');

// Follow redirects until the location leaves the issuer (the client's redirect URI).
async function follow(issuer, res, jar, from) {
  let cur = res;
  let url = from;
  for (let i = 0; i < 10; i += 1) {
    if (![302, 303].includes(cur.status)) return { res: cur, url };
    const next = new URL(cur.headers.location, url).toString();
    log(cur.status, '->', next);
    if (!next.startsWith(`${issuer}/`)) return { res: cur, url: next, left: true };
    url = next;
    cur = await request('GET', url, { jar });
  }
  throw new Check('too many redirects');
}

function decodeJwt(jwt) {
  const [h, p, s] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url')),
    payload: JSON.parse(Buffer.from(p, 'base64url')),
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

function verifyRs256(jwt, jwks) {
  const d = decodeJwt(jwt);
  assert(d.header.alg === 'RS256', `id_token alg is ${d.header.alg}, want RS256`);
  const jwk = jwks.keys.find((k) => k.kid === d.header.kid);
  assert(jwk, `no JWKS key with kid ${d.header.kid}`);
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  assert(crypto.verify('RSA-SHA256', Buffer.from(d.signingInput), key, d.signature), 'id_token signature invalid');
  return d.payload;
}

// ---------------------------------------------------------------- the flow

async function login(disc, username, password, {
  expectFail = false, abort = false, jar = new Map(), scope = 'openid profile email groups offline_access', extra = {}, sso = false,
} = {}) {
  const verifier = b64url(crypto.randomBytes(32));
  const challenge = b64url(crypto.createHash('sha256').update(verifier).digest());
  const state = b64url(crypto.randomBytes(12));
  const nonce = b64url(crypto.randomBytes(12));
  const authUrl = `${disc.authorization_endpoint}?${form({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope,
    ...extra,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  })}`;
  let r = await request('GET', authUrl, { jar });
  let f = await follow(disc.issuer, r, jar, authUrl);
  if (sso) {
    assert(f.left, `existing session did not skip the login page (status ${f.res.status})`);
    return { jar, ...callbackParams(disc, f.url, state), verifier, nonce };
  }
  assert(!f.left && f.res.status === 200, `login page not reached (status ${f.res.status})`);
  const html = f.res.body;
  assert(/<label for="username">Username<\/label>/.test(html), 'login page lacks "Username" label');
  assert(/<label for="password">Password<\/label>/.test(html), 'login page lacks "Password" label');
  assert(/>Sign in<\/button>/.test(html), 'login page lacks "Sign in" button');
  const action = /<form id="login-form" method="post" action="([^"]+)"/.exec(html)?.[1];
  assert(action, 'login form action not found');
  const actionUrl = new URL(action.replace(/&amp;/g, '&'), f.url).toString();

  if (abort) {
    const abortAction = /<form method="post" action="([^"]+\/abort)"/.exec(html)?.[1];
    assert(abortAction && html.includes('>Cancel</button>'), 'login page lacks Cancel');
    const abortUrl = new URL(abortAction, f.url).toString();
    r = await request('POST', abortUrl, { jar, body: '' });
    f = await follow(disc.issuer, r, jar, abortUrl);
    const cb = new URL(f.url);
    assert(f.left && cb.searchParams.get('error') === 'access_denied' && cb.searchParams.get('state') === state,
      `cancel did not return access_denied to the client: ${f.url}`);
    return null;
  }
  r = await request('POST', actionUrl, { jar, body: form({ username, password }) });
  if (expectFail) {
    assert([200, 401].includes(r.status), `wrong password: status ${r.status}, want 200/401`);
    assert(r.body.includes('Invalid username or password'), 'wrong password: error text missing');
    assert(r.body.includes('name="password"'), 'wrong password: form not shown again');
    return null;
  }
  assert(r.status === 303, `login POST status ${r.status}: ${r.body.slice(0, 200)}`);
  f = await follow(disc.issuer, r, jar, actionUrl);
  assert(f.left, `did not get back to the redirect URI (status ${f.res.status}: ${f.res.body.slice(0, 300)})`);
  return { jar, ...callbackParams(disc, f.url, state), verifier, nonce };
}

function callbackParams(disc, url, state) {
  const cb = new URL(url);
  assert(`${cb.origin}${cb.pathname}` === REDIRECT_URI, `redirected to ${url}`);
  assert(!cb.searchParams.get('error'), `authorization error ${cb.searchParams.get('error')}: ${cb.searchParams.get('error_description')}`);
  assert(cb.searchParams.get('state') === state, 'state mismatch');
  assert(cb.searchParams.get('iss') === disc.issuer, 'iss parameter mismatch');
  const code = cb.searchParams.get('code');
  assert(code, 'no code in callback');
  return { code };
}

async function token(disc, secret, params, { auth = 'basic' } = {}) {
  const headers = { accept: 'application/json' };
  const p = { ...params };
  if (auth === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  } else {
    p.client_id = CLIENT_ID;
    p.client_secret = secret;
  }
  const r = await request('POST', disc.token_endpoint, { headers, body: form(p) });
  return { status: r.status, json: JSON.parse(r.body || '{}') };
}

async function run(issuer, secret) {
  const steps = [];
  // discovery
  const dr = await request('GET', `${issuer}/.well-known/openid-configuration`);
  assert(dr.status === 200, `discovery status ${dr.status}`);
  const disc = JSON.parse(dr.body);
  assert(disc.issuer === issuer, `discovery issuer ${disc.issuer} != ${issuer}`);
  assert(disc.end_session_endpoint, 'end_session_endpoint missing from discovery');
  assert(disc.code_challenge_methods_supported?.includes('S256'), 'S256 not supported');
  assert(disc.scopes_supported?.includes('groups'), 'groups scope not advertised');
  const jwks = JSON.parse((await request('GET', disc.jwks_uri)).body);
  steps.push('discovery');

  // wrong password
  await login(disc, 'admin', 'not-the-password', { expectFail: true });
  await login(disc, 'no-such-user', 'x', { expectFail: true });
  steps.push('wrong-password-refused');
  await login(disc, '', '', { abort: true });
  steps.push('cancel');

  // PKCE is required
  const noPkce = await request('GET', `${disc.authorization_endpoint}?${form({
    client_id: CLIENT_ID, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', state: 'x',
  })}`);
  const noPkceLoc = noPkce.headers.location ?? '';
  assert(noPkce.status >= 300 && noPkceLoc.includes('error=invalid_request'), 'authorization without PKCE was not refused');
  steps.push('pkce-required');

  // code flow for admin
  const { jar, code, verifier, nonce } = await login(disc, 'admin', 'admin-password');
  let t = await token(disc, secret, {
    grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier,
  });
  assert(t.status === 200, `token exchange ${t.status}: ${JSON.stringify(t.json)}`);
  assert(t.json.id_token && t.json.access_token, 'token response lacks id_token/access_token');
  assert(t.json.refresh_token, 'no refresh_token issued');
  const claims = verifyRs256(t.json.id_token, jwks);
  log('id_token', JSON.stringify(claims));
  assert(claims.iss === issuer, `iss ${claims.iss}`);
  assert(claims.aud === CLIENT_ID || (Array.isArray(claims.aud) && claims.aud.includes(CLIENT_ID)), `aud ${claims.aud}`);
  assert(claims.nonce === nonce, 'nonce mismatch');
  assert(claims.sub === 'admin', `sub ${claims.sub}`);
  assert(JSON.stringify(claims.groups) === '["registry-admins"]', `groups ${JSON.stringify(claims.groups)}`);
  assert(claims.email === 'admin@sandbox.example', `email ${claims.email}`);
  assert(claims.name === 'Sandbox Admin', `name ${claims.name}`);
  assert(claims.preferred_username === 'admin', `preferred_username ${claims.preferred_username}`);
  assert(claims.exp > claims.iat, 'exp <= iat');
  steps.push(`code-flow(id_token ttl=${claims.exp - claims.iat}s)`);

  // a second authorization in the same browser session needs no login form
  const sso = await login(disc, 'admin', '', { jar, sso: true });
  const st = await token(disc, secret, {
    grant_type: 'authorization_code', code: sso.code, redirect_uri: REDIRECT_URI, code_verifier: sso.verifier,
  });
  assert(st.status === 200 && st.json.refresh_token, `sso token exchange ${st.status}`);
  assert(verifyRs256(st.json.id_token, jwks).sub === 'admin', 'sso sub');
  steps.push('sso');

  // userinfo with the access token
  const ui = await request('GET', disc.userinfo_endpoint, { headers: { authorization: `Bearer ${t.json.access_token}` } });
  assert(ui.status === 200, `userinfo ${ui.status}: ${ui.body} ${ui.headers["www-authenticate"] ?? ""}`);
  assert(JSON.parse(ui.body).groups?.[0] === 'registry-admins', 'userinfo lacks groups');

  // refresh (client_secret_post this time)
  const firstRefresh = t.json.refresh_token;
  const rt = await token(disc, secret, { grant_type: 'refresh_token', refresh_token: firstRefresh }, { auth: 'post' });
  assert(rt.status === 200, `refresh ${rt.status}: ${JSON.stringify(rt.json)}`);
  assert(rt.json.id_token && rt.json.access_token, 'refresh response lacks id_token/access_token');
  const rclaims = verifyRs256(rt.json.id_token, jwks);
  assert(JSON.stringify(rclaims.groups) === '["registry-admins"]', 'refreshed id_token lacks groups');
  steps.push('refresh');

  assert(rt.json.refresh_token, 'refresh response lacks a (rotated) refresh_token');

  // wrong client secret
  const bad = await token(disc, `${secret}x`, { grant_type: 'refresh_token', refresh_token: rt.json.refresh_token ?? firstRefresh });
  assert(bad.status === 401 && bad.json.error === 'invalid_client', `wrong client secret: ${bad.status}`);

  // RP-initiated logout: confirmation page, then redirect to post_logout_redirect_uri
  const endUrl = `${disc.end_session_endpoint}?${form({
    id_token_hint: rt.json.id_token, post_logout_redirect_uri: POST_LOGOUT, state: 'bye', client_id: CLIENT_ID,
  })}`;
  const er = await request('GET', endUrl, { jar });
  assert(er.status === 200, `end_session ${er.status}: ${er.body.slice(0, 200)}`);
  assert(er.body.includes('Yes, sign me out'), 'logout confirmation button missing');
  const lAction = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(er.body)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(er.body)?.[1];
  assert(lAction && xsrf, 'logout form not found');
  const lr = await request('POST', new URL(lAction, endUrl).toString(), { jar, body: form({ xsrf, logout: 'yes' }) });
  assert([302, 303].includes(lr.status), `logout confirm status ${lr.status}`);
  const loc = new URL(lr.headers.location, issuer);
  assert(`${loc.origin}${loc.pathname}` === POST_LOGOUT && loc.searchParams.get('state') === 'bye', `logout redirected to ${loc}`);
  steps.push(er.body.includes('f.submit()') ? 'logout(auto-submit page)' : 'logout');

  // a user without groups gets an empty groups array
  const n = await login(disc, 'nobody', 'nobody-password');
  const nt = await token(disc, secret, {
    grant_type: 'authorization_code', code: n.code, redirect_uri: REDIRECT_URI, code_verifier: n.verifier,
  });
  assert(nt.status === 200, `nobody token ${nt.status}`);
  const nclaims = verifyRs256(nt.json.id_token, jwks);
  assert(Array.isArray(nclaims.groups) && nclaims.groups.length === 0, `nobody groups ${JSON.stringify(nclaims.groups)}`);
  steps.push('no-groups-user');

  // prompt=login without offline_access still yields a (session-bound) refresh token
  const v = await login(disc, 'viewer', 'viewer-password', {
    scope: 'openid profile email groups', extra: { prompt: 'login' },
  });
  const vt = await token(disc, secret, {
    grant_type: 'authorization_code', code: v.code, redirect_uri: REDIRECT_URI, code_verifier: v.verifier,
  });
  assert(vt.status === 200 && vt.json.refresh_token, `viewer: no refresh_token (${vt.status})`);
  assert(verifyRs256(vt.json.id_token, jwks).groups?.[0] === 'registry-viewers', 'viewer groups');
  const vr = await token(disc, secret, { grant_type: 'refresh_token', refresh_token: vt.json.refresh_token });
  assert(vr.status === 200, `viewer refresh ${vr.status}: ${JSON.stringify(vr.json)}`);
  steps.push('refresh-without-offline_access');

  // the code is single-use (a replay also revokes the tokens issued from it)
  const again = await token(disc, secret, {
    grant_type: 'authorization_code', code: n.code, redirect_uri: REDIRECT_URI, code_verifier: n.verifier,
  });
  assert(again.status === 400 && again.json.error === 'invalid_grant', 'authorization code reuse not refused');
  steps.push('code-single-use');

  return steps;
}

// ---------------------------------------------------------------- main

async function startOwn() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-selftest-'));
  const t0 = Date.now();
  const child = spawn('bash', [path.join(here, 'start.sh'), '--dir', dir, '--port', '0', '--redirect-uri', REDIRECT_URI], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  const issuer = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`provider did not start in 120s: ${stderr}`)), 120000);
    child.stdout.on('data', (c) => {
      out += c;
      const m = /oidc-provider listening on (\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`provider exited (${code}): ${stderr}`)); });
  });
  log(`started ${issuer} in ${Date.now() - t0} ms`);
  return {
    issuer,
    dir,
    startMs: Date.now() - t0,
    ca: path.join(dir, 'ca.crt'),
    secretFile: path.join(dir, 'client-secret'),
    stop: () => new Promise((resolve) => {
      child.removeAllListeners('exit');
      const timer = setTimeout(() => { child.kill('SIGKILL'); }, 5000);
      child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal }); });
      child.kill('SIGTERM');
    }),
  };
}

let own;
try {
  let issuer; let caFile; let secretFile;
  if (args.issuer) {
    issuer = args.issuer.replace(/\/$/, '');
    caFile = args.ca;
    secretFile = args['client-secret-file'];
    if (!caFile || !secretFile) throw new Check('--ca and --client-secret-file are required with --issuer');
  } else {
    own = await startOwn();
    ({ issuer } = own);
    caFile = own.ca;
    secretFile = own.secretFile;
  }
  CA = fs.readFileSync(caFile);
  const secret = fs.readFileSync(secretFile, 'utf8').trim();
  const steps = await run(issuer, secret);
  if (own) {
    const { code } = await own.stop();
    assert(code === 0, `provider exit code on SIGTERM was ${code}`);
    steps.push('sigterm-exit-0');
    fs.rmSync(own.dir, { recursive: true, force: true });
  }
  console.log(`selftest: OK ${issuer}${own ? ` (started in ${own.startMs} ms)` : ''}: ${steps.join(', ')}`);
  process.exit(0);
} catch (err) {
  if (own) { await own.stop().catch(() => {}); fs.rmSync(own.dir, { recursive: true, force: true }); }
  console.log(`selftest: FAIL ${err instanceof Check ? err.message : (err.stack ?? err)}`);
  process.exit(1);
}
