import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadClusterConfig } from './clusterConfig';
import { readCommonEnv } from '../../../common/config/env';

const repoConfig = path.resolve(__dirname, '../../../config/nodes');
const dirs: string[] = [];

function copyConfig(mutate: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-config-'));
  dirs.push(dir);
  for (const name of fs.readdirSync(repoConfig)) fs.copyFileSync(path.join(repoConfig, name), path.join(dir, name));
  mutate(dir);
  return dir;
}

function editJson(file: string, edit: (data: Record<string, unknown>) => void): void {
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(data);
  fs.writeFileSync(file, JSON.stringify(data));
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('cluster config', () => {
  it('loads the shipped nodes and the wan links of DESIGN §2, symmetric', () => {
    const config = loadClusterConfig(repoConfig, 'wan');
    expect([...config.nodes.keys()]).toEqual(['asia', 'eu-west', 'us-east']);
    expect(config.linkBetween('us-east', 'eu-west')).toEqual({ delayMs: 40, jitterMs: 4, lossPercent: 0 });
    expect(config.linkBetween('asia', 'eu-west')).toEqual({ delayMs: 115, jitterMs: 10, lossPercent: 0 });
    expect(loadClusterConfig(repoConfig, 'lan').linkBetween('us-east', 'asia').delayMs).toBe(0);
  });

  it('names the file, the field and the expectation for a bad value', () => {
    const dir = copyConfig((d) => editJson(path.join(d, 'asia.json'), (j) => (j.port = 'seven')));
    expect(() => loadClusterConfig(dir, 'wan')).toThrow(/asia\.json: port: /);
  });

  it('rejects a peer without a node file and an id that does not match its file', () => {
    const unknownPeer = copyConfig((d) => editJson(path.join(d, 'asia.json'), (j) => (j.peers = ['us-east', 'mars'])));
    expect(() => loadClusterConfig(unknownPeer, 'wan')).toThrow(/asia\.json: peers\.1: .*mars/);
    const wrongId = copyConfig((d) => editJson(path.join(d, 'asia.json'), (j) => (j.id = 'eu-west')));
    expect(() => loadClusterConfig(wrongId, 'wan')).toThrow(/asia\.json: id: /);
  });

  it('rejects broken JSON and an out-of-range loss in links.json', () => {
    const broken = copyConfig((d) => fs.writeFileSync(path.join(d, 'eu-west.json'), '{'));
    expect(() => loadClusterConfig(broken, 'wan')).toThrow(/eu-west\.json: \(root\): valid JSON/);
    const loss = copyConfig((d) =>
      editJson(path.join(d, 'links.json'), (j) => {
        (j as any).profiles.wan.links[0].lossPercent = 140;
      }),
    );
    expect(() => loadClusterConfig(loss, 'wan')).toThrow(/links\.json: profiles\.wan\.links\.0\.lossPercent: /);
  });

  it('a fourth node needs only its file and peers: unknown links use the profile default', () => {
    const dir = copyConfig((d) =>
      fs.writeFileSync(
        path.join(d, 'af-south.json'),
        JSON.stringify({ id: 'af-south', label: 'Cape Town', region: 'af-south', lat: -33.9, lon: 18.4, host: '127.0.0.1', port: 7105, peers: ['us-east'] }),
      ),
    );
    const config = loadClusterConfig(dir, 'wan');
    expect(config.nodes.get('af-south')?.peers).toEqual(['us-east']);
    expect(config.linkBetween('af-south', 'us-east')).toEqual({ delayMs: 60, jitterMs: 6, lossPercent: 0 });
  });

  it('sa-east joins through seeds: not a founding node, with links from real round trips (half of each RTT)', () => {
    const config = loadClusterConfig(repoConfig, 'wan');
    expect([...config.joiners.keys()]).toEqual(['sa-east']);
    expect(config.nodes.has('sa-east')).toBe(false);
    expect(config.joiners.get('sa-east')?.seeds).toEqual(['127.0.0.1:7101']);
    expect(config.linkBetween('sa-east', 'us-east').delayMs).toBe(58);
    expect(config.linkBetween('eu-west', 'sa-east').delayMs).toBe(93);
    expect(config.linkBetween('sa-east', 'asia').delayMs).toBe(165);
  });

  it('refuses a seed that is not host:port, and a founding node that lists a joiner as a peer', () => {
    const badSeed = copyConfig((d) => editJson(path.join(d, 'sa-east.json'), (j) => (j.seeds = ['us-east'])));
    expect(() => loadClusterConfig(badSeed, 'wan')).toThrow(/sa-east\.json: seeds\.0: host:port/);
    const joinerPeer = copyConfig((d) => editJson(path.join(d, 'asia.json'), (j) => (j.peers = ['us-east', 'sa-east'])));
    expect(() => loadClusterConfig(joinerPeer, 'wan')).toThrow(/asia\.json: peers\.1: a founding node/);
  });

  it('validates environment overrides', () => {
    expect(readCommonEnv({}, '/srv').dataDir).toBe('/srv/vhd_storage');
    expect(() => readCommonEnv({ GEOVAULT_PROFILE: 'moon' })).toThrow(/environment: GEOVAULT_PROFILE: one of wan, lan/);
    expect(() => readCommonEnv({ GEOVAULT_CLUSTER_SECRET: 'short' })).toThrow(/GEOVAULT_CLUSTER_SECRET: at least 32/);
  });
});
