#!/usr/bin/env node
// Sandbox OpenID Connect provider for Registry Console tests and demos.
// SANDBOX ONLY: static users with published passwords, in-memory storage.
//
// Built on `oidc-provider` (panva). Serves HTTPS on 127.0.0.1 (kube-apiserver
// requires an https issuer). See README.md in this directory.
//
// Flags (each has an env fallback; flags win):
//   --port N                          OIDC_PORT (default 5556; 0 = pick a free port)
//   --host ADDR                       OIDC_HOST (default 127.0.0.1)
//   --tls-cert FILE                   OIDC_TLS_CERT (required, PEM chain)
//   --tls-key FILE                    OIDC_TLS_KEY (required, PEM key)
//   --issuer URL                      OIDC_ISSUER (default https://127.0.0.1:<port>, must have no path)
//   --client-id ID                    OIDC_CLIENT_ID (default registry-console)
//   --client-secret-file FILE         OIDC_CLIENT_SECRET_FILE (required; content trimmed)
//   --redirect-uri URI                OIDC_REDIRECT_URIS (repeatable and/or comma-separated;
//                                     default http://127.0.0.1:8080/auth/callback)
//   --post-logout-redirect-uri URI    OIDC_POST_LOGOUT_REDIRECT_URIS (repeatable/comma-separated;
//                                     default: "<origin>/" of every redirect URI)
//   --jwks-file FILE                  OIDC_JWKS_FILE (private JWKS; created with a fresh RSA key
//                                     if missing; without it a key is generated per run)
//   --users-file FILE                 OIDC_USERS_FILE (JSON array of {username,password,name,
//                                     email,groups}; replaces the built-in users)
//   --auto-logout                     OIDC_AUTO_LOGOUT=1 (end-session confirms itself, no click)
// Token lifetimes (seconds): OIDC_ID_TOKEN_TTL (600), OIDC_ACCESS_TOKEN_TTL (600),
//   OIDC_REFRESH_TOKEN_TTL (86400), OIDC_SESSION_TTL (86400), OIDC_AUTH_CODE_TTL (60).
// OIDC_ROTATE_REFRESH_TOKEN=0 disables refresh token rotation (default: rotate on every use).
// OIDC_DEBUG=1 logs every grant/authorization error to stderr.

import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

// ---------------------------------------------------------------- arguments

function fail(msg) {
  process.stderr.write(`oidc sandbox: ${msg}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret-file': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'jwks-file': { type: 'string' },
      'signing-key-file': { type: 'string' },
      'users-file': { type: 'string' },
      'auto-logout': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
} catch (err) {
  fail(err.message);
}
const args = parsed.values;

if (args.help) {
  const src = fs.readFileSync(new URL(import.meta.url), 'utf8');
  const head = src.split('\n').slice(1).filter((l) => l.startsWith('//')).map((l) => l.slice(3));
  process.stdout.write(`${head.join('\n')}\n`);
  process.exit(0);
}

const env = process.env;
const list = (flagValues, envValue) => {
  const raw = flagValues?.length ? flagValues : (envValue ? [envValue] : []);
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
};
const seconds = (name, dflt) => {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) fail(`${name} must be a positive integer (seconds), got ${JSON.stringify(v)}`);
  return n;
};
const truthy = (v) => ['1', 'true', 'yes', 'on'].includes(String(v ?? '').toLowerCase());

const port = Number(args.port ?? env.OIDC_PORT ?? 5556);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port ${args.port ?? env.OIDC_PORT}`);
const host = args.host ?? env.OIDC_HOST ?? '127.0.0.1';
const tlsCert = args['tls-cert'] ?? env.OIDC_TLS_CERT;
const tlsKey = args['tls-key'] ?? env.OIDC_TLS_KEY;
if (!tlsCert || !tlsKey) fail('--tls-cert and --tls-key are required (start.sh generates them)');
const clientId = args['client-id'] ?? env.OIDC_CLIENT_ID ?? 'registry-console';
const clientSecretFile = args['client-secret-file'] ?? env.OIDC_CLIENT_SECRET_FILE;
if (!clientSecretFile) fail('--client-secret-file is required');
const clientSecret = fs.readFileSync(clientSecretFile, 'utf8').trim();
if (clientSecret.length < 16) fail(`client secret in ${clientSecretFile} is shorter than 16 characters`);

const redirectUris = list(args['redirect-uri'], env.OIDC_REDIRECT_URIS);
if (!redirectUris.length) redirectUris.push('http://127.0.0.1:8080/auth/callback');
let postLogoutRedirectUris = list(args['post-logout-redirect-uri'], env.OIDC_POST_LOGOUT_REDIRECT_URIS);
if (!postLogoutRedirectUris.length) {
  postLogoutRedirectUris = [...new Set(redirectUris.map((u) => `${new URL(u).origin}/`))];
}
const jwksFile = args['jwks-file'] ?? env.OIDC_JWKS_FILE;
const signingKeyFile = args['signing-key-file'] ?? env.OIDC_SIGNING_KEY_FILE;
const usersFile = args['users-file'] ?? env.OIDC_USERS_FILE;
const autoLogout = args['auto-logout'] || truthy(env.OIDC_AUTO_LOGOUT);
const debug = truthy(env.OIDC_DEBUG);
const rotateRefreshToken = env.OIDC_ROTATE_REFRESH_TOKEN === undefined
  ? true : truthy(env.OIDC_ROTATE_REFRESH_TOKEN);

const ttl = {
  idToken: seconds('OIDC_ID_TOKEN_TTL', 600),
  accessToken: seconds('OIDC_ACCESS_TOKEN_TTL', 600),
  refreshToken: seconds('OIDC_REFRESH_TOKEN_TTL', 24 * 60 * 60),
  session: seconds('OIDC_SESSION_TTL', 24 * 60 * 60),
  authCode: seconds('OIDC_AUTH_CODE_TTL', 60),
};

// ---------------------------------------------------------------- users

// SANDBOX ONLY. These passwords are published in README.md on purpose.
const DEFAULT_USERS = [
  { username: 'admin', password: 'admin-password', name: 'Sandbox Admin', groups: ['registry-admins'] },
  { username: 'viewer', password: 'viewer-password', name: 'Sandbox Viewer', groups: ['registry-viewers'] },
  { username: 'auditor', password: 'auditor-password', name: 'Sandbox Auditor', groups: ['registry-auditors'] },
  { username: 'nobody', password: 'nobody-password', name: 'Sandbox Nobody', groups: [] },
  // An admin of some projects only (tests bind the group where they need it): the API
  // server's escalation check is tried with this user.
  { username: 'projectadmin', password: 'projectadmin-password', name: 'Sandbox Project Admin', groups: ['project-admins'] },
];

function loadUsers() {
  const raw = usersFile ? JSON.parse(fs.readFileSync(usersFile, 'utf8')) : DEFAULT_USERS;
  if (!Array.isArray(raw) || !raw.length) fail('users file must hold a non-empty JSON array');
  const map = new Map();
  for (const u of raw) {
    if (typeof u.username !== 'string' || !u.username || typeof u.password !== 'string') {
      fail(`invalid user entry ${JSON.stringify(u)}`);
    }
    map.set(u.username, {
      username: u.username,
      password: u.password,
      name: u.name ?? u.username,
      email: u.email ?? `${u.username}@sandbox.example`,
      groups: Array.isArray(u.groups) ? u.groups.map(String) : [],
    });
  }
  return map;
}
const USERS = loadUsers();

function checkPassword(username, password) {
  const user = USERS.get(username);
  // Compare digests so the comparison does not leak length or position.
  const a = crypto.createHash('sha256').update(String(password ?? '')).digest();
  const b = crypto.createHash('sha256').update(user ? user.password : crypto.randomUUID()).digest();
  return user && crypto.timingSafeEqual(a, b) ? user : undefined;
}

async function findAccount(_ctx, sub) {
  const user = USERS.get(sub);
  if (!user) return undefined;
  return {
    accountId: sub,
    // The provider filters this by the granted scopes/claims.
    async claims() {
      return {
        sub: user.username,
        name: user.name,
        preferred_username: user.username,
        email: user.email,
        email_verified: true,
        groups: user.groups,
      };
    },
  };
}

// ---------------------------------------------------------------- keys

// The signing key: a PEM made by start.sh with the openssl command when one is given.
// Why not generate it here: a provider that stayed silent for 120 s on a fresh machine was
// found blocked on a futex on its main thread after importing oidc-provider and before
// constructing it, where the one native work is this RSA key generation (OpenSSL 3,
// synchronous, on the event loop's thread). Reading a PEM is no generation.
function generateSigningJwk() {
  const privateKey = signingKeyFile
    ? crypto.createPrivateKey(fs.readFileSync(signingKeyFile))
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = crypto.createPublicKey(privateKey).export({ format: 'jwk' });
  // RFC 7638 thumbprint as a stable kid.
  const kid = crypto.createHash('sha256')
    .update(JSON.stringify({ e: pub.e, kty: pub.kty, n: pub.n }))
    .digest('base64url');
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}

function loadJwks() {
  if (jwksFile && fs.existsSync(jwksFile)) {
    const jwks = JSON.parse(fs.readFileSync(jwksFile, 'utf8'));
    if (!Array.isArray(jwks.keys) || !jwks.keys.some((k) => k.kty === 'RSA' && k.d)) {
      fail(`${jwksFile} must be a private JWKS with at least one RSA key`);
    }
    return jwks;
  }
  const jwks = { keys: [generateSigningJwk()] };
  if (jwksFile) fs.writeFileSync(jwksFile, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o600 });
  return jwks;
}

// ---------------------------------------------------------------- HTML

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

// No external fonts or scripts: the sandbox runs without internet.
const STYLE = `body{font-family:system-ui,sans-serif;background:#f3f3f3;margin:0;padding:40px 0}
main{max-width:340px;margin:0 auto;background:#fff;padding:24px 32px;border-radius:4px;box-shadow:0 1px 3px rgba(0,0,0,.25)}
h1{font-size:1.4em;font-weight:500;margin-top:0}label{display:block;margin:12px 0 4px}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:8px;font-size:1em}
button{margin-top:16px;width:100%;padding:10px;font-size:1em;background:#0066cc;color:#fff;border:0;border-radius:3px;cursor:pointer}
button.secondary{background:#eee;color:#333}.error{color:#b00020;margin:8px 0}.note{color:#666;font-size:.85em;margin-top:16px}
pre{white-space:pre-wrap;word-break:break-word}`;

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function loginPage({ uid, clientId: cid, username = '', error }) {
  return page('Sign in - Sandbox OIDC', `
<h1>Sign in</h1>
<p>to <strong>${esc(cid)}</strong> (sandbox identity provider)</p>
${error ? `<p class="error" id="login-error" role="alert">${esc(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
  <label for="username">Username</label>
  <input id="username" name="username" type="text" value="${esc(username)}" required autofocus autocapitalize="none" spellcheck="false">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" required>
  <button id="sign-in" type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button class="secondary" id="cancel" type="submit">Cancel</button></form>
<p class="note">Sandbox only. Test users are listed in sandbox/oidc/README.md.</p>`);
}

// ---------------------------------------------------------------- provider

function buildConfiguration(jwks, cookieKeys) {
  return {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      client_name: 'Registry Console',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutRedirectUris,
      // client_secret_post is accepted as well: oidc-provider treats basic and
      // post as interchangeable for a client registered with either.
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      application_type: 'web',
    }],
    jwks,
    cookies: {
      keys: cookieKeys,
      // `secure` is set automatically because every request arrives over TLS.
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    findAccount,
    responseTypes: ['code'],
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // Put the scope-derived user claims into the ID token too (not only into
    // /userinfo): kube-apiserver reads `groups` from the ID token.
    conformIdTokenClaims: false,
    pkce: { required: () => true }, // v9 supports S256 only
    // Issue a refresh token for every authorization_code grant of a client
    // allowed to use refresh_token. With `offline_access` granted the refresh
    // token outlives the login session; without it, it ends with the session
    // (e.g. at logout). Note oidc-provider drops `offline_access` when the
    // request carries a `prompt` without `consent`; this still yields a
    // refresh token, bound to the session.
    async issueRefreshToken(_ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    rotateRefreshToken: rotateRefreshToken ? () => true : () => false,
    // First-party client: never show a consent screen. The interaction
    // handlers grant whatever is requested (see autoConsent below).
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          const auto = autoLogout
            // the form is already in the page; submit it with logout=yes
            ? '<script>(function(){var f=document.getElementById("op.logoutForm");var i=document.createElement("input");i.type="hidden";i.name="logout";i.value="yes";f.appendChild(i);f.submit();})();</script>'
            : '';
          ctx.body = page('Sign out - Sandbox OIDC', `
<h1>Sign out</h1>
<p>Do you want to sign out from the sandbox identity provider?</p>
${form}
<button id="logout-yes" type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button id="logout-no" class="secondary" type="submit" form="op.logoutForm">No, stay signed in</button>
${auto}`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = page('Signed out - Sandbox OIDC', '<h1>Signed out</h1><p id="signed-out">You have been signed out.</p>');
        },
      },
      revocation: { enabled: true },
      introspection: { enabled: true },
      userinfo: { enabled: true },
    },
    ttl: {
      AccessToken: ttl.accessToken,
      IdToken: ttl.idToken,
      RefreshToken(ctx, token) {
        // keep the absolute lifetime when rotating
        if (ctx?.oidc?.entities?.RotatedRefreshToken) {
          return ctx.oidc.entities.RotatedRefreshToken.remainingTTL;
        }
        return ttl.refreshToken;
      },
      AuthorizationCode: ttl.authCode,
      Interaction: 30 * 60,
      Session: ttl.session,
      Grant: Math.max(ttl.session, ttl.refreshToken) + 60,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error - Sandbox OIDC', `<h1>Something went wrong</h1>${
        Object.entries(out).map(([k, v]) => `<pre><strong>${esc(k)}</strong>: ${esc(v)}</pre>`).join('')}`);
    },
  };
}

// Grant everything that is requested (first-party sandbox client).
async function autoConsent(provider, details) {
  const { prompt, params, session } = details;
  const accountId = session?.accountId;
  let grant;
  if (details.grantId) {
    grant = await provider.Grant.find(details.grantId);
  }
  grant ??= new provider.Grant({ accountId, clientId: params.client_id });
  if (params.scope) grant.addOIDCScope(String(params.scope));
  const d = prompt?.details ?? {};
  if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
  if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
  if (d.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  if (params.claims) {
    try {
      const claims = JSON.parse(params.claims);
      const names = new Set([
        ...Object.keys(claims.id_token ?? {}),
        ...Object.keys(claims.userinfo ?? {}),
      ]);
      if (names.size) grant.addOIDCClaims([...names]);
    } catch { /* invalid claims param is rejected by the provider itself */ }
  }
  return grant.save();
}

// ---------------------------------------------------------------- interaction routes

function readForm(req, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) { reject(new Error('request body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function sendHtml(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

async function handleInteraction(provider, req, res, uid, action) {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) {
      sendHtml(res, 400, page('Sign-in expired - Sandbox OIDC',
        '<h1>Sign-in expired</h1><p id="interaction-expired">This sign-in request is no longer valid. Go back to the application and start again.</p>'));
      return;
    }
    throw err;
  }
  if (details.uid !== uid) {
    sendHtml(res, 400, page('Error - Sandbox OIDC', '<h1>Interaction mismatch</h1>'));
    return;
  }
  const promptName = details.prompt?.name;

  if (req.method === 'GET' && !action) {
    if (promptName === 'login') {
      sendHtml(res, 200, loginPage({ uid, clientId: details.params.client_id }));
      return;
    }
    if (promptName === 'consent') {
      const grantId = await autoConsent(provider, details);
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    sendHtml(res, 400, page('Error - Sandbox OIDC', `<h1>Unsupported prompt</h1><pre>${esc(promptName)}</pre>`));
    return;
  }

  if (req.method === 'POST' && action === 'login') {
    if (promptName !== 'login') {
      res.statusCode = 303;
      res.setHeader('Location', details.returnTo);
      res.end();
      return;
    }
    const form = await readForm(req);
    const username = (form.get('username') ?? '').trim();
    const user = checkPassword(username, form.get('password'));
    if (!user) {
      sendHtml(res, 401, loginPage({
        uid, clientId: details.params.client_id, username, error: 'Invalid username or password',
      }));
      return;
    }
    // Log in and grant consent in one step (no consent screen).
    // Reuse the session's grant only if the same user signs in again.
    const sameUser = details.session?.accountId === user.username;
    const grantId = await autoConsent(provider, {
      ...details,
      grantId: sameUser ? details.grantId : undefined,
      session: { accountId: user.username },
    });
    await provider.interactionFinished(req, res, {
      login: { accountId: user.username, amr: ['pwd'] },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
    return;
  }

  if (req.method === 'POST' && action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    return;
  }

  res.statusCode = 405;
  res.end();
}

// ---------------------------------------------------------------- main

const INTERACTION_RE = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?\/?$/;

let provider;
let providerCallback;

const server = https.createServer({
  cert: fs.readFileSync(tlsCert),
  key: fs.readFileSync(tlsKey),
}, (req, res) => {
  if (!providerCallback) {
    res.statusCode = 503;
    res.end('starting');
    return;
  }
  const path = (req.url ?? '/').split('?')[0];
  const m = INTERACTION_RE.exec(path);
  if (m) {
    handleInteraction(provider, req, res, m[1], m[2]).catch((err) => {
      process.stderr.write(`oidc sandbox: interaction error: ${err.stack ?? err}\n`);
      if (!res.headersSent) sendHtml(res, 500, page('Error - Sandbox OIDC', '<h1>Internal error</h1>'));
      else res.end();
    });
    return;
  }
  providerCallback(req, res);
});

server.on('error', (err) => {
  process.stderr.write(`oidc sandbox: server error: ${err.message}\n`);
  process.exit(1);
});

server.listen(port, host, () => {
  const actualPort = server.address().port;
  const issuer = (args.issuer ?? env.OIDC_ISSUER ?? `https://127.0.0.1:${actualPort}`).replace(/\/$/, '');
  const issuerUrl = new URL(issuer);
  if (issuerUrl.protocol !== 'https:') fail('--issuer must be an https URL');
  if (issuerUrl.pathname !== '/') fail('--issuer must not have a path');

  const cookieKeys = [crypto.randomBytes(32).toString('base64url')];
  provider = new Provider(issuer, buildConfiguration(loadJwks(), cookieKeys));
  // Requests come straight over TLS, no proxy in front.
  provider.proxy = false;

  provider.on('server_error', (_ctx, err) => {
    process.stderr.write(`oidc sandbox: server_error: ${err.stack ?? err}\n`);
  });
  if (debug) {
    for (const ev of ['grant.error', 'authorization.error', 'end_session.error', 'userinfo.error',
      'introspection.error', 'revocation.error', 'jwks.error', 'discovery.error']) {
      provider.on(ev, (_ctx, err) => {
        process.stderr.write(`oidc sandbox: ${ev}: ${err.message}${err.error_description ? ` (${err.error_description})` : ''}\n`);
      });
    }
    provider.on('grant.success', (ctx) => {
      process.stderr.write(`oidc sandbox: grant.success ${ctx.oidc.params.grant_type}\n`);
    });
  }
  providerCallback = provider.callback();
  process.stdout.write(`oidc-provider listening on ${issuer}\n`);
});

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`oidc sandbox: ${signal}, shutting down\n`);
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
