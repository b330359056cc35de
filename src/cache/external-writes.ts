/**
 * Writes the app does not make itself: another process committing to the same SQLite file (the `parley import`
 * commands, a restore, a second instance on the same DATA_DIR). SQLite's `PRAGMA data_version` changes when another
 * connection commits to the file (never for this connection's own commits), so checking it once a second is enough for
 * the read cache to drop what such a write may have changed. The app watches only without Redis (app.ts): with it,
 * writers broadcast what they change. One PRAGMA a second; the timer never holds the process open.
 */
export interface ExternalWritesWatch {
  stop(): void;
}

export function watchExternalWrites(deps: {
  version: () => Promise<number>;
  onChange: () => void;
  intervalMs: number;
  onError?: (err: unknown) => void;
}): ExternalWritesWatch {
  let last: number | undefined;
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      const now = await deps.version();
      if (last !== undefined && now !== last) deps.onChange();
      last = now;
    } catch (err) {
      // A closing or briefly unavailable store: the next tick tries again.
      deps.onError?.(err);
    } finally {
      checking = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), deps.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
