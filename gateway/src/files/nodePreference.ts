import type { NodeSpec } from '../../../node/src/config/clusterConfig';

/** Great-circle distance in km (haversine): "nearest region" for a user is geographic. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/**
 * The order in which to try nodes for a user: the home region first, then the others by
 * distance from it. Uploads take the first usable one; downloads fail over along it.
 */
export function nodesByPreference(home: string, nodes: ReadonlyMap<string, NodeSpec>): string[] {
  const origin = nodes.get(home) ?? [...nodes.values()][0];
  if (!origin) return [];
  return [...nodes.values()]
    .map((spec) => ({ id: spec.id, km: spec.id === origin.id ? -1 : distanceKm(origin, spec) }))
    .sort((a, b) => a.km - b.km || a.id.localeCompare(b.id))
    .map(({ id }) => id);
}
