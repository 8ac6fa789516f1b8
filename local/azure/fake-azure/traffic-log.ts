// AZURE_TRAFFIC_LOG: every request/response pair the fake-Azure endpoints exchange, one JSON line each,
// in the shape Azure's `oav` validator reads ({liveRequest, liveResponse}).
import fs from 'node:fs';

export interface TrafficEntry {
  liveRequest: { url: string; method: string; headers: Record<string, string>; body: unknown };
  liveResponse: { statusCode: string; headers: Record<string, string>; body: unknown };
}

const SECRET_HEADERS = new Set(['authorization', 'aeg-sas-key', 'x-functions-key']);

export class TrafficLog {
  constructor(private readonly file: string | undefined) {}

  get enabled(): boolean {
    return Boolean(this.file);
  }

  append(entry: TrafficEntry): void {
    if (!this.file) return;
    // Credentials never reach the log; the validator does not need them.
    const scrub = (h: Record<string, string>) =>
      Object.fromEntries(Object.entries(h).map(([k, v]) => [k, SECRET_HEADERS.has(k.toLowerCase()) ? '<redacted>' : v]));
    const safe: TrafficEntry = {
      liveRequest: { ...entry.liveRequest, headers: scrub(entry.liveRequest.headers) },
      liveResponse: { ...entry.liveResponse, headers: scrub(entry.liveResponse.headers) },
    };
    fs.appendFileSync(this.file, JSON.stringify(safe) + '\n');
  }
}
