/**
 * OpenID Connect sign-in (openid-client v6): authorization code flow with PKCE (S256), state and nonce. `start` makes
 * the provider's authorization URL and a sealed state (verifier, state, nonce, the site's origin) that travels in an
 * HttpOnly cookie; `finish` checks the provider's answer against it and returns the commenter. The provider's metadata
 * is discovered on first use and kept (a failed discovery is retried on the next sign-in).
 */
import * as client from 'openid-client';
import { cleanDisplayName, identityKeyOf, safeAvatarUrl, type Commenter } from '../domain/commenter.js';
import { AppError } from '../domain/errors.js';
import type { Sealer } from './sealed.js';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  nameClaim: string;
  /** PUBLIC_URL + /auth/oidc/callback, registered at the provider. */
  redirectUri: string;
}

export interface OidcSignIn {
  start(origin: string): Promise<{ url: string; state: string }>;
  /** `callbackUrl`: the callback's full URL as the provider sent the browser to it; `state`: the cookie's sealed state. */
  finish(callbackUrl: URL, state: string | undefined): Promise<{ commenter: Commenter; origin: string }>;
  /** The origin a sealed state was made for (to answer an error to the right window), or null. */
  originOf(state: string | undefined): Promise<string | null>;
}

/** How long a sign-in may take at the provider. */
export const OIDC_STATE_SECONDS = 600;

const failed = (message = 'The sign-in did not succeed. Please try again.') => new AppError('sso_invalid', message);

export interface OidcDeps {
  settings: OidcSettings;
  serverSecret: string;
  states: Sealer;
  /** Told why a discovery or code exchange failed (for the log; the reader gets a neutral message). */
  onFailure: (err: unknown) => void;
}

export function oidcSignIn({ settings, serverSecret, states, onFailure }: OidcDeps): OidcSignIn {
  let discovered: Promise<client.Configuration> | null = null;
  const configuration = () =>
    (discovered ??= client
      .discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined, {
        // An http issuer is accepted for development and tests only (127.0.0.1); production issuers are https.
        ...(settings.issuer.startsWith('http:') ? { execute: [client.allowInsecureRequests] } : {}),
        timeout: 10,
      })
      .catch((err: unknown) => {
        discovered = null;
        onFailure(err);
        throw new AppError('provider_unavailable', 'The sign-in provider cannot be reached. Please try again later.');
      }));

  return {
    async start(origin) {
      const config = await configuration();
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: 'openid profile email',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const sealed = await states.seal({ v: verifier, s: state, n: nonce, o: origin }, 'oidc', OIDC_STATE_SECONDS);
      return { url: url.href, state: sealed.token };
    },

    async finish(callbackUrl, sealedState) {
      const saved = await states.open(sealedState);
      if (!saved || typeof saved.v !== 'string' || typeof saved.s !== 'string' || typeof saved.n !== 'string' || typeof saved.o !== 'string') {
        throw failed('The sign-in took too long or was started elsewhere. Please try again.');
      }
      const config = await configuration();
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: saved.v, expectedState: saved.s, expectedNonce: saved.n, idTokenExpected: true });
      } catch (err) {
        onFailure(err);
        throw failed();
      }
      const idClaims = tokens.claims();
      if (!idClaims) throw failed();
      let claims: Record<string, unknown> = { ...idClaims };
      // Many providers put the profile in userinfo only.
      if (claims[settings.nameClaim] === undefined || claims.email === undefined) {
        const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub).catch(() => null);
        if (info) claims = { ...info, ...claims };
      }
      const name = cleanDisplayName(claims[settings.nameClaim]) ?? cleanDisplayName(claims.preferred_username) ?? cleanDisplayName(claims.nickname);
      if (!name) throw failed('The sign-in gave no name to show. Please set one at your provider.');
      const email = typeof claims.email === 'string' && /^[^\s@<>]{1,64}@[^\s@<>]{1,253}$/.test(claims.email) ? claims.email : null;
      return {
        origin: saved.o,
        commenter: {
          provider: 'oidc',
          key: identityKeyOf('oidc', settings.issuer, idClaims.sub, serverSecret),
          name,
          email,
          emailVerified: email !== null && claims.email_verified === true,
          avatarUrl: safeAvatarUrl(claims.picture),
          badge: null,
          trusted: false,
        },
      };
    },

    async originOf(sealedState) {
      const saved = await states.open(sealedState);
      return typeof saved?.o === 'string' ? saved.o : null;
    },
  };
}
