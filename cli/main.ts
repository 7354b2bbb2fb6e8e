#!/usr/bin/env node
// The `lodestone` command (package.json's bin; `npm run lodestone -- …` from a checkout).
import { lodestoneProgram } from './program.js';

await lodestoneProgram().parseAsync(process.argv);
