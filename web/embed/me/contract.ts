/**
 * What embed.js hands the "My comments" view (me.js, a bundle of its own loaded on first open: embed.js stays within
 * its size budget). me.js sets `window.parleyMe` when it runs; embed.js calls it with this context.
 */
export interface MeContext {
  /** The element to render into (inside the widget's shadow root); embed.js empties it at sign-out. */
  root: HTMLElement;
  /** The "My comments" button: a second press closes the view (its aria-expanded follows). */
  button: HTMLButtonElement;
  /** e.g. https://comments.example.org/api/v1 */
  apiBase: string;
  /** The commenter's session (Authorization: Bearer). */
  session: string;
  lang: string;
  /** A comment was deleted here: the thread below stops showing it. */
  onDeleted(id: string): void;
  /** The server no longer takes the session (expired or signed out elsewhere). */
  onSignedOut(): void;
}

export type OpenMe = (ctx: MeContext) => void;

declare global {
  interface Window {
    parleyMe?: OpenMe;
  }
  /** Set by scripts/build-web.mjs: me.js's path with its content hash, and its SRI integrity. */
  const __PARLEY_ME__: { path: string; integrity: string };
}
