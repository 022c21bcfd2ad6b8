// Channels, second part (dialog arrangement, join requests, search filters, discussion groups, forum
// topics) end to end with echod on MySQL/MariaDB (a scratch database): the scenario of
// test/e2e/channels-more-scenario.ts, which the unit suite runs on SQLite.
import { after } from 'node:test';
import { channelsMoreScenario } from '../e2e/channels-more-scenario.js';
import { mysqlEnv, ScratchDatabases } from './mysql-env.js';

const scratch = new ScratchDatabases();
after(() => scratch.dropAll());

channelsMoreScenario('MySQL', () => mysqlEnv(scratch.next()));
