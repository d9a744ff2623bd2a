import { z } from 'zod';
import { keyValueMap, stringList } from '../fields.js';

export const sessionTags = z
  .strictObject({
    attributes: keyValueMap(['subject', 'username', 'email', 'displayName', 'idp', 'id'])
      .default({})
      .meta({
        env: ['ROLEGATE_SESSION_TAG_ATTRIBUTES'],
        description:
          'Session tags from user attributes: tag key → attribute (subject, username, email, displayName, idp, id), e.g. `Email=email,User=username`. Roles must allow sts:TagSession in their trust policy.',
      }),
    groupPatterns: stringList('a comma-separated list of group globs')
      .default([])
      .meta({
        env: ['ROLEGATE_SESSION_TAG_GROUPS'],
        description:
          'Globs of group names that become one session tag each (`<groupKeyPrefix><group>` = `true`). Empty: no group tags. AWS accepts at most 50 tags.',
      }),
    groupKeyPrefix: z
      .string()
      .default('group:')
      .meta({ env: ['ROLEGATE_SESSION_TAG_GROUP_PREFIX'], description: 'Prefix of the tag key of each group tag.' }),
    transitiveKeys: stringList('a comma-separated list of tag keys')
      .default([])
      .meta({
        env: ['ROLEGATE_SESSION_TAG_TRANSITIVE'],
        description: 'Tag keys that stay set through role chaining (TransitiveTagKeys).',
      }),
  })
  .prefault({});
