import type { Partition } from './access-model.js';
import { RolegateError } from './errors.js';

/**
 * What differs between AWS partitions for rolegate: the SAML audience and
 * recipient, the sign-in (federation) and console hosts, STS endpoints.
 * Sources: IAM user guide
 * "Configuring SAML assertions for the authentication response"
 * (id_roles_providers_create_saml_assertions.md); AWS General Reference
 * "AWS Sign-In endpoints" (signin-service.html); aws-cdk PR #28704.
 */
export interface PartitionInfo {
  partition: Partition;
  /** Where the global endpoints live; regional sign-in URLs for this region have no prefix. */
  homeRegion: string;
  /** The SAML `Audience` AWS expects (its SP entity id). */
  samlAudience: string;
  /** Host of the global sign-in service (SAML ACS and federation endpoint). */
  signinHost: string;
  /** Host of the console; regional consoles are `<region>.<consoleHost>`. */
  consoleHost: string;
  /** DNS suffix of API endpoints (`sts.<region>.<dnsSuffix>`). */
  dnsSuffix: string;
  /** Whether `<region>.<signinHost>` regional sign-in endpoints exist. */
  regionalSignin: boolean;
  /** Whether a global STS endpoint exists (`sts.<dnsSuffix>`), else the home region's. */
  globalSts: boolean;
  regionPattern: RegExp;
}

export const PARTITIONS: Readonly<Record<Partition, PartitionInfo>> = {
  aws: {
    partition: 'aws',
    homeRegion: 'us-east-1',
    samlAudience: 'urn:amazon:webservices',
    signinHost: 'signin.aws.amazon.com',
    consoleHost: 'console.aws.amazon.com',
    dnsSuffix: 'amazonaws.com',
    regionalSignin: true,
    globalSts: true,
    regionPattern: /^(?!us-gov-|cn-|us-iso)[a-z]{2}(-[a-z]+)+-\d{1,2}$/,
  },
  'aws-us-gov': {
    partition: 'aws-us-gov',
    homeRegion: 'us-gov-west-1',
    samlAudience: 'urn:amazon:webservices:govcloud',
    signinHost: 'signin.amazonaws-us-gov.com',
    consoleHost: 'console.amazonaws-us-gov.com',
    dnsSuffix: 'amazonaws.com',
    regionalSignin: false,
    globalSts: false,
    regionPattern: /^us-gov-[a-z]+-\d{1,2}$/,
  },
  'aws-cn': {
    partition: 'aws-cn',
    homeRegion: 'cn-north-1',
    // Not on an AWS page; used by ADFS/Keycloak/saml2aws configurations (not on an AWS page; see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html for the other partitions).
    samlAudience: 'urn:amazon:webservices:cn-north-1',
    signinHost: 'signin.amazonaws.cn',
    consoleHost: 'console.amazonaws.cn',
    dnsSuffix: 'amazonaws.com.cn',
    regionalSignin: false,
    globalSts: false,
    regionPattern: /^cn-[a-z]+-\d{1,2}$/,
  },
};

export const PARTITION_NAMES = Object.keys(PARTITIONS) as Partition[];

export function isPartition(value: string): value is Partition {
  return Object.hasOwn(PARTITIONS, value);
}

/** Whether `region` is a syntactically valid region of `partition`. */
export function isRegionOf(partition: Partition, region: string): boolean {
  return PARTITIONS[partition].regionPattern.test(region);
}

function requireRegion(partition: Partition, region: string): void {
  if (!isRegionOf(partition, region)) {
    throw new RolegateError('invalid_request', { detail: `"${region}" is not a region of the ${partition} partition` });
  }
}

/** The sign-in host for a region: regional when the partition has them, global otherwise. */
export function signinHostFor(partition: Partition, region?: string): string {
  const info = PARTITIONS[partition];
  if (region === undefined || !info.regionalSignin || region === info.homeRegion) return info.signinHost;
  requireRegion(partition, region);
  return `${region}.${info.signinHost}`;
}

/** The SAML Recipient / ACS URL AWS checks (`saml:aud` in trust policies): global, or regional when a region is given. */
export function samlRecipientFor(partition: Partition, region?: string): string {
  return `https://${signinHostFor(partition, region)}/saml`;
}

/** Every SAML recipient AWS accepts for a partition and region (global and, when different, regional). */
export function samlRecipientsFor(partition: Partition, region: string): string[] {
  return [...new Set([samlRecipientFor(partition), samlRecipientFor(partition, region)])];
}

/** The console federation endpoint (`getSigninToken` and `login`). */
export function federationEndpointFor(partition: Partition, region?: string): string {
  return `https://${signinHostFor(partition, region)}/federation`;
}

/** The console host of a region (`us-west-2.console.aws.amazon.com`); the bare host without a region. */
export function consoleHostFor(partition: Partition, region?: string): string {
  const info = PARTITIONS[partition];
  if (region === undefined) return info.consoleHost;
  requireRegion(partition, region);
  return `${region}.${info.consoleHost}`;
}

/** The console home page of a region: the default sign-in destination. */
export function consoleHomeFor(partition: Partition, region: string): string {
  return `https://${consoleHostFor(partition, region)}/console/home?region=${encodeURIComponent(region)}`;
}

/** STS endpoint: regional (`https://sts.<region>.<suffix>`), or global when asked and the partition has one. */
export function stsEndpointFor(partition: Partition, region: string, scope: 'regional' | 'global' = 'regional'): string {
  const info = PARTITIONS[partition];
  if (scope === 'global' && info.globalSts) return `https://sts.${info.dnsSuffix}`;
  requireRegion(partition, region);
  return `https://sts.${region}.${info.dnsSuffix}`;
}
