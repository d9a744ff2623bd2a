import { describe, expect, it } from 'vitest';
import { checkBrokerUrl, resolveBroker } from '../../../src/cli/broker-url.js';
import { configDirFrom } from '../../../src/cli/config-dir.js';
import { CliError } from '../../../src/cli/errors.js';
import { commandWord, isCredentialProcess } from '../../../src/cli/fast-path.js';
import { openerFor } from '../../../src/cli/open-browser.js';

describe('config directory', () => {
  it('when ROLEGATE_CONFIG_DIR is set, then it wins; else XDG_CONFIG_HOME/rolegate (absolute only); else ~/.config/rolegate', () => {
    expect(configDirFrom({ ROLEGATE_CONFIG_DIR: '/tmp/rg', XDG_CONFIG_HOME: '/x' }, '/home/a')).toBe('/tmp/rg');
    expect(configDirFrom({ XDG_CONFIG_HOME: '/x' }, '/home/a')).toBe('/x/rolegate');
    expect(configDirFrom({ XDG_CONFIG_HOME: 'relative' }, '/home/a')).toBe('/home/a/.config/rolegate');
    expect(configDirFrom({}, '/home/a')).toBe('/home/a/.config/rolegate');
  });
});

describe('broker URL', () => {
  it('when sources are given, then --broker, ROLEGATE_URL, config.json, the current sign-in win in that order', () => {
    const all = { flag: 'https://a.example', env: 'https://b.example', config: 'https://c.example', signedIn: 'https://d.example' };
    expect(resolveBroker(all)).toEqual({ url: 'https://a.example', source: '--broker' });
    expect(resolveBroker({ ...all, flag: undefined })).toEqual({ url: 'https://b.example', source: 'ROLEGATE_URL' });
    expect(resolveBroker({ ...all, flag: '', env: ' ' })).toEqual({ url: 'https://c.example', source: 'config.json' });
    expect(resolveBroker({ signedIn: 'https://d.example/' })).toEqual({ url: 'https://d.example', source: 'the current sign-in' });
    expect(() => resolveBroker({})).toThrow(CliError);
  });

  it('when the URL is https or loopback http, then it is normalised (no trailing slash, path kept); anything else is refused', () => {
    expect(checkBrokerUrl('https://corp.example/rolegate/', 'x')).toBe('https://corp.example/rolegate');
    expect(checkBrokerUrl('http://127.0.0.1:8080', 'x')).toBe('http://127.0.0.1:8080');
    expect(checkBrokerUrl('http://localhost:8080/', 'x')).toBe('http://localhost:8080');
    expect(checkBrokerUrl('http://[::1]:8080', 'x')).toBe('http://[::1]:8080');
    for (const bad of ['http://rolegate.corp.example', 'ftp://x', 'https://u:p@x.example', 'https://x.example/?a=1', 'nope']) {
      expect(() => checkBrokerUrl(bad, 'x')).toThrow(CliError);
    }
  });
});

describe('fast path', () => {
  it('when argv names credential-process (after global options), then the fast path is taken, unless help is asked', () => {
    expect(isCredentialProcess(['credential-process', '--account', 'a', '--role', 'r'])).toBe(true);
    expect(isCredentialProcess(['--broker', 'https://x', '--debug', 'credential-process'])).toBe(true);
    expect(isCredentialProcess(['--broker=https://x', 'credential-process'])).toBe(true);
    expect(isCredentialProcess(['credential-process', '--help'])).toBe(false);
    expect(isCredentialProcess(['login'])).toBe(false);
    expect(commandWord(['--broker', 'credential-process', 'login'])).toBe('login');
  });
});

describe('browser opener', () => {
  it('when $BROWSER is set, then it is used (with %s, or the URL appended); else the platform opener; none when headless', () => {
    expect(openerFor('http://u', { BROWSER: 'firefox --new-tab' }, 'linux')).toEqual({
      command: 'firefox',
      args: ['--new-tab', 'http://u'],
    });
    expect(openerFor('http://u', { BROWSER: 'w3m %s:lynx' }, 'linux')).toEqual({ command: 'w3m', args: ['http://u'] });
    expect(openerFor('http://u', {}, 'darwin')).toEqual({ command: 'open', args: ['http://u'] });
    expect(openerFor('http://u?a=1&b=2', {}, 'win32')).toMatchObject({ command: 'cmd', args: ['/c', 'start', '""', '"http://u?a=1&b=2"'] });
    expect(openerFor('http://u', { DISPLAY: ':0' }, 'linux')).toEqual({ command: 'xdg-open', args: ['http://u'] });
    expect(openerFor('http://u', {}, 'linux')).toBeUndefined();
  });
});
