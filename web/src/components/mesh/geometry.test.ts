// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { arcPath, createProjection, pointAlongArc, projectPoint, VIEW_HEIGHT, VIEW_WIDTH } from './geometry';

const usEast = { lon: -77.45, lat: 38.95 };
const euWest = { lon: -6.26, lat: 53.35 };
const asia = { lon: 139.69, lat: 35.68 };
const projection = createProjection();

/** Sub-paths of SVG path data: one per "M". */
function subPaths(d: string): string[] {
  return d.split('M').filter(Boolean);
}

describe('map geometry', () => {
  it('puts the regions inside the view box, west to east and north of the equator', () => {
    const [us, eu, jp] = [usEast, euWest, asia].map((p) => projectPoint(projection, p));
    for (const p of [us, eu, jp]) {
      expect(p.x).toBeGreaterThan(0);
      expect(p.x).toBeLessThan(VIEW_WIDTH);
      expect(p.y).toBeGreaterThan(0);
      expect(p.y).toBeLessThan(VIEW_HEIGHT / 2);
    }
    expect(us.x).toBeLessThan(eu.x);
    expect(eu.x).toBeLessThan(jp.x);
    expect(eu.y).toBeLessThan(us.y);
  });

  it('draws an arc that starts at one node and ends at the other', () => {
    const d = arcPath(projection, usEast, euWest);
    const start = projectPoint(projection, usEast);
    const end = projectPoint(projection, euWest);
    const numbers = d.match(/-?\d+(\.\d+)?/g)!.map(Number);
    expect(numbers[0]).toBeCloseTo(start.x, 0);
    expect(numbers[1]).toBeCloseTo(start.y, 0);
    expect(numbers.at(-2)).toBeCloseTo(end.x, 0);
    expect(numbers.at(-1)).toBeCloseTo(end.y, 0);
    expect(subPaths(d)).toHaveLength(1);
  });

  it('follows the great circle: the transatlantic arc bulges north of both ends', () => {
    const mid = pointAlongArc(projection, usEast, euWest, 0.5);
    const straightMidY = (projectPoint(projection, usEast).y + projectPoint(projection, euWest).y) / 2;
    expect(mid.y).toBeLessThan(straightMidY);
  });

  it('splits the us-east ↔ asia arc where it crosses the antimeridian over the Pacific', () => {
    expect(subPaths(arcPath(projection, usEast, asia))).toHaveLength(2);
    expect(subPaths(arcPath(projection, euWest, asia))).toHaveLength(1);
  });

  it('places points along the arc from the first end to the second', () => {
    expect(pointAlongArc(projection, euWest, asia, 0)).toEqual(projectPoint(projection, euWest));
    expect(pointAlongArc(projection, euWest, asia, 1)).toEqual(projectPoint(projection, asia));
  });
});
