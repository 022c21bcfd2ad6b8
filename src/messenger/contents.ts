// Message contents a recipient "consumes" apart from reading the chat (core.telegram.org/api/mentions,
// messages.readMessageContents): voice notes and round videos stay media_unread until played, and a
// mention in a group stays unread (mentioned + media_unread) until the mentioned member opens it.
import type { TlType } from '../tl/index.js';

/** A voice note or a round video: the media Telegram marks media_unread until it is played. */
export function isPlayable(media: TlType<'MessageMedia'> | undefined): boolean {
  if (media?._ !== 'messageMediaDocument') return false;
  if (media.voice === true || media.round === true) return true;
  const attributes = media.document?._ === 'document' ? media.document.attributes : [];
  return attributes.some((a) => (a._ === 'documentAttributeAudio' && a.voice === true) || (a._ === 'documentAttributeVideo' && a.roundMessage === true));
}

/**
 * The users a group message mentions by entity: mention-name entities carry the id, @username mentions
 * are looked up with `byUsername`. (A reply to a member's message mentions them too; the store adds that.)
 */
export async function mentionedUsers(
  message: string,
  entities: readonly TlType<'MessageEntity'>[] | undefined,
  byUsername: (username: string) => Promise<bigint | undefined>,
): Promise<bigint[]> {
  const out = new Set<bigint>();
  for (const e of entities ?? []) {
    if (e._ === 'messageEntityMentionName') out.add(e.userId);
    else if (e._ === 'inputMessageEntityMentionName') {
      if (e.userId._ === 'inputUser') out.add(e.userId.userId);
    } else if (e._ === 'messageEntityMention') {
      const text = message.slice(e.offset, e.offset + e.length);
      if (!text.startsWith('@')) continue;
      const id = await byUsername(text.slice(1));
      if (id !== undefined) out.add(id);
    }
  }
  return [...out];
}
