/**
 * The one naming rule for an AWS profile of a rolegate role, used by
 * `rolegate configure` (the profiles it writes) and by the portal's snippets
 * (the profile they tell you to use), so both name the same role the same
 * way: `<prefix><account alias>-<role name>`, case kept (profile names are
 * case-sensitive, and IAM role names are shown with their case everywhere).
 * Characters an AWS config section header or a shell word would choke on
 * (whitespace, brackets, quotes, `#`, `;`, `$`, `\`…) become `-`; IAM role
 * names (`[\w+=,.@-]`) and account aliases pass unchanged.
 *
 * Pure and dependency-free: the CLI imports it at run time.
 */
export function profileNameFor(alias: string, role: string, prefix = ''): string {
  return `${prefix}${alias}-${role}`.replace(/[^\w+=,.@-]/g, '-');
}
