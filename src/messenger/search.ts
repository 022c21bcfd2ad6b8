// messages.search and messages.searchGlobal over the owner's box (see search-index.ts for what is
// matched and why the SQL stays dialect-neutral). Paging in a chat follows messages.getHistory's offsets
// (core.telegram.org/api/offsets); global search pages by the owner's message id, which grows with date
// in every box, so next_rate (a date) and offset_id describe the same position.
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../infra/db/schema.js';
import { RpcError } from '../common/rpc-error.js';
import type { Res, TlType } from '../tl/index.js';
import { effectiveLimit, historyPlan } from './box-reader.js';
import { selectJoined } from './message-store.js';
import { BOX_MENTIONED, BOX_PINNED, messageTl, rowFromJoined, userIdsOf, type MessageRow } from './message-row.js';
import type { UserViewSource } from './messaging.js';
import type { ChatViewSource } from './views.js';
import { PEER_CHAT, type PeerRef, type PeerType } from './peer.js';
import { kindsOfFilter, searchWords, wordPattern } from '../infra/db/search-index.js';

export interface SearchFilter {
  q: string;
  filter?: TlType<'MessagesFilter'>;
  fromId?: bigint;
  /** Only messages sent after / before (0: no bound). */
  minDate: number;
  maxDate: number;
}

export interface ChatSearch extends SearchFilter {
  offsetId: number;
  addOffset: number;
  limit: number;
  maxId: number;
  minId: number;
}

export interface GlobalSearch extends SearchFilter {
  offsetRate: number;
  offsetId: number;
  limit: number;
  /** Only chats of these kinds (users_only, groups_only, broadcasts_only). */
  peerTypes?: PeerType[];
  /** Only dialogs in this peer folder. */
  folderId?: number;
}

export type { ChatViewSource } from './views.js';

type Query = ReturnType<typeof selectJoined>;

export class MessageSearch {
  /** Basic groups' chat objects for results in groups (set once groups exist). */
  chatViews?: ChatViewSource;

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly userViews: UserViewSource,
  ) {}

  /** Applies the text, kind, author and date conditions; undefined when nothing can match. */
  private filtered(base: Query, f: SearchFilter): Query | undefined {
    let q = base;
    for (const word of searchWords(f.q)) q = q.where(sql<boolean>`m.search_text like ${wordPattern(word)} escape '!'`);
    const kinds = kindsOfFilter(f.filter);
    if (kinds === 0) return undefined;
    if (kinds !== undefined) q = q.where(sql<number>`m.search_kinds & ${kinds}`, '!=', 0);
    if (f.filter?._ === 'inputMessagesFilterPinned') q = q.where(sql<number>`b.flags & ${BOX_PINNED}`, '!=', 0);
    if (f.filter?._ === 'inputMessagesFilterMyMentions') q = q.where(sql<number>`b.flags & ${BOX_MENTIONED}`, '!=', 0);
    if (f.fromId !== undefined) q = q.where('m.author_id', '=', f.fromId);
    if (f.minDate > 0) q = q.where('b.date', '>', f.minDate);
    if (f.maxDate > 0) q = q.where('b.date', '<', f.maxDate);
    return q;
  }

  private async count(q: Query): Promise<number> {
    const r = await q.clearSelect().select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** messages.search in one chat: a page (newest first) and the number of matches in the chat. */
  async inChat(owner: bigint, peer: PeerRef, s: ChatSearch): Promise<{ rows: MessageRow[]; count: number }> {
    const base = this.filtered(selectJoined(this.db).where('b.owner_id', '=', owner).where('b.peer_type', '=', peer.type).where('b.peer_id', '=', peer.id), s);
    if (!base) return { rows: [], count: 0 };
    const limit = effectiveLimit(s.limit);
    const plan = historyPlan(s, limit);
    let bounded = base;
    if (s.maxId > 0) bounded = bounded.where('b.id', '<', s.maxId);
    if (s.minId > 0) bounded = bounded.where('b.id', '>', s.minId);
    let newer: MessageRow[] = [];
    if (plan.newer > 0 && s.offsetId > 0) {
      const rows = await bounded.where('b.id', '>=', s.offsetId).orderBy('b.id', 'asc').limit(plan.newer).execute();
      newer = rows.map(rowFromJoined).reverse().slice(0, limit);
    }
    let older: MessageRow[] = [];
    if (plan.older > 0) {
      let page = (s.offsetId > 0 ? bounded.where('b.id', '<', s.offsetId) : bounded).orderBy('b.id', 'desc').limit(plan.older);
      if (plan.skipOlder > 0) page = page.offset(plan.skipOlder);
      older = (await page.execute()).map(rowFromJoined);
    }
    return { rows: [...newer, ...older], count: await this.count(base) };
  }

  /** messages.searchGlobal: matches over every chat of the owner, newest first. */
  async global(owner: bigint, s: GlobalSearch): Promise<{ rows: MessageRow[]; count: number; more: boolean }> {
    if (searchWords(s.q).length === 0 && kindsOfFilter(s.filter) === undefined && s.filter?._ !== 'inputMessagesFilterPinned' && s.filter?._ !== 'inputMessagesFilterMyMentions') {
      throw RpcError.badRequest('SEARCH_QUERY_EMPTY');
    }
    let start = selectJoined(this.db).where('b.owner_id', '=', owner);
    if (s.peerTypes) start = s.peerTypes.length > 0 ? start.where('b.peer_type', 'in', s.peerTypes) : start.where(sql<boolean>`1 = 0`);
    if (s.folderId !== undefined) {
      const folderId = s.folderId;
      start = start.where((eb) =>
        eb.exists(
          eb
            .selectFrom('dialogs as d')
            .select('d.owner_id')
            .whereRef('d.owner_id', '=', 'b.owner_id')
            .whereRef('d.peer_type', '=', 'b.peer_type')
            .whereRef('d.peer_id', '=', 'b.peer_id')
            .where('d.folder_id', '=', folderId),
        ),
      );
    }
    const base = this.filtered(start, s);
    if (!base) return { rows: [], count: 0, more: false };
    const limit = effectiveLimit(s.limit);
    let page = base;
    if (s.offsetId > 0) page = page.where('b.id', '<', s.offsetId);
    else if (s.offsetRate > 0) page = page.where('b.date', '<', s.offsetRate);
    const rows = (await page.orderBy('b.id', 'desc').limit(limit + 1).execute()).map(rowFromJoined);
    const more = rows.length > limit;
    return { rows: rows.slice(0, limit), count: await this.count(base), more };
  }

  /** users and chats referenced by the rows, as the viewer sees them. */
  async refs(viewer: bigint, rows: readonly MessageRow[]): Promise<{ users: TlType<'User'>[]; chats: TlType<'Chat'>[] }> {
    const users = new Set<bigint>();
    const chats = new Set<bigint>();
    for (const r of rows) {
      userIdsOf(r, users);
      if (r.peer.type === PEER_CHAT) chats.add(r.peer.id);
    }
    return {
      users: users.size > 0 ? await this.userViews.many(viewer, [...users]) : [],
      chats: chats.size > 0 && this.chatViews ? await this.chatViews.many(viewer, [...chats]) : [],
    };
  }

  /** messages.Messages for a chat search page. */
  async inChatTl(owner: bigint, peer: PeerRef, s: ChatSearch): Promise<Res<'messages.search'>> {
    const { rows, count } = await this.inChat(owner, peer, s);
    const refs = await this.refs(owner, rows);
    const messages = rows.map(messageTl);
    const whole = s.offsetId === 0 && s.addOffset === 0 && rows.length >= count;
    if (whole) return { _: 'messages.messages', messages, topics: [], ...refs };
    return { _: 'messages.messagesSlice', count, messages, topics: [], ...refs };
  }

  /** messages.Messages for a global search page: a slice with next_rate while more remain. */
  async globalTl(owner: bigint, s: GlobalSearch): Promise<Res<'messages.searchGlobal'>> {
    const { rows, count, more } = await this.global(owner, s);
    const refs = await this.refs(owner, rows);
    const messages = rows.map(messageTl);
    if (!more && s.offsetId === 0 && s.offsetRate === 0) return { _: 'messages.messages', messages, topics: [], ...refs };
    return { _: 'messages.messagesSlice', count, nextRate: more ? rows[rows.length - 1]!.date : undefined, messages, topics: [], ...refs };
  }
}
