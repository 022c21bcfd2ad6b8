// Which session of a device receives the updates pushed to it (core.telegram.org/api/updates,
// /method/invokeWithoutUpdates). A session subscribes by making an API call that is neither a file transfer
// nor wrapped in invokeWithoutUpdates: Telegram does not subscribe sessions for file queries ("enabled by
// default for file queries"), and clients rely on it. mtcute and TDLib download on separate sessions (with
// PFS, on separate temporary keys bound to the same permanent key) and ignore updates arriving there, so a
// session that only moved file parts must never be the one a device's update goes to.

/** Calls that leave the session's subscription as it was. */
const NOT_SUBSCRIBING = new Set([
  'upload.saveFilePart',
  'upload.saveBigFilePart',
  'upload.getFile',
  'upload.getWebFile',
  'upload.getCdnFile',
  'upload.reuploadCdnFile',
  'upload.getCdnFileHashes',
  'upload.getFileHashes',
  // Every PFS connection binds its temporary key, download connections included.
  'auth.bindTempAuthKey',
]);

/** True when running `method` (not wrapped in invokeWithoutUpdates) subscribes the session to updates. */
export function subscribesToUpdates(method: string): boolean {
  return !NOT_SUBSCRIBING.has(method);
}

export interface Subscriber {
  /** When the session last made a subscribing call (ms); undefined: never. */
  subscribedAt?: number;
  /** The device (permanent key id) it is subscribed for. */
  device?: bigint;
}

/** Subscribed sessions by device. */
export class DeviceSubscriptions<S extends Subscriber> {
  private readonly byDevice = new Map<bigint, Set<S>>();

  /**
   * Records a subscribing call of `session` for `device`; answers true when the session was not subscribed
   * for this device before (its client may have left another session of the device behind).
   */
  subscribe(session: S, device: bigint, now: number): boolean {
    const first = session.device !== device;
    if (first) {
      this.remove(session);
      let set = this.byDevice.get(device);
      if (!set) this.byDevice.set(device, (set = new Set()));
      set.add(session);
      session.device = device;
    }
    session.subscribedAt = now;
    return first;
  }

  remove(session: S): void {
    if (session.device === undefined) return;
    const set = this.byDevice.get(session.device);
    set?.delete(session);
    if (set?.size === 0) this.byDevice.delete(session.device);
    session.device = undefined;
  }

  sessionsOf(device: bigint): ReadonlySet<S> {
    return this.byDevice.get(device) ?? new Set();
  }

  /**
   * Where the device's next update goes: its most recently subscribed session with a live connection, or
   * else its most recently subscribed session, whose client will come back to it (the update waits there).
   */
  targetOf(device: bigint, isLive: (session: S) => boolean): S | undefined {
    let best: S | undefined;
    let bestLive = false;
    for (const s of this.byDevice.get(device) ?? []) {
      const live = isLive(s);
      if (!best || (live && !bestLive) || (live === bestLive && (s.subscribedAt ?? 0) > (best.subscribedAt ?? 0))) {
        best = s;
        bestLive = live;
      }
    }
    return best;
  }
}
