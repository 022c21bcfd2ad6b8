// In-process notifications between feature areas that must not import each other (accounts tell
// contacts about sign-ups, for instance). Listeners run in order; one failing does not stop the others.
import type { Logger } from '../infra/log.js';
import type { UserRecord } from './users/user-store.js';

export interface AccountEventMap {
  /** A new account exists (auth.signUp). */
  userSignedUp: { user: UserRecord };
  /** Name, username or about changed. */
  userUpdated: { user: UserRecord };
  /** The account is gone (account.deleteAccount or an admin). */
  userDeleted: { userId: bigint };
}

type Listener<K extends keyof AccountEventMap> = (event: AccountEventMap[K]) => void | Promise<void>;

export class AccountEvents {
  private readonly listeners = new Map<keyof AccountEventMap, Listener<any>[]>();

  constructor(private readonly log: Logger) {}

  on<K extends keyof AccountEventMap>(name: K, listener: Listener<K>): void {
    const list = this.listeners.get(name) ?? [];
    list.push(listener);
    this.listeners.set(name, list);
  }

  async emit<K extends keyof AccountEventMap>(name: K, event: AccountEventMap[K]): Promise<void> {
    for (const listener of (this.listeners.get(name) ?? []) as Listener<K>[]) {
      try {
        await listener(event);
      } catch (err) {
        this.log.error({ err, event: name }, 'account event listener failed');
      }
    }
  }
}
