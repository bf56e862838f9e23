import { openTarget } from '../app/open-target.js';
import { syncReconcile } from '../app/sync.js';
import { FlaglessError } from '../protocol/errors.js';
import { openGatewayStore } from '../state/gateway/open.js';
import { sourceFromFlags, sourceVendorFromFlags } from './open-source.js';
import { str, targetFromFlags } from './open-target.js';
import { EXIT_OK, EXIT_PROBLEMS, type CommandIo, type ParsedCommand } from './spec.js';

/** `flagless sync reconcile --from <vendor> --api|--file <fresh export> --to <target> ...`: one pass, then the inbox drained. */
export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const env = process.env;
  const from = sourceVendorFromFlags(args.flags);
  // The listing: the vendor's API, or a fresh export (Firebase has no API reader: `firebase auth:export`).
  const { from: _from, env: _env, ...listing } = sourceFromFlags(args.flags, env);
  const onDelete = str(args.flags['on-delete']) ?? 'delete';
  if (onDelete !== 'delete' && onDelete !== 'disable') throw new FlaglessError('E_USAGE', `--on-delete must be delete or disable; got "${onDelete}".`);
  const apiUrl = str(args.flags['source-url']);
  // The gateway's tables too: a password change resets a flag there, a user's identifiers are remembered.
  const store = await openGatewayStore(str(args.flags.state));
  try {
    const { target, label } = await openTarget({ env, ...targetFromFlags(args.flags, env) });
    try {
      const { summary, stats } = await syncReconcile({
        from,
        env,
        listing,
        ...(apiUrl ? { apiUrl } : {}),
        target,
        driver: store.driver,
        onDelete,
        ...(args.flags['delete-missing-orgs'] === true ? { deleteMissingOrganizations: true } : {}),
        ...(io.quiet ? {} : { onEvent: (m: string) => io.err(`flagless sync: ${m}`) }),
      });
      const ok = stats.pending === 0 && stats.quarantined === 0 && summary.deletionsWithheld === 0;
      if (io.json) io.out(JSON.stringify({ from, target: label, ...summary, sync: stats, ok }));
      else {
        io.out(`${summary.listed} users listed at ${from}: ${summary.changed} changed or new, ${summary.deleted} gone from the source, ${summary.unchanged} unchanged.`);
        if (summary.organizations > 0 || summary.organizationsMissing > 0) {
          io.out(
            `${summary.organizations} organizations listed: ${summary.organizationsChanged} created or renamed, ${summary.organizationsMissing} gone from the source${
              summary.organizationsMissing === 0 ? '' : summary.organizationsDeleted > 0 ? ', deleted at the target' : ` and kept at the target (${summary.missingOrganizationIds.slice(0, 5).join(', ')}${summary.organizationsMissing > 5 ? ', ...' : ''}; --delete-missing-orgs deletes them)`
            }.`,
          );
        }
        if (summary.deletionsWithheld > 0)
          io.out(`Some records of the listing could not be read: ${summary.deletionsWithheld} deletions were not made (a record that did not parse is not one the source no longer has). Fix the listing or read it from the API, then run again.`);
        io.out(`Inbox: ${stats.applied} applied, ${stats.pending} waiting for a retry, ${stats.quarantined} quarantined${stats.quarantined ? ' (reasons in the sync_inbox table, last_error)' : ''}.`);
      }
      return ok ? EXIT_OK : EXIT_PROBLEMS;
    } finally {
      await target.close();
    }
  } finally {
    await store.close();
  }
}
