import { z } from 'zod';

/** Query of GET /api/v1/admin/iam-template (docs/admin.md#iam-setup-as-code). */
export const iamTemplateQuerySchema = z.strictObject({
  /** An account id or alias; absent: every account. */
  account: z.string().min(1).max(200).optional(),
  /** cloudformation when absent. */
  format: z.enum(['cloudformation', 'terraform', 'aws-cli']).default('cloudformation'),
  /** ARN of rolegate's own AWS identity, the default of the template's hub parameter. */
  hubPrincipal: z
    .string()
    .regex(/^arn:aws(-us-gov|-cn)?:(iam|sts)::\d{12}:[\w+=,.@/-]{1,1000}$/, { error: 'expected an IAM user or role ARN' })
    .optional(),
  /** The OIDC provider's thumbprint (SHA-1 of the issuer's top intermediate CA certificate); default: read from the issuer. */
  thumbprint: z
    .string()
    .regex(/^[0-9a-fA-F]{40}$/, { error: "expected 40 hexadecimal characters: the SHA-1 of the issuer's top intermediate CA certificate" })
    .optional(),
});
export type IamTemplateQuery = z.infer<typeof iamTemplateQuerySchema>;
export type IamTemplateFormatName = IamTemplateQuery['format'];

/** Answer: one document per account, ready to write to `fileName`. */
export interface IamTemplateResponse {
  format: IamTemplateFormatName;
  /** `notes`: what the operator should know, e.g. that the OIDC provider's thumbprint is a placeholder, and why (absent from older brokers). */
  documents: { accountId: string; alias: string; fileName: string; content: string; notes?: string[] }[];
}
