// The set-up most end-to-end files share: one echod started with ECHO_FIXED_CODE, clients signed up (or
// in) against it, and everything opened along the way closed when the file is done, newest first.
//
//   let world: E2eWorld;
//   before(async () => {
//     world = await E2eWorld.start();
//     alice = await world.signUpGramjs({ phone: testPhone(1), firstName: 'Alice' });
//   });
//   after(() => world?.close());
import { startEchod, type EchodProcess, type StartEchodOptions } from './echod.js';
import type { EchoTarget } from './gramjs.js';
import { FIXED_CODE_ENV, signInGramjs, signInMtcute, type GramjsAccount, type MtcuteAccount } from './accounts.js';

/** What clients need to reach this echod over TCP and WebSocket. */
export async function echoTarget(echod: EchodProcess): Promise<EchoTarget> {
  const cfg = await echod.clientConfig();
  return { dcId: cfg.dcId, host: cfg.host, port: cfg.port, httpPort: echod.httpPort, publicKey: cfg.publicKey };
}

export class E2eWorld {
  private readonly closers: (() => Promise<unknown>)[] = [];

  private constructor(
    readonly echod: EchodProcess,
    readonly target: EchoTarget,
  ) {}

  /** Starts echod with the fixed login code (and `opts.env` on top). */
  static async start(opts: StartEchodOptions = {}): Promise<E2eWorld> {
    const echod = await startEchod({ ...opts, env: { ...FIXED_CODE_ENV, ...opts.env } });
    try {
      return new E2eWorld(echod, await echoTarget(echod));
    } catch (err) {
      await echod.dispose();
      throw err;
    }
  }

  /** Runs at close(), before what was deferred earlier; a failure there does not stop the rest. */
  defer(close: () => Promise<unknown>): void {
    this.closers.push(close);
  }

  /** A new GramJS device signed in (signed up when `firstName` is given and the phone is new); closed with the world. */
  async signInGramjs(opts: Parameters<typeof signInGramjs>[1]): Promise<GramjsAccount> {
    const account = await signInGramjs(this.target, opts);
    this.defer(() => account.handle.close());
    return account;
  }

  signUpGramjs(opts: Parameters<typeof signInGramjs>[1] & { firstName: string }): Promise<GramjsAccount> {
    return this.signInGramjs(opts);
  }

  /** A new mtcute device signed in (or up); closed with the world. */
  async signInMtcute(opts: Parameters<typeof signInMtcute>[1]): Promise<MtcuteAccount> {
    const account = await signInMtcute(this.target, opts);
    this.defer(() => account.handle.close());
    return account;
  }

  signUpMtcute(opts: Parameters<typeof signInMtcute>[1] & { firstName: string }): Promise<MtcuteAccount> {
    return this.signInMtcute(opts);
  }

  /** Closes what was deferred, newest first, then stops echod and removes its data dir. */
  async close(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
    await this.echod.dispose();
  }
}
