// Who is online. A user is online while one of its devices holds a live connection, unless the devices
// said otherwise with account.updateStatus(offline=true): then the user counts as offline until one of
// its devices reports being back (offline=false). Marks live in memory, per node, like the connections.
import type { UpdatePusher } from '../../contracts/push.js';

export interface PresenceView {
  isOnline(userId: bigint): boolean;
}

export class Presence implements PresenceView {
  /** userId -> device (perm key id) -> the device's last account.updateStatus said "offline". */
  private readonly marks = new Map<bigint, Map<bigint, boolean>>();
  private changeListener?: (userId: bigint) => void;

  constructor(private readonly connections: Pick<UpdatePusher, 'isOnline'>) {}

  isOnline(userId: bigint): boolean {
    if (!this.connections.isOnline(userId)) return false;
    const marks = this.marks.get(userId);
    if (!marks || marks.size === 0) return true;
    for (const offline of marks.values()) if (!offline) return true;
    return false;
  }

  /** Told when a mark may have changed the answer for a user (the presence directory republishes it). */
  onChange(listener: (userId: bigint) => void): void {
    this.changeListener = listener;
  }

  /** Records a device's account.updateStatus. */
  mark(userId: bigint, device: bigint, offline: boolean): void {
    let marks = this.marks.get(userId);
    if (!marks) this.marks.set(userId, (marks = new Map()));
    marks.set(device, offline);
    this.changeListener?.(userId);
  }

  /** Drops the marks of one device (signed out) or of every device of the user. */
  forget(userId: bigint, device?: bigint): void {
    if (device === undefined) {
      this.marks.delete(userId);
    } else {
      const marks = this.marks.get(userId);
      marks?.delete(device);
      if (marks?.size === 0) this.marks.delete(userId);
    }
    this.changeListener?.(userId);
  }
}
