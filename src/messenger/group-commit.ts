// Group commit: the jobs submitted during one event-loop turn run together in one transaction, and each
// is acknowledged only once that transaction has committed. A commit costs far more than the rows of one
// message (the WAL write and its checkpoints), so under load it is shared by every send of the turn.
//
// Batches run one at a time, in submission order: jobs arriving while a batch runs (an asynchronous
// engine) form the next batch, which starts when the running one has settled. So the order in which jobs
// are acknowledged is the order in which their writes were made durable. A batch that reaches maxBatch
// jobs does not wait for the end of the turn.
//
// With a window, a batch also starts no sooner than `windowMs` after the previous one started. Under a
// moderate load every send would otherwise arrive in a turn of its own and pay a whole commit (about 20 pages
// written and an fsync); waiting a few milliseconds lets several share it. A store that has been quiet for
// the window commits at the end of the turn, as without one.

/** How one job of a batch ended: its value, or the error that fails this job alone. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs a batch in one transaction and returns an outcome per job, in the jobs' order. Throwing (or a
 * failed commit) fails every job of the batch.
 */
export type BatchRunner<J, R> = (jobs: readonly J[]) => Promise<Outcome<R>[]>;

export interface GroupCommitOptions {
  /** Jobs per transaction at most; the rest wait for the next batch. */
  maxBatch?: number;
  /** Runs `fn` after the current turn (setImmediate: after the I/O callbacks of this loop iteration). */
  schedule?: (fn: () => void) => void;
  /** Least time between the starts of two batches, in ms (0: none). */
  windowMs?: number;
  /** A clock in ms, for the window. */
  now?: () => number;
  /** Runs `fn` after `ms` ms (setTimeout). */
  after?: (fn: () => void, ms: number) => void;
}

interface Pending<J, R> {
  job: J;
  resolve(value: R): void;
  reject(error: unknown): void;
}

const DEFAULT_MAX_BATCH = 256;

export class GroupCommit<J, R> {
  private queue: Pending<J, R>[] = [];
  /** A drain is scheduled for the end of the turn. */
  private scheduled = false;
  /** A drain is running batches. */
  private draining = false;
  private readonly maxBatch: number;
  private readonly schedule: (fn: () => void) => void;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly after: (fn: () => void, ms: number) => void;
  private lastStart = -Infinity;

  constructor(
    private readonly run: BatchRunner<J, R>,
    opts: GroupCommitOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    this.schedule = opts.schedule ?? ((fn) => setImmediate(fn));
    this.windowMs = opts.windowMs ?? 0;
    this.now = opts.now ?? (() => performance.now());
    this.after = opts.after ?? ((fn, ms) => void setTimeout(fn, ms));
  }

  submit(job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (this.draining) return;
      if (this.queue.length >= this.maxBatch) {
        // A full batch commits at once: when a turn reads a large backlog of requests, answers keep flowing
        // instead of all waiting for the end of the turn (which would make the next turn's backlog larger).
        void this.drain();
      } else if (!this.scheduled) {
        this.scheduled = true;
        const start = () => {
          this.scheduled = false;
          if (!this.draining) void this.drain();
        };
        const wait = this.lastStart + this.windowMs - this.now();
        if (wait > 0) this.after(start, wait);
        else this.schedule(start);
      }
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    this.lastStart = this.now();
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      let outcomes: Outcome<R>[];
      try {
        outcomes = await this.run(batch.map((p) => p.job));
        if (outcomes.length !== batch.length) throw new Error(`batch of ${batch.length} jobs returned ${outcomes.length} outcomes`);
      } catch (err) {
        for (const p of batch) p.reject(err);
        continue;
      }
      batch.forEach((p, i) => {
        const o = outcomes[i]!;
        if (o.ok) p.resolve(o.value);
        else p.reject(o.error);
      });
    }
    this.draining = false;
  }
}
