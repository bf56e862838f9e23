// Role groups under a parent (an organization, or an organization's realm group): one per
// membership role, created on first use and marked with the `flagless_role` attribute, so a changed
// role moves the user between flagless's groups and leaves groups made by hand alone. The same
// logic for Keycloak organization groups (26.6+) and for realm subgroups (older servers); only how
// a parent's groups are listed and created differs.
import { FlaglessError } from '../../protocol/errors.js';
import { ROLE_ATTRIBUTE } from './map.js';

export interface GroupRep {
  id?: string;
  name?: string;
  path?: string;
  attributes?: Record<string, string[]>;
}

export interface GroupOps {
  /** Every group directly under the parent. */
  list(parentId: string): Promise<GroupRep[]>;
  /** Creates one under the parent: its id, or undefined when the name is taken (409). */
  create(parentId: string, body: { name: string; attributes: Record<string, string[]> }): Promise<string | undefined>;
}

export class RoleGroups {
  readonly #ops: GroupOps;
  /** Parent id → its groups by name, loaded once per parent. */
  readonly #byParent = new Map<string, Promise<Map<string, GroupRep>>>();

  constructor(ops: GroupOps) {
    this.#ops = ops;
  }

  /** The parent's groups by name (flagless's role groups and any others). */
  of(parentId: string): Promise<Map<string, GroupRep>> {
    let p = this.#byParent.get(parentId);
    if (!p) {
      p = this.#ops.list(parentId).then((groups) => new Map(groups.filter((g) => g.id && g.name).map((g) => [g.name!, g])));
      p.catch(() => this.#byParent.delete(parentId));
      this.#byParent.set(parentId, p);
    }
    return p;
  }

  /** Drops what is known of a parent (deleted). */
  forget(parentId: string): void {
    this.#byParent.delete(parentId);
  }

  /** The group for `role` (named `name`) under the parent, created when missing. */
  async ensure(parentId: string, name: string, role: string): Promise<GroupRep> {
    const groups = await this.of(parentId);
    const known = groups.get(name);
    if (known) return known;
    const attributes = { [ROLE_ATTRIBUTE]: [role] };
    const id = await this.#ops.create(parentId, { name, attributes });
    let group: GroupRep | undefined = id ? { id, name, attributes } : undefined;
    if (!group) {
      // Made by another worker meanwhile: read it.
      group = (await this.#ops.list(parentId)).find((g) => g.name === name);
      if (!group?.id) throw new FlaglessError('E_TARGET_CONFLICT', `Keycloak role group "${name}" exists but cannot be read`, { errorClass: 'skippable' });
    }
    groups.set(name, group);
    return group;
  }
}
