import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClusterConfig } from '../../../node/src/config/clusterConfig';
import { AppError } from '../errors';
import { NodeCallError } from '../mesh/nodeClient';
import { NodeRouting } from './nodeRouting';

const nodes = loadClusterConfig(path.resolve(__dirname, '../../../config/nodes'), 'wan').nodes;

/** Routing over the shipped three regions, with `down` not usable; `answers` says what each node does. */
function routingWith(down: string[], answers: Record<string, () => unknown>) {
  const routing = new NodeRouting({ isUsable: (id) => !down.includes(id) }, nodes);
  const asked: string[] = [];
  const call = async (node: string) => {
    asked.push(node);
    return answers[node]!();
  };
  return { routing, asked, call };
}

const refuse = (node: string, status: number, code: string) => () => {
  throw new NodeCallError(node, status, code, `${node} says ${code}`);
};
const ok = (node: string) => () => ({ from: node });

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('NodeRouting', () => {
  it('orders the usable nodes first, home then nearest', () => {
    expect(routingWith(['eu-west'], {}).routing.order('eu-west')).toEqual(['us-east', 'asia', 'eu-west']);
    expect(routingWith([], {}).routing.writeTarget('asia')).toBe('asia');
    expect(() => routingWith(['asia', 'eu-west', 'us-east'], {}).routing.writeTarget('asia')).toThrow(AppError);
  });

  it('a read moves on past a lagging (404), failing (5xx) or unreachable node', async () => {
    const { routing, asked, call } = routingWith([], {
      'eu-west': refuse('eu-west', 404, 'not_found'),
      'us-east': refuse('us-east', 0, 'unreachable'),
      asia: ok('asia'),
    });
    expect(await routing.onFirstNode('eu-west', call)).toEqual({ from: 'asia' });
    expect(asked).toEqual(['eu-west', 'us-east', 'asia']);
  });

  it('a read that no node has is a 404 with the given message; a refusal is passed on at once', async () => {
    const missing = routingWith([], { 'eu-west': refuse('eu-west', 404, 'not_found'), 'us-east': refuse('us-east', 404, 'not_found'), asia: refuse('asia', 404, 'not_found') });
    const error = await appError(missing.routing.onFirstNode('eu-west', missing.call, 'No such folder.'));
    expect([error.code, error.message]).toEqual(['not_found', 'No such folder.']);

    const refused = routingWith([], { 'eu-west': refuse('eu-west', 400, 'invalid_request'), 'us-east': ok('us-east') });
    expect((await appError(refused.routing.onFirstNode('eu-west', refused.call))).code).toBe('invalid_request');
    expect(refused.asked).toEqual(['eu-west']);
  });

  it('an access check takes the nearest answering node\'s 404 as the answer, never a lagging node\'s stale copy', async () => {
    const { routing, asked, call } = routingWith([], {
      'eu-west': refuse('eu-west', 0, 'unreachable'),
      'us-east': refuse('us-east', 404, 'not_found'),
      asia: ok('asia'),
    });
    const error = await appError(routing.onNearestNode('eu-west', call, 'No such link.'));
    expect([error.code, error.message]).toEqual(['not_found', 'No such link.']);
    expect(asked).toEqual(['eu-west', 'us-east']);
  });

  it('a write moves on only past a 404 (nothing was written), over usable nodes only', async () => {
    const lagging = routingWith(['us-east'], { 'eu-west': refuse('eu-west', 404, 'not_found'), asia: ok('asia') });
    expect(await lagging.routing.onWriteNode('eu-west', lagging.call)).toEqual({ from: 'asia' });
    expect(lagging.asked).toEqual(['eu-west', 'asia']);

    const nowhere = routingWith([], { 'eu-west': refuse('eu-west', 404, 'not_found'), 'us-east': refuse('us-east', 404, 'not_found'), asia: refuse('asia', 404, 'not_found') });
    expect((await appError(nowhere.routing.onWriteNode('eu-west', nowhere.call))).code).toBe('not_found');
  });

  it('a write that may have happened (timeout, broken answer) or was refused is never retried elsewhere', async () => {
    for (const [status, code, expected] of [[0, 'timeout', 'unavailable'], [0, 'unreachable', 'unavailable'], [409, 'name_taken', 'name_taken'], [409, 'invalid_move', 'invalid_move'], [503, 'unavailable', 'unavailable']] as const) {
      const { routing, asked, call } = routingWith([], { 'eu-west': refuse('eu-west', status, code), 'us-east': ok('us-east'), asia: ok('asia') });
      expect((await appError(routing.onWriteNode('eu-west', call))).code, code).toBe(expected);
      expect(asked, code).toEqual(['eu-west']);
    }
    const { routing } = routingWith(['asia', 'eu-west', 'us-east'], {});
    expect((await appError(routing.onWriteNode('eu-west', async () => 1))).code).toBe('unavailable');
  });
});
