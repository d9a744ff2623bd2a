/**
 * Read-only view of one AWS account's IAM, for `rolegate doctor` (docs/exchange.md#rolegate-doctor).
 * The adapter (adapters/aws-iam/aws-sdk-iam-reader.ts) reads with rolegate's hub identity or a
 * read-only role of the account; it throws dependency_unavailable itself when IAM cannot be
 * reached. Missing objects are `undefined`, never errors; a refused read is `unreadable`.
 */
import type { ObservedIam } from '../domain/iam-diagnosis.js';
import type { TemplateAccount } from '../domain/iam-template.js';

export interface IamReadRequest {
  samlProviderArns: string[];
  oidcProviderArns: string[];
  roleNames: string[];
}

export interface IamReader {
  /** `reader.roleName`: a read-only role in the account, assumed by the hub; absent: the hub identity reads. */
  read(account: TemplateAccount, wanted: IamReadRequest, reader?: { roleName?: string }): Promise<ObservedIam>;
}
