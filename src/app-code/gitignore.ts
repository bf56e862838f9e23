/**
 * A .gitignore matcher for folders that are not git work trees (inside one, `git ls-files` answers
 * with git's own rules). Covers what .gitignore files hold in practice: `*`, `?`, `**`, character
 * classes, a leading or inner `/` anchoring to the .gitignore's folder, a trailing `/` for folders
 * only, and `!` re-including. Later rules win, as in git.
 */

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  /** Matches the path relative to the .gitignore's folder. */
  re: RegExp;
}

function globToRegExp(glob: string, anchored: boolean): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches any number of folders; a trailing `**` everything below.
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) out += '\\' + glob[++i];
    else out += /[.+^${}()|\\]/.test(c) ? '\\' + c : c;
  }
  // A pattern without an inner slash matches a name at any depth; a match on a folder covers what is in it.
  return new RegExp(`^${anchored ? '' : '(?:.*/)?'}${out}(?:/.*)?$`);
}

export function parseGitignore(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    if (line === '') continue;
    rules.push({ negate, dirOnly, re: globToRegExp(line, anchored) });
  }
  return rules;
}

/** The rules of one folder's .gitignore, applied to paths relative to that folder. */
export interface IgnoreScope {
  base: string;
  rules: Rule[];
}

/** Whether `path` (relative to the scanned root, `/`-separated) is ignored by the scopes in effect. */
export function isIgnored(scopes: readonly IgnoreScope[], path: string, isDir: boolean): boolean {
  let ignored = false;
  for (const scope of scopes) {
    if (scope.base !== '' && !path.startsWith(scope.base + '/')) continue;
    const rel = scope.base === '' ? path : path.slice(scope.base.length + 1);
    for (const rule of scope.rules) {
      // The walker tests every folder before it descends, so a folder-only rule never needs to see files.
      if (rule.dirOnly && !isDir) continue;
      if (rule.re.test(rel)) ignored = !rule.negate;
    }
  }
  return ignored;
}
