import { z } from 'zod';
import { boolean, integer, nonEmptyString, stringList } from '../fields.js';

export const admin = z
  .strictObject({
    groups: stringList('a comma-separated list of group names')
      .default(['rolegate-admins'])
      .meta({
        env: ['ROLEGATE_ADMIN_GROUPS'],
        description:
          'IdP groups whose members administer rolegate: the admin API (/api/v1/admin/…), the admin pages (/admin), `rolegate apply`, revocations.',
      }),
    auditorGroups: stringList('a comma-separated list of group names')
      .default(['rolegate-auditors'])
      .meta({
        env: ['ROLEGATE_AUDITOR_GROUPS'],
        description: 'IdP groups whose members may read the admin API and pages (mappings, audit log) but change nothing.',
      }),
    accessFile: nonEmptyString('a file path')
      .optional()
      .meta({
        env: ['ROLEGATE_ACCESS_FILE'],
        description:
          'An access-as-code file (docs/access-as-code.md) applied at start-up, after migrations: accounts, roles and group mappings become what it says. A file with problems stops the start.',
      }),
    accessAsCode: boolean()
      .optional()
      .meta({
        env: ['ROLEGATE_ACCESS_AS_CODE'],
        description:
          'The access model is managed as code (an access file in version control, applied with `rolegate apply` or admin.accessFile): the admin pages then validate an edit and show the YAML to commit and the `rolegate apply` command instead of saving it. Default: on when admin.accessFile is set (start-up would undo edits made on the pages), off otherwise. The admin API is not affected.',
      }),
    applyTimeoutMs: integer(1000, 3_600_000)
      .default(300_000)
      .meta({
        env: ['ROLEGATE_ACCESS_APPLY_TIMEOUT_MS'],
        description:
          'How long one access change may take before it is rolled back (nothing applied): applying an access file (start-up, `rolegate apply`) or one admin API edit is one transaction. A 20,000-role file applies from nothing in a few seconds.',
      }),
    accessFileMaxBytes: integer(1_048_576, 1_073_741_824)
      .default(67_108_864)
      .meta({
        env: ['ROLEGATE_ACCESS_FILE_MAX_BYTES'],
        description:
          'Largest body POST /api/v1/admin/access/plan and /apply accept (the access file as application/yaml, or JSON carrying it): 64 MiB by default. Every other admin endpoint keeps a 1 MB limit.',
      }),
    auditRetentionDays: integer(1, 36_500)
      .optional()
      .meta({
        env: ['ROLEGATE_AUDIT_RETENTION_DAYS'],
        description:
          'Audit events older than this many days are removed, a week (UTC, from Monday) at a time once the whole week is older (hourly sweep): an event is kept at least this long and at most a week longer (a month for events kept in the monthly partitions of earlier versions). Unset: kept forever. Removal by age is the only way events leave the trail.',
      }),
  })
  .prefault({});
