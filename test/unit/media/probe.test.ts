// ffprobe/ffmpeg: parsing, the degraded mode without the tools, and (when installed) a real probe.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { MediaProbe, parseProbe } from '../../../src/service/media/probe.js';
import { hasFfmpeg } from '../../support/ffmpeg.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function recordingLog() {
  const warnings: unknown[] = [];
  return { warnings, log: { warn: (...args: unknown[]) => void warnings.push(args), info: () => undefined } };
}

test('parseProbe reads duration and dimensions, swapping sides of rotated videos', () => {
  assert.deepEqual(parseProbe({ format: { duration: '3.5' }, streams: [{ codec_type: 'video', width: 640, height: 360 }, { codec_type: 'audio' }] }), {
    duration: 3.5,
    width: 640,
    height: 360,
    hasVideo: true,
    hasAudio: true,
  });
  assert.deepEqual(parseProbe({ streams: [{ codec_type: 'video', width: 1920, height: 1080, tags: { rotate: '90' } }] }), {
    duration: undefined,
    width: 1080,
    height: 1920,
    hasVideo: true,
    hasAudio: false,
  });
  assert.deepEqual(parseProbe({ format: { duration: 'N/A' }, streams: [{ codec_type: 'audio', duration: '2' }] }).duration, undefined);
});

test('without the tools: one warning, then undefined answers (the client data stands)', async () => {
  const { warnings, log } = recordingLog();
  const probe = new MediaProbe(log, { ffprobe: 'echo-no-such-ffprobe', ffmpeg: 'echo-no-such-ffmpeg' });
  assert.equal(await probe.isAvailable(), false);
  assert.equal(await probe.probe('/nonexistent.mp4'), undefined);
  assert.equal(await probe.frame('/nonexistent.mp4', 0), undefined);
  assert.equal(warnings.length, 1);
  assert.match(JSON.stringify(warnings[0]), /ffprobe\/ffmpeg not found/);
});

test('with ffmpeg installed: a generated clip is probed and a frame extracted', { skip: hasFfmpeg() ? false : 'ffmpeg/ffprobe are not installed (scripts/setup-media-tools.sh installs them)' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'echo-probe-'));
  dirs.push(dir);
  const clip = join(dir, 'clip.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '2', '-pix_fmt', 'yuv420p', clip]);
  const { warnings, log } = recordingLog();
  const probe = new MediaProbe(log);
  const info = await probe.probe(clip);
  assert.ok(info);
  assert.equal(info.hasVideo, true);
  assert.equal(info.hasAudio, false);
  assert.deepEqual([info.width, info.height], [320, 240]);
  assert.ok(Math.abs(info.duration! - 2) < 0.2, `duration ${info.duration}`);
  const frame = await probe.frame(clip, 0.5);
  assert.ok(frame);
  const meta = await sharp(frame).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 320, 240]);
  assert.equal(await probe.probe(join(dir, 'missing.mp4')), undefined);
  assert.equal(warnings.length, 0);
});
