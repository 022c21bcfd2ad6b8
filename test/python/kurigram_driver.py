"""kurigram 2.2 (the maintained Pyrogram fork) driven by an e2e test over harness.py's protocol.

Pyrogram-family clients take the server address from their own DC table and write it into the session when the
session is new, so the one public place to point them at Echo is the session storage (Client(storage_engine=...)):
EchoStorage keeps Echo's address whatever the client stores. The RSA key goes into pyrogram.crypto.rsa's table."""
import hashlib
from pathlib import Path

from pyrogram import Client, enums, raw, types
from pyrogram.crypto import rsa as pyrogram_rsa
from pyrogram.handlers import MessageHandler
from pyrogram.storage import SQLiteStorage
from pyrogram.storage.storage import UpdateState

import harness


class EchoStorage(SQLiteStorage):
    """A session file pinned to one server address: every write of the address or port stores Echo's."""

    def __init__(self, path, host, port):
        path = Path(path)
        super().__init__(path.name, workdir=path.parent)
        self.echo_host, self.echo_port = host, port

    async def server_address(self, value=object):  # `object` is kurigram's "read, don't write" sentinel
        return await super().server_address(value if value is object else self.echo_host)

    async def port(self, value=object):
        return await super().port(value if value is object else self.echo_port)


def describe(m):
    if m.chat.type == enums.ChatType.PRIVATE:
        chat = {"type": "user", "id": m.chat.id}
    else:  # basic groups: Pyrogram's chat id is -chat_id
        chat = {"type": "chat", "id": -m.chat.id}
    media = "photo" if m.photo else "document" if m.document else None
    sender = m.from_user.id if m.from_user else None
    return {"id": m.id, "chat": chat, "sender_id": sender, "out": bool(m.outgoing), "text": m.text or m.caption or "", "media": media}


def chat_id(spec):
    return spec["user"] if "user" in spec else -spec["chat"]


class KurigramDriver:
    client = None

    async def cmd_connect(self, session, host, port, dc_id, modulus_hex, exponent, fingerprint, api_id, api_hash):
        pyrogram_rsa.server_public_keys[int(fingerprint)] = pyrogram_rsa.PublicKey(m=int(modulus_hex, 16), e=exponent)
        saved = Path(session + SQLiteStorage.FILE_EXTENSION).exists()
        self.client = Client(session, api_id=api_id, api_hash=api_hash, device_model="echo-e2e", app_version="1.0",
                             storage_engine=EchoStorage(session, host, port))
        self.client.add_handler(MessageHandler(self.on_message))
        authorized = await self.client.connect()
        if authorized:
            await self.finish_start()
        return {"authorized": authorized, "layer": raw.all.layer, "saved_session": saved}

    @staticmethod
    async def on_message(_client, message):  # async: kurigram runs plain functions on worker threads
        harness.event("message", **describe(message))

    async def finish_start(self):
        """What Client.start() does once the session is authorized (its own sign-in path is an interactive prompt)."""
        state = await self.client.invoke(raw.functions.updates.GetState())
        if not await self.client.storage.get_update_states(0):
            await self.client.storage.set_update_state(UpdateState(0, state.pts, state.qts, state.date, state.seq))
        self.client.me = await self.client.get_me()
        await self.client.initialize()

    async def cmd_sign_in(self, phone, code, first_name):
        sent = await self.client.send_phone_number_code(phone)
        user = await self.client.sign_in(phone, sent.phone_code_hash, code)
        signed_up = not isinstance(user, types.User)  # False or the terms of service: the number has no account
        if signed_up:
            user = await self.client.sign_up(phone, sent.phone_code_hash, first_name)
        await self.finish_start()
        return {"user_id": user.id, "signed_up": signed_up}

    async def cmd_me(self):
        me = await self.client.get_me()
        return {"id": me.id, "first_name": me.first_name, "phone": me.phone_number}

    async def cmd_import_contact(self, phone, first_name):
        res = await self.client.import_contacts([types.InputPhoneContact(phone=phone, first_name=first_name)])
        return {"user_ids": [u.id for u in res.users]}

    async def cmd_get_users(self, ids):
        """users.getUsers with the InputPeer kurigram puts where an InputUser is expected."""
        users = await self.client.get_users(ids)
        return {"ids": [u.id for u in users]}

    async def cmd_send_text(self, peer, text):
        return describe(await self.client.send_message(chat_id(peer), text))

    async def cmd_send_file(self, peer, path, photo, caption=""):
        send = self.client.send_photo if photo else self.client.send_document
        return describe(await send(chat_id(peer), path, caption=caption))

    async def cmd_download(self, peer, msg_id):
        m = await self.client.get_messages(chat_id(peer), msg_id)
        data = (await self.client.download_media(m, in_memory=True)).getvalue()
        return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), **describe(m)}

    async def cmd_create_group(self, title, users):
        chat = await self.client.create_group(title, users)
        return {"chat_id": -chat.id}

    async def cmd_forum(self, title, topic_title, text):
        """A supergroup turned forum: a topic, a message in it, and the topic list as kurigram reads it."""
        chat = await self.client.create_supergroup(title)
        toggled = await self.client.toggle_forum_topics(chat.id, is_forum=True)
        topic = await self.client.create_forum_topic(chat.id, topic_title)
        m = await self.client.send_message(chat.id, text, message_thread_id=topic.id)
        topics = [t async for t in self.client.get_forum_topics(chat.id)]
        return {
            "toggled": toggled,
            "topic_id": topic.id,
            "message": {"id": m.id, "thread": m.message_thread_id, "topic_title": m.topic.title if m.topic else None},
            "topics": [{"id": t.id, "title": t.title, "top": t.top_message.id if t.top_message else None} for t in topics],
        }

    async def close(self):
        if self.client and self.client.is_connected:
            if self.client.is_initialized:
                await self.client.stop()
            else:
                await self.client.disconnect()


if __name__ == "__main__":
    harness.serve(KurigramDriver())
