// Whether the media tools are installed: tests that need real video or audio skip without them.
import { execFileSync } from 'node:child_process';

let cached: boolean | undefined;

export function hasFfmpeg(): boolean {
  if (cached === undefined) {
    try {
      execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
      execFileSync('ffprobe', ['-version'], { stdio: 'ignore' });
      cached = true;
    } catch {
      cached = false;
    }
  }
  return cached;
}
