/** Erases commenters' IPs, user agents and referrers once the retention window has passed. */
import type { Storage } from '../storage/storage.js';
import type { Logger } from '../logger.js';

export function createRetentionJob(deps: { storage: Storage; clock: () => Date; retentionDays: number; logger: Logger }) {
  return {
    name: 'retention',
    async runOnce(): Promise<number> {
      const before = new Date(deps.clock().getTime() - deps.retentionDays * 86_400_000);
      const erased = await deps.storage.eraseContextBefore(before);
      if (erased > 0) deps.logger.info({ erased, retentionDays: deps.retentionDays }, 'erased private submission context');
      return erased;
    },
  };
}
