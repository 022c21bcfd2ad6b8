// A GramJS user and an mtcute user learn each other's access hash the ordinary way: each imports the other's
// phone number. Returns the input peers each side sends with.
import bigInt from 'big-integer';
import Long from 'long';
import { Api, type GramjsHandle } from './gramjs.js';
import type { MtcuteHandle } from './mtcute.js';

export interface MtcuteInputPeerUser {
  _: 'inputPeerUser';
  userId: number;
  accessHash: Long;
}

export async function importEachOther(
  gramjs: { handle: GramjsHandle; phone: string; firstName: string },
  mtcute: { handle: MtcuteHandle; phone: string; firstName: string },
): Promise<{ mtcuteForGramjs: Api.InputPeerUser; gramjsForMtcute: MtcuteInputPeerUser }> {
  const imported = (await gramjs.handle.client.invoke(
    new Api.contacts.ImportContacts({ contacts: [new Api.InputPhoneContact({ clientId: bigInt(1), phone: `+${mtcute.phone}`, firstName: mtcute.firstName, lastName: '' })] }),
  )) as Api.contacts.ImportedContacts;
  const user = imported.users[0] as Api.User;
  const back: any = await mtcute.handle.client.call({
    _: 'contacts.importContacts',
    contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${gramjs.phone}`, firstName: gramjs.firstName, lastName: '' }],
  });
  return {
    mtcuteForGramjs: new Api.InputPeerUser({ userId: user.id, accessHash: user.accessHash! }),
    gramjsForMtcute: { _: 'inputPeerUser', userId: back.users[0].id, accessHash: back.users[0].accessHash },
  };
}
