import WebSocket from 'ws';
import type { NodeEvent } from '../../node/src/api/events';
import { signRequest } from '../../common/signing/requestSigning';
import type { NodeCluster } from '../../test/support/nodeCluster';

/** Subscribes to WS /v1/events of one node; each event is stamped with its arrival time. */
export async function watchNode(
  cluster: NodeCluster,
  id: string,
  onEvent: (event: NodeEvent, receivedAt: number) => void,
): Promise<WebSocket> {
  const headers = signRequest(cluster.secret, 'gateway', 'GET', '/v1/events');
  const ws = new WebSocket(`ws://127.0.0.1:${cluster.port(id)}/v1/events`, { headers });
  ws.on('message', (data) => onEvent(JSON.parse(data.toString()) as NodeEvent, performance.now()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}
