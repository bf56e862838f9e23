/** The preflight of a target's configuration (`flagless doctor`): each target connector runs its own checks. */

export type DoctorStatus = 'ok' | 'fail' | 'warn' | 'skip';

export interface DoctorCheck {
  id: string;
  status: DoctorStatus;
  message: string;
  /** What to do when it is not ok. */
  fix?: string;
}

/** A social sign-in configured at a provider: the same client id on both sides lets users auto-link. */
export interface SocialConnection {
  /** Normalized: google, github, microsoft, apple, facebook, linkedin, ... */
  provider: string;
  clientId: string | undefined;
}

export interface DoctorContext {
  env: Record<string, string | undefined>;
  /** --target-url */
  url?: string;
  /** --db (Better Auth) */
  db?: string;
  /** --realm (Keycloak) */
  realm?: string;
  /** What the planned migration needs. */
  plan: {
    /** Password resets will be sent (users without a usable hash, --missing-password reset). */
    resets: boolean;
    /** Hash algorithms the export holds (bcrypt, firebase-scrypt, argon2id, ...). */
    hashAlgorithms: readonly string[];
    /** Role slugs the export's memberships use. */
    roles: readonly string[];
  };
}

export interface TargetDoctor {
  checks(ctx: DoctorContext): Promise<DoctorCheck[]>;
  /** The social connections configured at the target, when the target can list them. */
  socialConnections?(ctx: DoctorContext): Promise<SocialConnection[]>;
}
