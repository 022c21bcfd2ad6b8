// Constructors a decoder accepts in place of its field's type, as Telegram's server does.
// Pyrogram-family clients (Pyrogram, kurigram, Telethon's helpers) put an InputPeer where the schema asks
// for an InputUser or InputChannel (messages.createChat users, users.getUsers, users.getFullUser,
// channels.* channel ...); Telegram accepts them, so every field of these types does here too.
// Each source carries the same fields (names and types) as its target, so the coercion is a rename;
// the code generator checks that for every layer and refuses to build otherwise.

/** Field type -> (predicate found on the wire -> predicate the field gets). */
export const TYPE_COERCIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  InputUser: {
    inputPeerUser: 'inputUser',
    inputPeerSelf: 'inputUserSelf',
    inputPeerUserFromMessage: 'inputUserFromMessage',
    inputPeerEmpty: 'inputUserEmpty',
  },
  InputChannel: {
    inputPeerChannel: 'inputChannel',
    inputPeerChannelFromMessage: 'inputChannelFromMessage',
    inputPeerEmpty: 'inputChannelEmpty',
  },
};
