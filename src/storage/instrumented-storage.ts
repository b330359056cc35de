/**
 * A timing decorator for the storage port: every method call is observed (operation name, ok/error, seconds) and
 * otherwise passed through untouched — same arguments, same `this`, same result, same error. A Proxy rather than a
 * hand-written wrapper, so a method added to the port is timed without touching this file.
 */
import type { Storage } from './storage.js';

export type StorageObserver = (operation: string, outcome: 'ok' | 'error', seconds: number, error?: unknown) => void;

type AnyMethod = (...args: unknown[]) => unknown;

export function instrumentStorage<S extends Storage>(storage: S, observe: StorageObserver): S {
  const wrappers = new Map<string, AnyMethod>();
  const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
  // Metrics must never break storage: a throwing observer is ignored.
  const record = (operation: string, outcome: 'ok' | 'error', start: bigint, error?: unknown) => {
    try {
      observe(operation, outcome, seconds(start), error);
    } catch {
      /* ignored */
    }
  };

  return new Proxy(storage, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      let wrapper = wrappers.get(prop);
      if (!wrapper) {
        const method = value as AnyMethod;
        wrapper = function timed(...args: unknown[]): unknown {
          const start = process.hrtime.bigint();
          let result: unknown;
          try {
            result = method.apply(target, args);
          } catch (err) {
            record(prop, 'error', start, err);
            throw err;
          }
          if (!(result instanceof Promise)) {
            record(prop, 'ok', start);
            return result;
          }
          return result.then(
            (v: unknown) => {
              record(prop, 'ok', start);
              return v;
            },
            (err: unknown) => {
              record(prop, 'error', start, err);
              throw err;
            },
          );
        };
        wrappers.set(prop, wrapper);
      }
      return wrapper;
    },
  });
}
