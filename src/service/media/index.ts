// Builds the DFS and Media services of one node.
import { openBlobStore, type BlobStore } from '../../infra/blob/index.js';
import type { CoreServices } from '../core.js';
import { DfsService, type PartStore } from '../dfs/index.js';
import { FileReferences } from '../dfs/file-references.js';
import type { PrivacyRules } from '../privacy/rules.js';
import { MediaService } from './media-service.js';
import { MediaStore } from './media-store.js';
import { MediaProbe } from './probe.js';
import { setMediaRefresher } from './reference-refresh.js';

export interface MediaServices {
  dfs: DfsService;
  media: MediaService;
}

/** `parts`: where upload parts wait (S3 on several nodes); the data dir's uploads/ when absent. */
export function createMediaServices(core: CoreServices, privacy: PrivacyRules, blobs: BlobStore = openBlobStore(core.config), parts?: PartStore): MediaServices {
  const rate = core.config.uploadRate;
  const dfs = new DfsService({
    blobs,
    dataDir: core.config.dataDir,
    ...(parts ? { parts } : {}),
    now: core.now,
    log: core.log,
    maxFileSize: core.config.maxFileSize,
    ...(core.config.cache.engine === 'redis' ? { sharedState: core.kv } : {}),
    uploadRate: rate === undefined ? undefined : rate === null ? null : { burstBytes: rate.burstMb * 1024 * 1024, bytesPerSecond: rate.perSecondMb * 1024 * 1024 },
  });
  dfs.startSweeper();
  // Checked at start-up, so a missing ffmpeg shows as one log line right away rather than at the first video.
  const probe = new MediaProbe(core.log);
  void probe.isAvailable();
  const media = new MediaService({
    store: new MediaStore(core.db, { now: core.now, onBroadcastError: (err, userId) => core.log.warn({ err: err.message, userId: userId.toString() }, 'profile photo cache invalidation not broadcast') }),
    dfs,
    refs: new FileReferences(core.secret('file references'), core.now),
    accessHashes: core.accessHashes,
    probe,
    privacy,
    dcId: core.config.dcId,
    now: core.now,
    random: core.random,
    log: core.log,
    ...(core.timeIds ? { ids: core.timeIds } : {}),
  });
  // Messages read from storage carry the references of their send time; refresh them on the way out.
  setMediaRefresher((m) => media.refreshReferences(m));
  return { dfs, media };
}

export { MediaService, type CurrentPhoto, type FileLocation } from './media-service.js';
export { DfsService } from '../dfs/index.js';
