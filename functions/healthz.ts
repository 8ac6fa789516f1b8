import { app } from '@azure/functions';

// Liveness of the control plane itself; no auth so load balancers and `dpl status` can reach it.
app.http('healthz', {
  route: 'api/healthz',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => ({ status: 200, jsonBody: { status: 'ok' } }),
});
