/** Runs background jobs on fixed intervals, one run of a job at a time; stop() waits for runs in flight. */
import type { Logger } from '../logger.js';

export interface ScheduledJob {
  name: string;
  intervalMs: number;
  runOnce(): Promise<unknown>;
}

export interface Scheduler {
  stop(): Promise<void>;
}

export function startScheduler(jobs: readonly ScheduledJob[], logger: Logger): Scheduler {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();

  const schedule = (job: ScheduledJob) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const run = job
        .runOnce()
        .then(
          () => undefined,
          (err: unknown) => logger.error({ err, job: job.name }, 'background job failed'),
        )
        .finally(() => {
          running.delete(run);
          schedule(job);
        });
      running.add(run);
    }, job.intervalMs);
    // Jobs never keep the process alive on their own.
    timer.unref();
    timers.add(timer);
  };
  for (const job of jobs) schedule(job);

  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all([...running]);
    },
  };
}
