// Regenerates the command reference block in README.md from the command table (src/cli/commands.ts).
// Usage: npm run build && node scripts/readme-commands.js
import { readFileSync, writeFileSync } from 'node:fs';
import { markdownReference } from '../dist/src/cli/help.js';

const readme = readFileSync('README.md', 'utf8');
const start = '<!-- commands:start -->';
const end = '<!-- commands:end -->';
const a = readme.indexOf(start);
const b = readme.indexOf(end);
if (a < 0 || b < a) throw new Error('README.md lacks the commands block markers');
writeFileSync('README.md', readme.slice(0, a + start.length) + '\n' + markdownReference().trim() + '\n' + readme.slice(b));
console.log('README.md command reference updated');
