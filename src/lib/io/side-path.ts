/**
 * `users.json` → `users.<suffix>`: where the side files of a generated export go (hash config,
 * API dump, password file). By default the last extension is replaced (`.hidden` and `x.d/users`
 * have none); `extension` names the endings to replace instead when an export's name may be
 * compound (`.ndjson.gz`), a name without it keeping its whole name as the base.
 */
export function sidePath(out: string, suffix: string, extension?: RegExp): string {
  if (extension) return `${out.replace(extension, '')}.${suffix}`;
  const slash = Math.max(out.lastIndexOf('/'), out.lastIndexOf('\\'));
  const dot = out.lastIndexOf('.');
  const base = dot > slash + 1 ? out.slice(0, dot) : out;
  return `${base}.${suffix}`;
}
