// The body of the WAL checkpoint thread (wal-checkpointer.ts): its own connection to the database, copying
// committed WAL frames into the main file with PASSIVE checkpoints (which never wait for or block a writer).
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

export type CheckpointRequest = { t: 'now'; id: number };
export type CheckpointReply = { t: 'done'; id: number; busy: boolean; logFrames: number; checkpointed: number } | { t: 'failed'; id: number; error: string };

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new BetterSqlite3(path);
// A checkpoint that finds the lock taken (another checkpoint) skips its turn rather than waiting.
db.pragma('busy_timeout = 0');

function checkpoint(): { busy: boolean; logFrames: number; checkpointed: number } {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
  return { busy: row!.busy !== 0, logFrames: row!.log, checkpointed: row!.checkpointed };
}

const timer = setInterval(() => {
  try {
    checkpoint();
  } catch {
    // SQLITE_BUSY and the like: the next turn tries again; the main connection's own checkpoint is the backstop.
  }
}, intervalMs);

parentPort!.on('message', (request: CheckpointRequest) => {
  try {
    parentPort!.postMessage({ t: 'done', id: request.id, ...checkpoint() } satisfies CheckpointReply);
  } catch (err) {
    parentPort!.postMessage({ t: 'failed', id: request.id, error: (err as Error).message } satisfies CheckpointReply);
  }
});
parentPort!.on('close', () => {
  clearInterval(timer);
  db.close();
});
