"""Telethon 1.45 driven by an e2e test over harness.py's protocol. Telethon is pointed at Echo through its own
public hooks: the RSA key goes into telethon.crypto.rsa, the address into the session (set_dc)."""
import hashlib
import os

import telethon.crypto.rsa as telethon_rsa
from telethon import TelegramClient, errors, events, functions, types
from telethon.tl.alltlobjects import LAYER

import harness


def describe(m):
    peer = m.peer_id
    if isinstance(peer, types.PeerUser):
        chat = {"type": "user", "id": peer.user_id}
    elif isinstance(peer, types.PeerChannel):
        chat = {"type": "channel", "id": peer.channel_id}
    else:
        chat = {"type": "chat", "id": peer.chat_id}
    media = "photo" if m.photo else "document" if m.document else None
    return {"id": m.id, "chat": chat, "sender_id": m.sender_id, "out": m.out, "text": m.message, "media": media}


class TelethonDriver:
    client = None

    async def peer(self, spec):
        peer = types.PeerUser(spec["user"]) if "user" in spec else types.PeerChat(spec["chat"])
        return await self.client.get_input_entity(peer)

    async def cmd_connect(self, session, host, port, dc_id, public_key, api_id, api_hash):
        telethon_rsa.add_key(public_key, old=False)
        saved = os.path.exists(session + ".session")
        self.client = TelegramClient(session, api_id, api_hash, device_model="echo-e2e", app_version="1.0")
        # A saved session carries the address (and the auth key) itself; a new one is pointed at Echo.
        if not saved:
            self.client.session.set_dc(dc_id, host, port)
        await self.client.connect()
        self.client.add_event_handler(self.on_message, events.NewMessage())
        return {"authorized": await self.client.is_user_authorized(), "layer": LAYER, "saved_session": saved}

    @staticmethod
    async def on_message(event):
        harness.event("message", **describe(event.message))

    async def cmd_sign_in(self, phone, code, first_name):
        sent = await self.client.send_code_request(phone)
        try:
            user = await self.client.sign_in(phone, code, phone_code_hash=sent.phone_code_hash)
            signed_up = False
        except errors.PhoneNumberUnoccupiedError:
            # Telethon's sign_up() refuses on purpose (Telethon issue 4050); the raw request is the same call.
            auth = await self.client(functions.auth.SignUpRequest(phone, sent.phone_code_hash, first_name, ""))
            # What sign_in() runs after a success: marks the client authorized and loads the update state.
            user = await self.client._on_login(auth.user)
            signed_up = True
        return {"user_id": user.id, "signed_up": signed_up}

    async def cmd_me(self):
        me = await self.client.get_me()
        return {"id": me.id, "first_name": me.first_name, "phone": me.phone}

    async def cmd_catch_up(self):
        await self.client.catch_up()

    async def cmd_import_contact(self, phone, first_name):
        res = await self.client(functions.contacts.ImportContactsRequest(
            [types.InputPhoneContact(client_id=1, phone=phone, first_name=first_name, last_name="")]))
        return {"user_ids": [u.id for u in res.users]}

    async def cmd_entity_by_phone(self, phone):
        """Telethon looks a phone number up in contacts.getContacts (needs the contact's phone in the answer)."""
        user = await self.client.get_entity(phone)
        return {"id": user.id, "phone": user.phone}

    async def cmd_send_text(self, peer, text):
        m = await self.client.send_message(await self.peer(peer), text)
        return describe(m)

    async def cmd_send_file(self, peer, path, photo, caption=""):
        m = await self.client.send_file(await self.peer(peer), path, caption=caption, force_document=not photo)
        return describe(m)

    async def cmd_download(self, peer, msg_id):
        m = await self.client.get_messages(await self.peer(peer), ids=msg_id)
        data = await self.client.download_media(m, file=bytes)
        return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), **describe(m)}

    async def cmd_create_group(self, title, users):
        inputs = [await self.client.get_input_entity(types.PeerUser(u)) for u in users]
        res = await self.client(functions.messages.CreateChatRequest(users=inputs, title=title))
        return {"chat_id": res.updates.chats[0].id}

    async def cmd_create_channel(self, title, megagroup, username):
        res = await self.client(functions.channels.CreateChannelRequest(title=title, about="", broadcast=not megagroup, megagroup=megagroup))
        channel = res.chats[0]
        await self.client(functions.channels.UpdateUsernameRequest(channel, username))
        return {"channel_id": channel.id, "megagroup": bool(channel.megagroup), "broadcast": bool(channel.broadcast)}

    async def cmd_send_to(self, username, text):
        m = await self.client.send_message(username, text)
        return describe(m)

    async def cmd_history(self, username, limit):
        return {"texts": [m.message for m in await self.client.get_messages(username, limit=limit)]}

    async def cmd_participants(self, username):
        return {"ids": sorted(u.id for u in await self.client.get_participants(username))}

    async def cmd_link_discussion(self, channel, group):
        ok = await self.client(functions.channels.SetDiscussionGroupRequest(channel, group))
        return {"ok": bool(ok)}

    async def cmd_comment(self, username, post_id, text):
        """send_message(comment_to=): Telethon finds the thread with messages.getDiscussionMessage."""
        m = await self.client.send_message(username, text, comment_to=post_id)
        return describe(m)

    async def cmd_comments(self, username, post_id):
        """get_messages(reply_to=): messages.getReplies on the channel post."""
        return {"texts": [m.message for m in await self.client.get_messages(username, reply_to=post_id, limit=20)]}

    async def close(self):
        if self.client:
            await self.client.disconnect()


if __name__ == "__main__":
    harness.serve(TelethonDriver())
