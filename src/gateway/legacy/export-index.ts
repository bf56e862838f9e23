import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CanonicalUser, Organization } from '../../model/user.js';
import type { Source } from '../../protocol/source.js';
import { normalizeIdentifier } from '../identifier.js';
import { decodeOrganization, decodeUser, encodeOrganization, encodeUser } from './user-codec.js';

/**
 * The export, indexed once for the gateway: login identifier → source ids, source id → the whole
 * canonical record (hash, profile, social links, memberships, metadata), and organizations by
 * source id. Built by streaming the Source once at start-up.
 *
 * `memory` holds everything in Maps (fast; about 1–2 KB per user). `sqlite` writes a private
 * SQLite file (default: a fresh temp folder, mode 0600, removed on close), so a million-user
 * export costs disk rather than RAM; a lookup is one indexed read.
 *
 * Identifiers are every email address of a user and the username, folded by normalizeIdentifier.
 * One identifier may name several users (a duplicate email in the export): the verifier then
 * tries each, and only a single match counts.
 */
export interface ExportIndexStats {
  users: number;
  organizations: number;
  identifiers: number;
  /** Problems the source reported while the index was built (bad lines, unknown hashers...). */
  problems: number;
  /** Identifiers that name more than one user. */
  ambiguousIdentifiers: number;
  /** Records dropped because their source id came twice. */
  duplicateIds: number;
  /**
   * The most common verifiable hash cost of the export (algorithm and parameters) and one user
   * who has it: what a decoy verification costs (unknown identifiers and wrong passwords of users
   * without a legacy check cost as much as an ordinary verification).
   */
  commonHash?: { algorithm: string; params: Record<string, string | number>; users: number; sourceId: string };
}

export interface ExportIndex {
  readonly stats: ExportIndexStats;
  sourceIdsFor(identifier: string): string[];
  user(sourceId: string): CanonicalUser | undefined;
  organization(sourceId: string): Organization | undefined;
  close(): Promise<void>;
}

export type ExportIndexStorage = 'memory' | { sqlite: string } | 'sqlite-temp';

export function identifiersOf(user: CanonicalUser): string[] {
  const keys = new Set<string>();
  for (const e of user.emails) keys.add(normalizeIdentifier(e.address));
  if (user.username) keys.add(normalizeIdentifier(user.username));
  keys.delete('');
  return [...keys];
}

class MemoryIndex implements ExportIndex {
  readonly byIdentifier = new Map<string, string[]>();
  readonly users = new Map<string, CanonicalUser>();
  readonly orgs = new Map<string, Organization>();
  readonly stats: ExportIndexStats = { users: 0, organizations: 0, identifiers: 0, problems: 0, ambiguousIdentifiers: 0, duplicateIds: 0 };

  addUser(u: CanonicalUser): void {
    if (this.users.has(u.sourceId)) {
      this.stats.duplicateIds++;
      return;
    }
    this.users.set(u.sourceId, u);
    for (const key of identifiersOf(u)) {
      const ids = this.byIdentifier.get(key);
      if (ids) ids.push(u.sourceId);
      else this.byIdentifier.set(key, [u.sourceId]);
    }
  }

  addOrganization(o: Organization): void {
    if (!this.orgs.has(o.sourceId)) this.orgs.set(o.sourceId, o);
  }

  finish(): void {
    this.stats.users = this.users.size;
    this.stats.organizations = this.orgs.size;
    this.stats.identifiers = this.byIdentifier.size;
    for (const ids of this.byIdentifier.values()) if (ids.length > 1) this.stats.ambiguousIdentifiers++;
  }

  sourceIdsFor(identifier: string): string[] {
    return this.byIdentifier.get(normalizeIdentifier(identifier)) ?? [];
  }
  user(sourceId: string): CanonicalUser | undefined {
    return this.users.get(sourceId);
  }
  organization(sourceId: string): Organization | undefined {
    return this.orgs.get(sourceId);
  }
  async close(): Promise<void> {
    this.users.clear();
    this.byIdentifier.clear();
    this.orgs.clear();
  }
}

class SqliteIndex implements ExportIndex {
  readonly stats: ExportIndexStats = { users: 0, organizations: 0, identifiers: 0, problems: 0, ambiguousIdentifiers: 0, duplicateIds: 0 };
  readonly #db: Database.Database;
  readonly #removeDir: string | undefined;
  readonly #ids: Database.Statement;
  readonly #user: Database.Statement;
  readonly #org: Database.Statement;
  #pendingUsers: CanonicalUser[] = [];
  #pendingOrgs: Organization[] = [];

  constructor(file: string, removeDir: string | undefined) {
    this.#removeDir = removeDir;
    this.#db = new Database(file);
    try {
      chmodSync(file, 0o600);
    } catch {
      /* a platform without POSIX modes */
    }
    this.#db.pragma('journal_mode = OFF');
    this.#db.pragma('synchronous = OFF');
    this.#db.exec(`
      DROP TABLE IF EXISTS identifiers; DROP TABLE IF EXISTS users; DROP TABLE IF EXISTS organizations;
      CREATE TABLE identifiers (identifier TEXT NOT NULL, source_id TEXT NOT NULL, PRIMARY KEY (identifier, source_id)) WITHOUT ROWID;
      CREATE TABLE users (source_id TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE organizations (source_id TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID;`);
    this.#user = this.#db.prepare('SELECT record FROM users WHERE source_id = ?');
    this.#org = this.#db.prepare('SELECT record FROM organizations WHERE source_id = ?');
    this.#ids = this.#db.prepare('SELECT source_id FROM identifiers WHERE identifier = ?');
  }

  addUser(u: CanonicalUser): void {
    this.#pendingUsers.push(u);
    if (this.#pendingUsers.length >= 1000) this.flush();
  }

  addOrganization(o: Organization): void {
    this.#pendingOrgs.push(o);
    if (this.#pendingOrgs.length >= 1000) this.flush();
  }

  flush(): void {
    const insUser = this.#db.prepare('INSERT INTO users (source_id, record) VALUES (?, ?) ON CONFLICT DO NOTHING');
    const insId = this.#db.prepare('INSERT INTO identifiers (identifier, source_id) VALUES (?, ?) ON CONFLICT DO NOTHING');
    const insOrg = this.#db.prepare('INSERT INTO organizations (source_id, record) VALUES (?, ?) ON CONFLICT DO NOTHING');
    const users = this.#pendingUsers;
    const orgs = this.#pendingOrgs;
    this.#pendingUsers = [];
    this.#pendingOrgs = [];
    this.#db.transaction(() => {
      for (const u of users) {
        if (insUser.run(u.sourceId, encodeUser(u)).changes === 0) {
          this.stats.duplicateIds++;
          continue;
        }
        for (const key of identifiersOf(u)) insId.run(key, u.sourceId);
      }
      for (const o of orgs) insOrg.run(o.sourceId, encodeOrganization(o));
    })();
  }

  finish(): void {
    this.flush();
    const one = (sql: string) => (this.#db.prepare(sql).get() as { n: number }).n;
    this.stats.users = one('SELECT COUNT(*) AS n FROM users');
    this.stats.organizations = one('SELECT COUNT(*) AS n FROM organizations');
    this.stats.identifiers = one('SELECT COUNT(DISTINCT identifier) AS n FROM identifiers');
    this.stats.ambiguousIdentifiers = one('SELECT COUNT(*) AS n FROM (SELECT identifier FROM identifiers GROUP BY identifier HAVING COUNT(*) > 1)');
  }

  sourceIdsFor(identifier: string): string[] {
    return (this.#ids.all(normalizeIdentifier(identifier)) as { source_id: string }[]).map((r) => r.source_id);
  }
  user(sourceId: string): CanonicalUser | undefined {
    const r = this.#user.get(sourceId) as { record: string } | undefined;
    return r ? decodeUser(r.record) : undefined;
  }
  organization(sourceId: string): Organization | undefined {
    const r = this.#org.get(sourceId) as { record: string } | undefined;
    return r ? decodeOrganization(r.record) : undefined;
  }
  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    if (this.#removeDir) rmSync(this.#removeDir, { recursive: true, force: true });
  }
}

/**
 * Streams `source` once into an index. Problems the source reports are counted (assess and
 * migrate report them in full); a user the source could not read is simply not in the index, so
 * the gateway answers for it as for any unknown user.
 */
export async function buildExportIndex(source: Source, storage: ExportIndexStorage = 'memory'): Promise<ExportIndex> {
  let index: MemoryIndex | SqliteIndex;
  if (storage === 'memory') index = new MemoryIndex();
  else if (storage === 'sqlite-temp') {
    const dir = mkdtempSync(path.join(tmpdir(), 'flagless-index-'));
    index = new SqliteIndex(path.join(dir, 'export-index.db'), dir);
  } else index = new SqliteIndex(storage.sqlite, undefined);
  const costs = new Map<string, { algorithm: string; params: Record<string, string | number>; users: number; sourceId: string }>();
  try {
    for await (const item of source.read()) {
      if (item.type === 'user') {
        index.addUser(item.user);
        const h = item.user.passwordPlan === 'import' ? item.user.password : undefined;
        if (h) {
          const key = `${h.algorithm} ${JSON.stringify(h.params)}`;
          const c = costs.get(key);
          if (c) c.users++;
          else if (costs.size < 1000) costs.set(key, { algorithm: h.algorithm, params: h.params, users: 1, sourceId: item.user.sourceId });
        }
      }
      else if (item.type === 'organization') index.addOrganization(item.organization);
      else index.stats.problems++;
    }
    index.finish();
    let common: ExportIndexStats['commonHash'];
    for (const c of costs.values()) if (!common || c.users > common.users) common = c;
    if (common) index.stats.commonHash = common;
  } catch (e) {
    await index.close();
    throw e;
  }
  return index;
}
