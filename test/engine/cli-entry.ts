/** Runs the CLI from source (tests spawn it as a child: exit codes, signals, stdout and stderr are real). */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
