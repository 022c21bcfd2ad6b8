// Video and audio facts (duration, dimensions) and a thumbnail frame, from ffprobe/ffmpeg run as child
// processes, so the work never blocks the event loop. The tools are optional: without them echod logs one
// line at the first use and keeps whatever the client sent.
import { execFile, spawn } from 'node:child_process';
import type { Logger } from '../../infra/log.js';

export interface ProbeResult {
  /** Seconds. */
  duration?: number;
  width?: number;
  height?: number;
  hasVideo: boolean;
  hasAudio: boolean;
}

const PROBE_TIMEOUT_MS = 30_000;
const MAX_FRAME_BYTES = 20 * 1024 * 1024;

export class MediaProbe {
  private available: Promise<boolean> | undefined;

  constructor(
    private readonly log: Pick<Logger, 'warn' | 'info'>,
    private readonly bin: { ffprobe: string; ffmpeg: string } = { ffprobe: 'ffprobe', ffmpeg: 'ffmpeg' },
  ) {}

  /** True when both tools run; checked once. */
  isAvailable(): Promise<boolean> {
    this.available ??= Promise.all([runs(this.bin.ffprobe), runs(this.bin.ffmpeg)]).then(([a, b]) => {
      if (!a || !b) this.log.warn({ ffprobe: a, ffmpeg: b }, 'ffprobe/ffmpeg not found: video and audio keep the attributes and thumbnails their clients sent (install the ffmpeg package)');
      return a && b;
    });
    return this.available;
  }

  async probe(path: string): Promise<ProbeResult | undefined> {
    if (!(await this.isAvailable())) return undefined;
    const out = await run(this.bin.ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]).catch(() => undefined);
    if (!out) return undefined;
    try {
      return parseProbe(JSON.parse(out.toString('utf8')));
    } catch {
      return undefined;
    }
  }

  /** One JPEG frame at `atSeconds`, or undefined. */
  async frame(path: string, atSeconds: number): Promise<Buffer | undefined> {
    if (!(await this.isAvailable())) return undefined;
    const args = ['-v', 'error', '-ss', atSeconds.toFixed(3), '-i', path, '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1'];
    const out = await run(this.bin.ffmpeg, args).catch(() => undefined);
    return out && out.length > 0 ? out : undefined;
  }
}

export function parseProbe(json: { format?: { duration?: string }; streams?: { codec_type?: string; width?: number; height?: number; duration?: string; tags?: { rotate?: string }; side_data_list?: { rotation?: number }[] }[] }): ProbeResult {
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  const durationText = json.format?.duration ?? video?.duration ?? audio?.duration;
  const duration = durationText !== undefined && Number.isFinite(Number(durationText)) ? Number(durationText) : undefined;
  let width = video?.width;
  let height = video?.height;
  // Phone videos are often stored sideways with a rotation tag; clients show them rotated.
  const rotation = Math.abs(Number(video?.tags?.rotate ?? video?.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0)) % 180;
  if (rotation === 90) [width, height] = [height, width];
  return { duration, width, height, hasVideo: video !== undefined, hasAudio: audio !== undefined };
}

function runs(bin: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(bin, ['-version'], { timeout: 10_000 }, (err) => resolve(!err));
  });
}

function run(bin: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FRAME_BYTES) child.kill('SIGKILL');
      else chunks.push(c);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`${bin} exited with ${code}`));
    });
  });
}
