/** Reads the TLS certificate chain an https issuer presents (IAM setup as code: the OIDC provider's thumbprint). */
export interface IssuerCertificateReader {
  /**
   * SHA-1 (40 lower-case hex digits) of the top intermediate CA certificate of the chain `httpsUrl`'s
   * server presents; rejects (with the reason) when it cannot be read in time.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html
   */
  topIntermediateThumbprint(httpsUrl: string): Promise<string>;
}
