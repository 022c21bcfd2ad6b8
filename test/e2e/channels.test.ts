// Channels and supergroups end to end on the embedded database (the scenario is in channels-scenario.ts).
import { channelsScenario } from './channels-scenario.js';

channelsScenario('SQLite');
