// Benchmarks write their latest figures into the README between `<!-- bench:NAME -->` markers, so the
// numbers people read are the numbers the last run produced, with the machine next to them.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

export function writeReadmeBlock(readmePath: string, name: string, markdown: string): void {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const text = readFileSync(readmePath, 'utf8');
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(readmePath, next);
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU time (user + system) a process has used so far, in seconds (Linux /proc; clock ticks of 1/100 s). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name, which may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A process and all its descendants (gateway processes, with ECHO_WORKERS), from /proc. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        for (const child of readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim().split(/\s+/)) if (child) out.push(Number(child));
      } catch {
        // The task ended meanwhile.
      }
    }
  }
  return out;
}

/** `measure` summed over a process and its descendants (one that ended meanwhile counts 0). */
function overTree(pid: number, measure: (pid: number) => number): number {
  let sum = 0;
  for (const p of processTree(pid)) {
    try {
      sum += measure(p);
    } catch {
      // Gone between the listing and the reading.
    }
  }
  return sum;
}

/** CPU seconds of a process and its descendants. */
export function treeCpuSecondsOf(pid: number): number {
  return overTree(pid, cpuSecondsOf);
}

/** RSS of a process and its descendants, in bytes. */
export function treeRssOf(pid: number): number {
  return overTree(pid, rssOf);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
