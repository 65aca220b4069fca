import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../common/config/configError';
import { readGatewayConfig } from './gatewayConfig';

const cwd = '/srv/geovault';

describe('readGatewayConfig', () => {
  it('has the documented defaults', () => {
    expect(readGatewayConfig({}, cwd)).toEqual({
      host: '127.0.0.1',
      port: 8080,
      smtpUrl: undefined,
      smtpSinkPort: 2525,
      bcryptCost: 12,
      mailFrom: 'GeoVault <no-reply@geovault.local>',
      trustProxy: false,
      uploadsPerUser: 8,
      nodeStreamSockets: 64,
      nodeTimeoutMs: 10_000,
      adminEmails: new Set(),
      dataDir: path.join(cwd, 'vhd_storage'),
      gatewayDir: path.join(cwd, 'vhd_storage', 'gateway'),
      logLevel: 'info',
    });
  });

  it('takes the overrides', () => {
    const config = readGatewayConfig(
      {
        GATEWAY_PORT: '9090', GATEWAY_HOST: '0.0.0.0', SMTP_URL: 'smtp://user:pw@mail.example.org:587',
        GATEWAY_SMTP_SINK_PORT: '0', GEOVAULT_BCRYPT_COST: '10', MAIL_FROM: 'Vault <v@example.org>',
        GEOVAULT_DATA_DIR: '/data', GATEWAY_TRUST_PROXY: '1',
      },
      cwd,
    );
    expect(config).toMatchObject({
      port: 9090, host: '0.0.0.0', smtpUrl: 'smtp://user:pw@mail.example.org:587', smtpSinkPort: 0,
      bcryptCost: 10, mailFrom: 'Vault <v@example.org>', dataDir: '/data', gatewayDir: '/data/gateway', trustProxy: 1,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(readGatewayConfig({ GATEWAY_TRUST_PROXY: 'true' }, cwd).trustProxy).toBe(true);
    expect(readGatewayConfig({ GATEWAY_TRUST_PROXY: 'loopback' }, cwd).trustProxy).toBe('loopback');
    expect(readGatewayConfig({ GEOVAULT_ADMIN_EMAILS: ' Ops@Example.org, root@example.org ,' }, cwd).adminEmails).toEqual(new Set(['ops@example.org', 'root@example.org']));
  });

  it.each([
    ['GEOVAULT_BCRYPT_COST', '9', /GEOVAULT_BCRYPT_COST: .*at least|from 10/],
    ['GEOVAULT_BCRYPT_COST', 'twelve', /GEOVAULT_BCRYPT_COST: an integer/],
    ['GATEWAY_PORT', '70000', /GATEWAY_PORT: an integer port/],
    ['GATEWAY_SMTP_SINK_PORT', '-1', /GATEWAY_SMTP_SINK_PORT: an integer port/],
    ['SMTP_URL', 'mail.example.org', /SMTP_URL: an smtp:\/\/ or smtps:\/\/ URL/],
    ['GEOVAULT_PROFILE', 'moon', /GEOVAULT_PROFILE: one of wan, lan/],
    ['GATEWAY_UPLOADS_PER_USER', '0', /GATEWAY_UPLOADS_PER_USER: an integer from 1/],
    ['GATEWAY_NODE_TIMEOUT_MS', '5', /GATEWAY_NODE_TIMEOUT_MS: milliseconds/],
    ['GEOVAULT_ADMIN_EMAILS', 'ops@example.org, not-an-address', /GEOVAULT_ADMIN_EMAILS.*email addresses/],
  ])('rejects %s=%s naming the field and the expectation', (field, value, message) => {
    let error: unknown;
    try {
      readGatewayConfig({ [field]: value }, cwd);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as Error).message).toMatch(/^environment: /);
    expect((error as Error).message).toMatch(message);
  });
});
