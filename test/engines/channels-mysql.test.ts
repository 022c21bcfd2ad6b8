// The channel model (migration 0016 and every channel query, incl. the locked pts read and INSERT IGNORE of
// views) on MySQL/MariaDB: the same suite the unit tests run on SQLite.
import { after } from 'node:test';
import { openMysqlDatabase } from '../../src/infra/db/index.js';
import { channelModelSuite } from '../unit/messenger/channels-model.js';
import { ScratchDatabases } from './mysql-env.js';

const scratch = new ScratchDatabases();
after(() => scratch.dropAll());

channelModelSuite('MySQL', () => openMysqlDatabase(scratch.next()));
