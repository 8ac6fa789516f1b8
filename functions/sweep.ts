// The timer sweep: catches whatever events missed (a consumer's new private endpoint may produce
// none). Every `SWEEP_SCHEDULE` (default every five minutes); one sweep instance at a time.
import * as df from 'durable-functions';
import { startOrWake } from './starter';
import { SWEEP_INSTANCE_ID } from './orchestrations';

df.app.client.timer('sweepTimer', {
  schedule: '%SWEEP_SCHEDULE%',
  handler: async (_timer, client, context) => {
    await startOrWake(client, 'sweep', SWEEP_INSTANCE_ID, {}, context);
  },
});
