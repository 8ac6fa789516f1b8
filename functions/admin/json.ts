// Reading and answering JSON in the admin API.
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import { issuesFromZod } from '../../shared/domain/result';
import { badRequest } from './problem';

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit => ({
  status,
  jsonBody: body,
  headers: { 'cache-control': 'no-store', ...headers },
});

/** Parses the body with a schema: the value, or a 400 problem naming every bad field. */
export async function readBody<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<{ ok: true; value: z.infer<S> } | { ok: false; response: HttpResponseInit }> {
  let raw: unknown;
  try {
    const text = await request.text();
    raw = text ? JSON.parse(text) : undefined;
  } catch {
    return { ok: false, response: badRequest([{ path: '$', reason: 'the body must be JSON' }]) };
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, response: badRequest(issuesFromZod(parsed.error)) };
}
