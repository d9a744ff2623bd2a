import { z } from 'zod';
import { iamTemplateQuerySchema } from './iam-template.js';

/** Query of GET /api/v1/admin/doctor (docs/admin.md#rolegate-doctor). */
export const iamDoctorQuerySchema = z.strictObject({
  /** An account id or alias; absent: every account. */
  account: iamTemplateQuerySchema.shape.account,
  /** A read-only role (name, the same in every account) the hub assumes to read each account's IAM; absent: the hub identity reads. */
  readerRoleName: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, { error: 'expected an IAM role name (1–64 of letters, digits and +=,.@_-)' })
    .optional(),
  /** ARN of rolegate's own AWS identity, which assume-role trust policies must name. */
  hubPrincipal: iamTemplateQuerySchema.shape.hubPrincipal,
});
export type IamDoctorQuery = z.infer<typeof iamDoctorQuerySchema>;

/** One difference between an account's IAM and what rolegate needs, with the aws-cli snippet that fixes it. */
export interface IamDoctorFinding {
  accountId: string;
  /** The IAM object: a provider ARN, a role name, or `account <id>`. */
  object: string;
  kind: string;
  detail: string;
  fix: string;
}

/** Answer: the findings per account; `clean` when there are none. */
export interface IamDoctorResponse {
  clean: boolean;
  accounts: { accountId: string; alias: string; findings: IamDoctorFinding[] }[];
}
