// Inbox-T end to end on Kafka with MariaDB (a server of this test's own: the consumer's and the sends'
// transactions run side by side there, locking update states): see inbox-scenario.ts.
import { inboxScenario } from './inbox-scenario.js';
import { PrivateMariadb } from './private-mariadb.js';
import { mysqlEnv } from './mysql-env.js';

inboxScenario('MariaDB', 830000, async () => {
  const mariadb = await PrivateMariadb.create();
  return { env: mysqlEnv(mariadb.settings()), dispose: () => mariadb.dispose() };
});
