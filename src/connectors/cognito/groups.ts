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

/** Username → the names of its groups, built from (GroupName, Username) pairs. */
export class GroupMembers {
  readonly #byUser = new Map<string, string[]>();

  add(username: string, groupName: string): void {
    const list = this.#byUser.get(username);
    if (!list) this.#byUser.set(username, [groupName]);
    else if (!list.includes(groupName)) list.push(groupName);
  }

  /** The user's groups, removing them: what is left at the end names users not in the export. */
  take(username: string): string[] | undefined {
    const list = this.#byUser.get(username);
    if (list) this.#byUser.delete(username);
    return list;
  }

  leftover(): IterableIterator<[string, string[]]> {
    return this.#byUser.entries();
  }

  get size(): number {
    return this.#byUser.size;
  }
}
