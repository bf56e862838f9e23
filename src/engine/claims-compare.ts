/**
 * Compares the claims of a legacy token with the target's tokens, as the application's backend
 * would see them: each legacy claim must be there under the same name with the same JSON type.
 * A claim found under another name (same value) is reported as renamed; registered and session
 * claims (iss, exp, sid, ...) differ by nature and are passed in `ignore`.
 */
export type ClaimDifference =
  | { claim: string; kind: 'same'; type: string }
  | { claim: string; kind: 'missing'; type: string }
  | { claim: string; kind: 'renamed'; type: string; targetClaim: string }
  | { claim: string; kind: 'type'; type: string; targetType: string };

export function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `array<${v.length ? jsonTypeName(v[0]) : 'empty'}>`;
  return typeof v;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && [...a].map(String).sort().join('\0') === [...b].map(String).sort().join('\0');
  return JSON.stringify(a) === JSON.stringify(b);
}

export function compareClaims(legacy: Record<string, unknown>, target: Record<string, unknown>, ignore: ReadonlySet<string>): ClaimDifference[] {
  const out: ClaimDifference[] = [];
  for (const [claim, value] of Object.entries(legacy)) {
    if (ignore.has(claim)) continue;
    const type = jsonTypeName(value);
    if (claim in target) {
      const targetType = jsonTypeName(target[claim]);
      // An empty array says nothing about its items: only the container type is compared then.
      const compatible = targetType === type || (type.startsWith('array<') && targetType.startsWith('array<') && (type === 'array<empty>' || targetType === 'array<empty>'));
      out.push(compatible ? { claim, kind: 'same', type } : { claim, kind: 'type', type, targetType });
      continue;
    }
    const renamed = Object.entries(target).find(([k, v]) => !ignore.has(k) && !(k in legacy) && sameValue(v, value));
    out.push(renamed ? { claim, kind: 'renamed', type, targetClaim: renamed[0] } : { claim, kind: 'missing', type });
  }
  return out;
}

/** The payload of a JWT (no signature check: the legacy token is a sample the user gives). */
export function jwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.trim().split('.')[1];
  if (!part) return undefined;
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
