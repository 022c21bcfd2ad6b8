// Channels, second part, end to end on the embedded database (the scenario is in channels-more-scenario.ts).
import { channelsMoreScenario } from './channels-more-scenario.js';

channelsMoreScenario('SQLite');
