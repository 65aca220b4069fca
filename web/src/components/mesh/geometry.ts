/**
 * Map geometry for the mesh view: one projection fitted to a fixed view box (the SVG scales
 * it with CSS), node positions, and links as great-circle arcs. d3's path generator treats a
 * LineString as a great circle and cuts it at the antimeridian, which the us-east ↔ asia arc
 * crosses over the Pacific.
 */
import { geoGraticule10, geoInterpolate, geoNaturalEarth1, geoPath, type GeoProjection } from 'd3-geo';

export const VIEW_WIDTH = 960;
export const VIEW_HEIGHT = 500;

export interface LonLat {
  lon: number;
  lat: number;
}

export interface Point {
  x: number;
  y: number;
}

export function createProjection(width = VIEW_WIDTH, height = VIEW_HEIGHT): GeoProjection {
  return geoNaturalEarth1().fitExtent(
    [
      [4, 4],
      [width - 4, height - 4],
    ],
    { type: 'Sphere' },
  );
}

export function projectPoint(projection: GeoProjection, at: LonLat): Point {
  const xy = projection([at.lon, at.lat]);
  if (xy === null) throw new Error(`cannot project ${at.lon},${at.lat}`);
  return { x: round(xy[0]), y: round(xy[1]) };
}

/** SVG path data of the great-circle arc from a to b (several sub-paths if it wraps). */
export function arcPath(projection: GeoProjection, a: LonLat, b: LonLat): string {
  const d = geoPath(projection)({
    type: 'LineString',
    coordinates: [
      [a.lon, a.lat],
      [b.lon, b.lat],
    ],
  });
  return d ?? '';
}

/** A point a fraction t (0…1) of the way along the great circle: where the RTT label sits. */
export function pointAlongArc(projection: GeoProjection, a: LonLat, b: LonLat, t: number): Point {
  const [lon, lat] = geoInterpolate([a.lon, a.lat], [b.lon, b.lat])(t);
  return projectPoint(projection, { lon, lat });
}

/** Outline of the globe and a 10° graticule: the frame the countries sit in. */
export function spherePath(projection: GeoProjection): string {
  return geoPath(projection)({ type: 'Sphere' }) ?? '';
}

export function graticulePath(projection: GeoProjection): string {
  return geoPath(projection)(geoGraticule10()) ?? '';
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
