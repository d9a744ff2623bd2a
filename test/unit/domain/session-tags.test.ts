import { describe, expect, it } from 'vitest';
import { sessionTagConfigProblems, sessionTagsFor, type SessionTagConfig } from '../../../src/domain/session-tags.js';
import { principal } from '../../fixtures/access-model.js';

const none: SessionTagConfig = { attributes: {}, groupPatterns: [], groupKeyPrefix: 'group:', transitiveKeys: [] };

describe('sessionTagsFor', () => {
  it('when nothing is configured, then there are no tags', () => {
    expect(sessionTagsFor(principal(), none)).toEqual({ tags: [], transitiveKeys: [], dropped: [] });
  });

  it('when attributes are configured, then each becomes a tag in order, and a missing value is reported', () => {
    const result = sessionTagsFor(principal({ displayName: undefined }), {
      ...none,
      attributes: { Email: 'email', User: 'username', Idp: 'idp', Name: 'displayName' },
    });
    expect(result.tags).toEqual([
      { key: 'Email', value: 'alice@corp.com' },
      { key: 'User', value: 'alice' },
      { key: 'Idp', value: 'corp' },
    ]);
    expect(result.dropped).toEqual([{ key: 'Name', reason: 'no_value', detail: 'the user has no value for tag Name' }]);
  });

  it('when group patterns are configured, then matching groups become prefixed tags with value true', () => {
    const who = principal({ groups: ['aws-dev', 'team-data', 'staff'] });
    const result = sessionTagsFor(who, { ...none, groupPatterns: ['team-*', 'aws-dev'] });
    expect(result.tags).toEqual([
      { key: 'group:aws-dev', value: 'true' },
      { key: 'group:team-data', value: 'true' },
    ]);
  });

  it('when there would be more than 50 tags, then the first 50 are kept and the rest reported', () => {
    const who = principal({ groups: Array.from({ length: 60 }, (_, i) => `g${String(i)}`) });
    const result = sessionTagsFor(who, { ...none, attributes: { Email: 'email' }, groupPatterns: ['*'] });
    expect(result.tags).toHaveLength(50);
    expect(result.tags[0]).toEqual({ key: 'Email', value: 'alice@corp.com' });
    expect(result.dropped).toHaveLength(11);
    expect(result.dropped.every((d) => d.reason === 'too_many_tags')).toBe(true);
  });

  it('when a value is longer than 256 characters or has characters AWS refuses, then the tag is left out, never shortened', () => {
    const who = principal({ displayName: 'd'.repeat(257), email: 'alice<script>@corp.com' });
    const result = sessionTagsFor(who, { ...none, attributes: { Name: 'displayName', Email: 'email' } });
    expect(result.tags).toEqual([]);
    expect(result.dropped.map((d) => d.reason)).toEqual(['value_too_long', 'invalid_value']);
  });

  it('when a group makes a key that is invalid, too long or reserved, then it is left out with the reason', () => {
    const who = principal({ groups: ['bad<group>', 'g'.repeat(130)] });
    const result = sessionTagsFor(who, { ...none, groupPatterns: ['*'] });
    expect(result.tags).toEqual([]);
    expect(result.dropped.map((d) => d.reason)).toEqual(['invalid_key', 'invalid_key']);
    const reserved = sessionTagsFor(principal({ groups: ['x'] }), { ...none, groupPatterns: ['*'], groupKeyPrefix: 'AWS:' });
    expect(reserved.dropped[0]?.detail).toMatch(/reserved prefix aws:/);
  });

  it('when two keys differ only in case, then the second is left out as a duplicate', () => {
    const result = sessionTagsFor(principal({ groups: ['Team', 'team'] }), { ...none, groupPatterns: ['*'] });
    expect(result.tags).toEqual([{ key: 'group:Team', value: 'true' }]);
    expect(result.dropped[0]?.reason).toBe('duplicate_key');
  });

  it('when transitive keys are configured, then only those naming an emitted tag are kept (in its spelling)', () => {
    const result = sessionTagsFor(principal(), { ...none, attributes: { Email: 'email' }, transitiveKeys: ['email', 'Team'] });
    expect(result.transitiveKeys).toEqual(['Email']);
    expect(result.dropped).toEqual([{ key: 'Team', reason: 'not_a_tag', detail: 'transitive key Team names no tag of this session' }]);
  });

  it('when values contain letters of any script, spaces and the allowed symbols, then they are kept', () => {
    const result = sessionTagsFor(principal({ displayName: 'Zoë Ångström 李 +=.:/@-_' }), { ...none, attributes: { Name: 'displayName' } });
    expect(result.tags).toEqual([{ key: 'Name', value: 'Zoë Ångström 李 +=.:/@-_' }]);
  });
});

describe('sessionTagConfigProblems', () => {
  it('when the configuration is valid, then there are no problems', () => {
    expect(sessionTagConfigProblems({ ...none, attributes: { Email: 'email' }, groupPatterns: ['*'], transitiveKeys: ['Email'] })).toEqual(
      [],
    );
  });

  it('when keys are invalid or reserved, then each is one problem', () => {
    expect(
      sessionTagConfigProblems({
        attributes: { 'aws:x': 'email', 'a<b': 'email' },
        groupPatterns: ['*'],
        groupKeyPrefix: 'x'.repeat(129),
        transitiveKeys: [''],
      }),
    ).toHaveLength(4);
  });
});
