import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadClusterConfig } from '../../../node/src/config/clusterConfig';
import { distanceKm, nodesByPreference } from './nodePreference';

const nodes = loadClusterConfig(path.resolve(__dirname, '../../../config/nodes'), 'wan').nodes;

describe('node preference', () => {
  it('measures real distances', () => {
    // Virginia to Dublin is about 5,500 km.
    const km = distanceKm(nodes.get('us-east')!, nodes.get('eu-west')!);
    expect(km).toBeGreaterThan(5_000);
    expect(km).toBeLessThan(6_000);
  });

  it('tries the home region first, then the nearest', () => {
    expect(nodesByPreference('eu-west', nodes)).toEqual(['eu-west', 'us-east', 'asia']);
    expect(nodesByPreference('asia', nodes)).toEqual(['asia', 'eu-west', 'us-east']);
    expect(nodesByPreference('us-east', nodes)).toEqual(['us-east', 'eu-west', 'asia']);
  });
});
