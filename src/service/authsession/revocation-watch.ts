// The server keeps each auth key's sign-in state in memory; a device the admin CLI signs out (another
// process, writing only to the database) is kicked here, within a poll interval.
import type { Logger } from '../../infra/log.js';
import type { SignInControl } from '../../contracts/push.js';
import type { DeviceDirectory } from './device-directory.js';

export class RevocationWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly devices: DeviceDirectory,
    private readonly signIns: SignInControl,
    private readonly log: Logger,
  ) {}

  /** Applies every pending revocation now; returns the perm keys signed out. */
  async poll(): Promise<bigint[]> {
    const revoked = await this.devices.takeRevocations();
    for (const permKeyId of revoked) {
      await this.signIns.signOut(permKeyId, { kick: true });
      this.log.info({ permKeyId }, 'device signed out by an administrator');
    }
    return revoked;
  }

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.poll()
        .then(() => undefined)
        .catch((err: Error) => {
          // The database went away (shutdown, or a test that closed it): nothing left to watch.
          if (/destroyed|closed/i.test(err.message)) this.stop();
          else this.log.warn({ err: err.message }, 'checking revoked devices failed');
        })
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
