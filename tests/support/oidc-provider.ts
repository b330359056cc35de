/**
 * A real OpenID provider on 127.0.0.1 for tests (oidc-provider, with its development login and consent pages): one
 * confidential client whose redirect URI is Parley's callback. Accounts are whatever login is typed; their claims come
 * from `accounts` (or a default built from the login).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const OIDC_CLIENT_ID = 'parley-test';
export const OIDC_CLIENT_SECRET = 'parley-test-client-secret-0123456789';

export interface AccountClaims {
  name?: string;
  email?: string;
  email_verified?: boolean;
  picture?: string;
}

export interface TestProvider {
  issuer: string;
  close(): Promise<void>;
}

export async function startOidcProvider(redirectUri: string, accounts: Record<string, AccountClaims> = {}): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: OIDC_CLIENT_ID, client_secret: OIDC_CLIENT_SECRET, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    claims: { openid: ['sub'], profile: ['name', 'picture'], email: ['email', 'email_verified'] },
    pkce: { required: () => true },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, name: `Reader ${id}`, email: `${id}@oidc-probe.example`, email_verified: true, ...accounts[id] }),
    }),
    // Quiet, deterministic keys are fine for a test provider.
    cookies: { keys: ['test-cookie-key-0123456789'] },
  } as never);
  server.on('request', provider.callback());
  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Goes through the provider's development login and consent pages with plain HTTP, as a browser would, from the
 * authorization URL until the provider redirects to `redirectPrefix`; returns that URL (the callback with code and state).
 */
export async function signInAtProvider(authorizationUrl: string, login: string, redirectPrefix: string): Promise<string> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      jar.set(k!.trim(), v.join('='));
    }
  };
  let url = authorizationUrl;
  let body: URLSearchParams | null = null;
  for (let hops = 0; hops < 20; hops++) {
    if (url.startsWith(redirectPrefix)) return url;
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body ? { body } : {}),
    });
    remember(res);
    body = null;
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      continue;
    }
    const page = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (!action) throw new Error(`no form and no redirect at ${url}: ${res.status} ${page.slice(0, 300)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    body = /name="prompt" value="login"/.test(page) ? new URLSearchParams({ prompt: 'login', login, password: 'x' }) : new URLSearchParams({ prompt: 'consent' });
  }
  throw new Error('the provider did not redirect back');
}
