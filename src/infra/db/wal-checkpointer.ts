// WAL checkpoints off the main thread. SQLite's own policy checkpoints inside the commit that pushes the WAL
// past 1,000 pages: that commit then copies those pages into the main file and, at durability `full`, syncs
// it, all on the event loop (at 3,000 messages/s, several times a second). Here a thread with its own
// connection runs a PASSIVE checkpoint every `intervalMs`, and the main connection keeps a checkpoint of its
// own only as a backstop, at a WAL eight times larger, for when the thread falls behind. The WAL file is cut
// back to `journal_size_limit` once it has been reset. Commits stay as durable as before: a checkpoint only
// moves frames that are already committed (and synced) in the WAL.
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import type { CheckpointReply, CheckpointRequest } from './wal-checkpoint-thread.js';

/** WAL pages after which the main connection checkpoints by itself (SQLite's default is 1,000). */
export const BACKSTOP_CHECKPOINT_PAGES = 8000;
/** What the WAL file is truncated to after it restarts from the beginning. */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
export const CHECKPOINT_INTERVAL_MS = 100;

const THREAD_URL = new URL('./wal-checkpoint-thread.js', import.meta.url);

export class WalCheckpointer {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Extract<CheckpointReply, { t: 'done' }>) => void; reject: (e: Error) => void }>();

  /** Sets the main connection's backstop and starts the thread on the same file. */
  constructor(main: BetterSqlite3.Database, path: string, intervalMs = CHECKPOINT_INTERVAL_MS) {
    main.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    main.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    this.worker = new Worker(THREAD_URL, { workerData: { path, intervalMs }, name: 'wal-checkpoint' });
    // The thread must not keep the process alive, nor take it down: SQLite's backstop covers its absence.
    this.worker.unref();
    this.worker.on('message', (reply: CheckpointReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.t === 'done') waiter?.resolve(reply);
      else waiter?.reject(new Error(reply.error));
    });
    this.worker.on('error', (err) => {
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    });
  }

  /** A checkpoint now, on the thread (tests, and a last one before closing). */
  checkpointNow(): Promise<{ busy: boolean; logFrames: number; checkpointed: number }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ t: 'now', id } satisfies CheckpointRequest);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
