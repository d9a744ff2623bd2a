/** A demo person: no password (this is a demo), groups as a corporate IdP would send them. */
export interface DemoUser {
  /** The stable subject (`sub`). */
  id: string;
  name: string;
  email: string;
  groups: readonly string[];
  /** Authentication methods the login claims (RFC 8176): `mfa` unlocks roles that require it. */
  amr: readonly string[];
  description: string;
}

/** The demo's people: alice has two groups, bob two (he administers rolegate), carol none (she sees no roles). */
export const DEMO_USERS: readonly DemoUser[] = [
  {
    id: 'alice',
    name: 'Alice Example',
    email: 'alice@example.com',
    groups: ['aws-dev', 'aws-readonly'],
    amr: ['pwd', 'mfa'],
    description: 'developer: aws-dev and aws-readonly, signs in with MFA',
  },
  {
    id: 'bob',
    name: 'Bob Example',
    email: 'bob@example.com',
    groups: ['aws-admin', 'rolegate-admins'],
    amr: ['pwd', 'mfa'],
    description: 'administrator: aws-admin, and rolegate administration (rolegate-admins), signs in with MFA',
  },
  {
    id: 'carol',
    name: 'Carol Example',
    email: 'carol@example.com',
    groups: [],
    amr: ['pwd'],
    description: 'no AWS groups, password only: sees no roles',
  },
];

export function demoUser(id: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.id === id);
}
