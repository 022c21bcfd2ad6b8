// Inbox-T end to end on Kafka with the embedded database (SQLite): see inbox-scenario.ts.
import { inboxScenario } from './inbox-scenario.js';

inboxScenario('SQLite', 820000, async () => ({ env: {} }));
