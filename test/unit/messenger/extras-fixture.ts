// The messaging fixture with the extras (search, pins, drafts, dialog settings, notify settings, read dates,
// service inbox) on top, and fakes for contacts and privacy.
import { MessengerExtras } from '../../../src/messenger/extras.js';
import type { ContactJoinedListener } from '../../../src/service/contacts/index.js';
import type { PrivacyKey } from '../../../src/service/privacy/rules.js';
import type { UserRecord } from '../../../src/service/users/user-store.js';
import type { FullUserExtras } from '../../../src/service/users/user-view.js';
import { ALICE, fixture, type Fixture } from './fixture.js';
import { recordingPush } from './stubs.js';

export interface ExtrasFixture extends Fixture {
  x: MessengerExtras;
  /** "owner>contact" pairs. */
  contacts: Set<string>;
  /** "owner:key>viewer" pairs that are denied. */
  denied: Set<string>;
  userViews: { fullUserExtras?: FullUserExtras };
  joined(owner: bigint, user: bigint): Promise<void>;
}

export const aliceSession = { authKeyId: 11n, sessionId: 22n };
export const alice = { userId: ALICE, session: aliceSession };

export async function extrasFixture(): Promise<ExtrasFixture> {
  const f = await fixture();
  const contacts = new Set<string>();
  const denied = new Set<string>();
  const listeners: ContactJoinedListener[] = [];
  const userViews: { many: (v: bigint, ids: readonly bigint[]) => Promise<any[]>; fullUserExtras?: FullUserExtras } = {
    many: async (_viewer, ids) => [...new Set(ids)].map((id) => ({ _: 'user', id })),
  };
  const x = new MessengerExtras({
    db: f.db.kysely,
    messenger: f.messenger,
    push: recordingPush([], (id) => f.online.has(id)),
    userViews,
    contacts: {
      contactsOf: async (owner, targets) => new Map(targets.filter((t) => contacts.has(`${owner}>${t}`)).map((t) => [t, { firstName: '', lastName: '', phone: '', mutual: false }])),
      isBlocked: async (blocker, target) => f.blocks.has(`${blocker}>${target}`),
      onContactJoined: (l) => listeners.push(l),
    },
    privacy: { allows: async (owner: bigint, key: PrivacyKey, viewer: bigint) => !denied.has(`${owner}:${key}>${viewer}`) },
    now: () => f.clock.now,
  });
  return {
    ...f,
    x,
    contacts,
    denied,
    userViews,
    async joined(owner, user) {
      for (const l of listeners) await l(owner, { id: user } as UserRecord);
    },
  };
}
