// The composition root: built once per process. `DPL_MODE=local` (set by `npm start`) puts every
// port on its single-machine stand-in under DATA_DIR; `fake-azure` runs the Azure adapters against
// those stand-ins over HTTPS (traffic recorded in AZURE_TRAFFIC_LOG); otherwise the Azure adapters.
import path from 'node:path';
import type { Services } from '../shared/services';

let built: Promise<Services> | undefined;

export function services(): Promise<Services> {
  built ??= (async () => {
    if (process.env.DPL_MODE === 'fake-azure') {
      const { fakeAzureServices } = await import('../local/azure/fake-azure-services');
      return fakeAzureServices(path.resolve(process.env.DATA_DIR ?? '.data'));
    }
    if (process.env.DPL_MODE === 'local') {
      // Loaded only in local mode: the deployed app never needs the stand-ins.
      const { localServices } = await import('../local/azure/local-services');
      return localServices(path.resolve(process.env.DATA_DIR ?? '.data'));
    }
    const { azureServices } = await import('../shared/azure/azure-services');
    return azureServices();
  })();
  return built;
}
