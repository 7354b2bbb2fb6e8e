// npm run bench -- …: the same tool as `lodestone bench …` (cli/bench-command.ts).
import { benchCommand } from '../cli/bench-command.js';

await benchCommand().parseAsync(process.argv);
