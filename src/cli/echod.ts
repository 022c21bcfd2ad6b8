#!/usr/bin/env node
// Entry point of the echod command (bin/echod.js loads the compiled copy of this file).
import { processIo } from './io.js';
import { main } from './main.js';

const argv = process.argv.slice(2);
const code = await main(argv, processIo());
// start ends on a signal, possibly with a slow socket still open; the others let stdout drain by itself.
if (argv[0] === 'start') process.exit(code);
else process.exitCode = code;
