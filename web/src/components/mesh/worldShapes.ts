/**
 * Countries from world-atlas (Natural Earth 1:110m), bundled with the page. Turned into SVG
 * path data once per projection: the map does not change while the page is open.
 */
import type { GeoProjection } from 'd3-geo';
import { geoPath } from 'd3-geo';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries110m from 'world-atlas/countries-110m.json';

type World = Topology<{ countries: GeometryCollection; land: GeometryCollection }>;

export interface WorldShapes {
  land: string;
  borders: string;
}

export function worldShapes(projection: GeoProjection): WorldShapes {
  const world = countries110m as unknown as World;
  const path = geoPath(projection);
  return {
    land: path(feature(world, world.objects.land)) ?? '',
    // Interior borders only (a ≠ b), so coastlines are not drawn twice.
    borders: path(mesh(world, world.objects.countries, (a, b) => a !== b)) ?? '',
  };
}
