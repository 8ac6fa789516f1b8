// Event Grid's publish endpoint (api-version 2018-01-01): accepts a CloudEvents batch (or an Event
// Grid schema array) with the topic key, and keeps what it received.
import type { Exchange } from './http';
import { armError, send } from './http';

export const EVENT_GRID_PUBLISH_PATH = /^\/api\/events$/;

export class PublishedEvents {
  readonly events: Array<Record<string, unknown>> = [];

  handle(x: Exchange): void {
    if (x.req.method !== 'POST') return armError(x.res, 405, 'MethodNotAllowed', 'POST only');
    if (!Array.isArray(x.body)) return armError(x.res, 400, 'BadRequest', 'the body must be an array of events');
    if (Buffer.byteLength(x.text) > 1024 * 1024) return armError(x.res, 413, 'RequestEntityTooLarge', 'a batch is at most 1 MB');
    for (const e of x.body) {
      if (typeof e !== 'object' || e === null || !('id' in e)) return armError(x.res, 400, 'BadRequest', 'every event needs an id');
    }
    this.events.push(...(x.body as Array<Record<string, unknown>>));
    send(x.res, 200);
  }
}
