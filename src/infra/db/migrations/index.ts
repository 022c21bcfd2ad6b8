// Every migration, in order. Names sort lexically, which is the order Kysely's Migrator runs them in;
// a released migration is never edited, only followed by a new one.
import type { Migration, MigrationProvider } from 'kysely';
import { migration as m0001 } from './0001_auth_keys.js';
import { migration as m0002 } from './0002_users.js';
import { migration as m0003 } from './0003_authsession.js';
import { migration as m0004 } from './0004_passwords.js';
import { migration as m0005 } from './0005_privacy.js';
import { migration as m0006 } from './0006_contacts.js';
import { migration as m0007 } from './0007_messaging.js';
import { migration as m0008 } from './0008_media.js';
import { migration as m0009 } from './0009_chats.js';
import { migration as m0010 } from './0010_messaging_extras.js';
import { migration as m0011compat } from './0011_compat.js';
import { migration as m0012 } from './0012_chat_photos.js';
import { migration as m0013 } from './0013_saved_dialogs.js';
import { migration as m0014 } from './0014_inbox_outbox.js';
import { migration as m0015 } from './0015_secret_chats.js';
import { migration as m0016 } from './0016_channels.js';
import { migration as m0017 } from './0017_channel_invites_log.js';
import { migration as m0018 } from './0018_chat_migration.js';
import { migration as m0019 } from './0019_channel_prehistory.js';
import { migration as m0020 } from './0020_channel_requests_threads.js';
import { migration as m0021 } from './0021_channel_forum_topics.js';
import { migration as m0022 } from './0022_box_saved_partial_index.js';
import type { EchoMigration, SqlDialect } from './types.js';

export const MIGRATIONS: Readonly<Record<string, EchoMigration>> = {
  '0001_auth_keys': m0001,
  '0002_users': m0002,
  '0003_authsession': m0003,
  '0004_passwords': m0004,
  '0005_privacy': m0005,
  '0006_contacts': m0006,
  '0007_messaging': m0007,
  '0008_media': m0008,
  '0009_chats': m0009,
  '0010_messaging_extras': m0010,
  '0011_compat': m0011compat,
  '0012_chat_photos': m0012,
  '0013_saved_dialogs': m0013,
  '0014_inbox_outbox': m0014,
  '0015_secret_chats': m0015,
  '0016_channels': m0016,
  '0017_channel_invites_log': m0017,
  '0018_chat_migration': m0018,
  '0019_channel_prehistory': m0019,
  '0020_channel_requests_threads': m0020,
  '0021_channel_forum_topics': m0021,
  '0022_box_saved_partial_index': m0022,
};

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(MIGRATIONS)) {
        out[name] = { up: (db) => m.up(db, dialect), ...(m.down ? { down: (db) => m.down!(db, dialect) } : {}) };
      }
      return out;
    },
  };
}

export type { SqlDialect } from './types.js';
