// Sign-in state of devices, as services see it: binds perm keys to users and kicks devices out.
import type { SignInControl } from '../../contracts/push.js';
import type { AuthKeyRegistry } from './auth-keys.js';
import type { SessionService } from './session-service.js';

export class DeviceSignIns implements SignInControl {
  constructor(
    private readonly keys: AuthKeyRegistry,
    private readonly sessions: SessionService,
  ) {}

  // A device signing in (or out) on a connection it keeps can make its user come online (or go offline)
  // without any connection opening or closing: the session layer announces that transition too.
  async signIn(permKeyId: bigint, userId: bigint): Promise<void> {
    const wasOnline = this.sessions.isOnline(userId);
    await this.keys.setUser(permKeyId, userId);
    this.sessions.connectivityChanged(userId, wasOnline);
  }

  async signOut(permKeyId: bigint, opts: { kick?: boolean } = {}): Promise<void> {
    const contexts = this.keys.contextsFor(permKeyId);
    const affected = contexts.map((ctx) => ctx.authKey.id);
    const userId = contexts.find((ctx) => ctx.userId !== undefined)?.userId;
    const wasOnline = userId !== undefined && this.sessions.isOnline(userId);
    await this.keys.setUser(permKeyId, undefined);
    if (userId !== undefined) this.sessions.connectivityChanged(userId, wasOnline);
    this.sessions.dropPendingUpdates(permKeyId);
    if (opts.kick) this.sessions.disconnectKeys(affected, 'signed out');
  }
}
