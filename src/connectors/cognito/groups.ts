/**
 * Cognito groups → organizations, and group membership → memberships. Pure.
 *
 * The choice: a Cognito group is a named set of users (GroupType: GroupName, Description,
 * Precedence, RoleArn), with no roles inside it. Each group becomes one Organization
 * (sourceId = name = GroupName; Description, Precedence and RoleArn kept as metadata) and each
 * member a Membership with no roles, so the target gets its default member role. Why not "one
 * organization, the group name as a role"? Groups are used both ways in practice (tenants, and
 * roles like `admin`), and a set of users is what every target can hold (a Keycloak group, a
 * WorkOS or Better Auth organization); turning a group into a role is a decision for the target
 * mapping, which the group's name and Precedence leave possible. Applications that read the
 * `cognito:groups` token claim need that mapping either way.
 */
import type { Organization } from '../../model/user.js';
import { cognitoDate } from './map.js';

export interface CognitoGroup {
  GroupName?: string;
  Description?: string;
  Precedence?: number;
  RoleArn?: string;
  CreationDate?: unknown;
}

export function groupToOrganization(g: CognitoGroup): Organization | undefined {
  if (typeof g.GroupName !== 'string' || g.GroupName === '') return undefined;
  const metadata: Record<string, unknown> = {};
  if (typeof g.Description === 'string') metadata.description = g.Description;
  if (typeof g.Precedence === 'number') metadata.precedence = g.Precedence;
  if (typeof g.RoleArn === 'string') metadata.roleArn = g.RoleArn;
  const createdAt = cognitoDate(g.CreationDate);
  return { sourceId: g.GroupName, name: g.GroupName, metadata, ...(createdAt ? { createdAt } : {}) };
}

/**
 * Username → the names of its groups, built from (GroupName, Username) pairs. This is the join,
 * held whole; it is kept small: one interned string per group name, and a user in one group
 * (the common case) costs a map entry holding that string, not an array.
 */
export class GroupMembers {
  readonly #byUser = new Map<string, string | string[]>();
  readonly #names = new Map<string, string>();

  add(username: string, groupName: string): void {
    let name = this.#names.get(groupName);
    if (name === undefined) {
      name = groupName;
      this.#names.set(name, name);
    }
    const current = this.#byUser.get(username);
    if (current === undefined) this.#byUser.set(username, name);
    else if (typeof current === 'string') {
      if (current !== name) this.#byUser.set(username, [current, name]);
    } else if (!current.includes(name)) current.push(name);
  }

  /** The user's groups, removing them: what is left at the end names users not in the export. */
  take(username: string): string[] | undefined {
    const current = this.#byUser.get(username);
    if (current === undefined) return undefined;
    this.#byUser.delete(username);
    return typeof current === 'string' ? [current] : current;
  }

  /** Drops every membership of a group (one that the dump does not define); returns how many. */
  dropGroup(groupName: string): number {
    let dropped = 0;
    for (const [username, current] of this.#byUser) {
      if (current === groupName) {
        this.#byUser.delete(username);
        dropped++;
      } else if (typeof current !== 'string' && current.includes(groupName)) {
        const rest = current.filter((g) => g !== groupName);
        this.#byUser.set(username, rest.length === 1 ? rest[0]! : rest);
        dropped++;
      }
    }
    this.#names.delete(groupName);
    return dropped;
  }

  groupNames(): string[] {
    return [...this.#names.keys()];
  }

  *leftover(): Generator<[string, string[]]> {
    for (const [username, current] of this.#byUser) yield [username, typeof current === 'string' ? [current] : current];
  }

  get size(): number {
    return this.#byUser.size;
  }
}
