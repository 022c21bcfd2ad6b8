// `<dataDir>/echod.pid`: written by `echod start`, removed when it stops. Tells `echod restore` (and a
// second `echod start`) that a server is using the data dir. A file left by a crashed server names a
// process that no longer exists and counts as absent.
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PID_FILE = 'echod.pid';

export function pidFilePath(dataDir: string): string {
  return join(dataDir, PID_FILE);
}

/** The pid of a live echod using the data dir, or undefined. */
export function runningServerPid(dataDir: string, isAlive: (pid: number) => boolean = processExists): number | undefined {
  let text: string;
  try {
    text = readFileSync(pidFilePath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim().split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  // In a container echod is often pid 1 on every start: its own pid in a stale file is not another server.
  if (pid === process.pid) return undefined;
  return isAlive(pid) ? pid : undefined;
}

export class DataDirBusyError extends Error {
  override readonly name = 'DataDirBusyError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`another echod (pid ${pid}) is running on the data dir ${dataDir}; if it is not, delete ${pidFilePath(dataDir)}`);
  }
}

/** Claims the data dir for this process; returns the function that releases it. */
export function claimDataDir(dataDir: string): () => void {
  const other = runningServerPid(dataDir);
  if (other !== undefined) throw new DataDirBusyError(dataDir, other);
  const path = pidFilePath(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(path, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      // already gone
    }
  };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
