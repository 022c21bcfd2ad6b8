// Sign-in state of devices, as services see it: binds perm keys to users and kicks devices out.
import type { SignInControl } from '../../contracts/push.js';
import type { AuthKeyRegistry } from './auth-keys.js';
import type { SessionService } from './session-service.js';

export class DeviceSignIns implements SignInControl {
  constructor(
    private readonly keys: AuthKeyRegistry,
    private readonly sessions: SessionService,
  ) {}

  async signIn(permKeyId: bigint, userId: bigint): Promise<void> {
    await this.keys.setUser(permKeyId, userId);
  }

  async signOut(permKeyId: bigint, opts: { kick?: boolean } = {}): Promise<void> {
    const affected = this.keys.contextsFor(permKeyId).map((ctx) => ctx.authKey.id);
    await this.keys.setUser(permKeyId, undefined);
    this.sessions.dropPendingUpdates(permKeyId);
    if (opts.kick) this.sessions.disconnectKeys(affected, 'signed out');
  }
}
