// Errors of the admin API as RFC 9457 problem documents.
import type { HttpResponseInit } from '@azure/functions';
import type { FieldIssue } from '../../shared/domain/result';

export function problem(status: number, title: string, detail?: string, extra: Record<string, unknown> = {}): HttpResponseInit {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({ type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra }),
  };
}

export const badRequest = (issues: FieldIssue[]): HttpResponseInit =>
  problem(400, 'The request is not valid', issues.map((i) => `${i.path}: ${i.reason}`).join('; '), { errors: issues });

export const notFoundProblem = (what: string): HttpResponseInit => problem(404, 'Not found', `${what} does not exist`);
