import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import type { NodeEvent } from '../api/events';

export const EVENTS_PATH = '/v1/events';
/** A watcher this far behind is dropped rather than letting the node buffer without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** WS /v1/events: a snapshot on connect, then every event as it happens, to every watcher. */
export class EventsHub {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 4096 });

  constructor(
    private readonly snapshot: () => NodeEvent,
    private readonly logger: Logger,
  ) {}

  accept(request: IncomingMessage, socket: Duplex, head: Buffer, caller: string): void {
    this.server.handleUpgrade(request, socket, head, (ws) => {
      this.logger.debug({ caller }, 'events watcher connected');
      ws.on('error', () => ws.terminate());
      // Watchers only listen; anything they send is ignored.
      ws.send(JSON.stringify(this.snapshot()));
    });
  }

  publish(event: NodeEvent): void {
    if (this.server.clients.size === 0) return;
    const payload = JSON.stringify(event);
    for (const ws of this.server.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.logger.warn('dropping an events watcher that stopped reading');
        ws.terminate();
        continue;
      }
      ws.send(payload);
    }
  }

  async close(): Promise<void> {
    for (const ws of this.server.clients) ws.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
