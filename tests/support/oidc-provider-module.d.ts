// oidc-provider ships no type declarations; the tests use its default export (the Provider class) only.
declare module 'oidc-provider';
