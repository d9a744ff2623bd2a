import type { Partition } from '../model/arns.js';

/** The Audience AWS requires in a SAML assertion, per partition (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html). */
export const SAML_AUDIENCE: Record<Partition, string> = {
  aws: 'urn:amazon:webservices',
  'aws-us-gov': 'urn:amazon:webservices:govcloud',
  'aws-cn': 'urn:amazon:webservices:cn-north-1',
};

/**
 * Whether `recipient` is a sign-in SAML endpoint of the partition: the global one,
 * `/static/saml`, or a regional `https://<region>.signin.aws.amazon.com/saml`.
 * This value is what `SAML:aud` means in trust policies.
 */
export function isSamlRecipient(partition: Partition, recipient: string): boolean {
  switch (partition) {
    case 'aws':
      return /^https:\/\/([a-z]{2}(-[a-z]+)+-\d\.)?signin\.aws\.amazon\.com\/(static\/)?saml$/.test(recipient);
    case 'aws-us-gov':
      return /^https:\/\/signin\.amazonaws-us-gov\.com\/saml$/.test(recipient);
    case 'aws-cn':
      return /^https:\/\/signin\.amazonaws\.cn\/saml$/.test(recipient);
  }
}
