import type { IamDoctorQuery, IamDoctorResponse } from '../../contracts/iam-doctor.js';
import { diagnoseAccountIam } from '../../domain/iam-diagnosis.js';
import type { AccountIamPlan } from '../../domain/iam-template.js';
import type { IamReader } from '../../ports/iam-reader.js';
import { iamTemplateInput, plansFor, type IamTemplateDeps } from '../iam/iam-template.js';

/** What `rolegate doctor` reads: the template's inputs and each account's IAM (wired in composition/admin.ts). */
export interface IamDoctorDeps {
  template: IamTemplateDeps;
  reader: IamReader;
  /** Accounts read at once (default 4): IAM's request rate is shared by the whole organization. */
  concurrency?: number;
}

/**
 * GET /api/v1/admin/doctor (docs/admin.md#rolegate-doctor): compares each account's IAM with the
 * template of the live access model and returns the findings, each with its fix. An account whose
 * IAM the reader may not read is one finding (iam_unreadable), never a failure of the whole answer.
 */
export async function diagnoseIam(deps: IamDoctorDeps, query: IamDoctorQuery): Promise<IamDoctorResponse> {
  const plans = plansFor(await iamTemplateInput(deps.template), query.account);
  const reader = query.readerRoleName === undefined ? {} : { roleName: query.readerRoleName };
  const accounts = await mapBounded(plans, deps.concurrency ?? 4, async (plan: AccountIamPlan) => {
    const observed = await deps.reader.read(
      plan.account,
      {
        samlProviderArns: plan.samlProviders.map((p) => p.arn),
        oidcProviderArns: plan.oidcProviders.map((p) => p.arn),
        roleNames: plan.roles.map((r) => r.name),
      },
      reader,
    );
    return { accountId: plan.account.id, alias: plan.account.alias, findings: diagnoseAccountIam(plan, observed, query.hubPrincipal) };
  });
  return { clean: accounts.every((a) => a.findings.length === 0), accounts };
}

/** `items` mapped with at most `limit` calls in flight, results in order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
