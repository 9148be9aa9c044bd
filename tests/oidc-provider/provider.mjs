// A real OpenID Connect provider (panva's oidc-provider) on loopback, for Sportello's sign-in tests.
//
// Started by tests/src/oidc_provider.rs; prints one JSON line on stdout once listening,
// {"issuer":"http://127.0.0.1:PORT"}, and everything else on stderr. Configured by the environment:
//   OIDC_CLIENT_ID       the one client (required)
//   OIDC_CLIENT_SECRET   its secret (client_secret_basic); unset or empty: a public client
//   OIDC_REDIRECT_URIS   its redirect URIs, separated by spaces (required)
//   OIDC_POST_LOGOUT_REDIRECT_URIS  optional, separated by spaces
//   OIDC_PORT            the port (default 0: any free one)
// An RS256 key is generated at start. PKCE S256 is required. The built-in development interactions ask
// for a login (any password) and a consent; the login name picks the account:
//   a fiscal code (16 letters and digits)  a citizen, fiscal_number "TINIT-<code>"
//   clerk-<office>                         roles ["clerk"], offices [<office>]
//   analyst                                roles ["analyst"]
//   anything else                          an account with a name and no other claims

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

// oidc-provider prints its notices with console.info; stdout carries only the issuer line.
console.info = (...args) => console.error(...args);

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.mjs: set ${name}`);
    process.exit(2);
  }
  return value;
}

const clientId = required('OIDC_CLIENT_ID');
const clientSecret = process.env.OIDC_CLIENT_SECRET || undefined;
const redirectUris = required('OIDC_REDIRECT_URIS').split(' ').filter(Boolean);
const postLogoutRedirectUris = (process.env.OIDC_POST_LOGOUT_REDIRECT_URIS || '').split(' ').filter(Boolean);
const port = Number(process.env.OIDC_PORT || 0);

/** The claims of the account signed in as `login`. */
function claimsOf(login) {
  if (/^[A-Za-z0-9]{16}$/.test(login)) {
    return { name: `Cittadino ${login}`, fiscal_number: `TINIT-${login.toUpperCase()}` };
  }
  const clerk = /^clerk-(.+)$/.exec(login);
  if (clerk) {
    return { name: `Impiegato ${clerk[1]}`, roles: ['clerk'], offices: [clerk[1]] };
  }
  if (login === 'analyst') {
    return { name: 'Analista', roles: ['analyst'] };
  }
  return { name: login };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', alg: 'RS256', use: 'sig' };

const configuration = {
  clients: [
    {
      client_id: clientId,
      ...(clientSecret ? { client_secret: clientSecret } : {}),
      token_endpoint_auth_method: clientSecret ? 'client_secret_basic' : 'none',
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutRedirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub', 'name', 'fiscal_number', 'roles', 'offices'] },
  // Put the account's claims in the ID token itself, not only behind the userinfo endpoint.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...claimsOf(id) };
      },
    };
  },
};

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
// The test harness holds stdin open; when it goes away (the test process died), so does the provider.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
