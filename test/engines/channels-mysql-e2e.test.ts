// Channels and supergroups end to end with echod on MySQL/MariaDB (a scratch database): the scenario of
// test/e2e/channels-scenario.ts, which the unit suite runs on SQLite.
import { after } from 'node:test';
import { channelsScenario } from '../e2e/channels-scenario.js';
import { mysqlEnv, ScratchDatabases } from './mysql-env.js';

const scratch = new ScratchDatabases();
after(() => scratch.dropAll());

channelsScenario('MySQL', () => mysqlEnv(scratch.next()));
