// The local EventSink: the control plane's change events appended to a JSON-lines file under
// DATA_DIR (Event Grid's topic on Azure), in CloudEvents 1.0 form.
import fs from 'node:fs';
import path from 'node:path';
import type { EventSink, OutboundEvent } from '../../shared/ports/event-sink';

export function toCloudEvent(e: OutboundEvent) {
  return { specversion: '1.0', id: e.id, type: e.type, source: e.source, subject: e.subject, time: new Date(e.time).toISOString(), datacontenttype: 'application/json', data: e.data };
}

export class EventLogSink implements EventSink {
  constructor(private readonly file: string) {}

  async publish(events: ReadonlyArray<OutboundEvent>): Promise<void> {
    if (events.length === 0) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    // One append for the whole batch: accepted whole or not at all.
    fs.appendFileSync(this.file, events.map((e) => JSON.stringify(toCloudEvent(e)) + '\n').join(''));
  }

  read(): Array<ReturnType<typeof toCloudEvent>> {
    if (!fs.existsSync(this.file)) return [];
    return fs.readFileSync(this.file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  }
}
