import type { TrafficRouter } from '../../shared/ports/traffic-router';

export function trafficRouterContract(name: string, setup: () => Promise<{ port: TrafficRouter; profile: string }>): void {
  describe(`TrafficRouter contract: ${name}`, () => {
    let s: { port: TrafficRouter; profile: string };
    beforeAll(async () => {
      s = await setup();
    });

    test('reads the profile and its endpoints', async () => {
      const profile = await s.port.getProfile(s.profile);
      expect(profile.value).toMatchObject({ name: s.profile, fqdn: `${s.profile}.trafficmanager.net` });
      expect(profile.value.ttlSeconds).toBeGreaterThan(0);
      const endpoints = await s.port.listEndpoints(s.profile);
      expect(endpoints.map((e) => e.value.endpoint).sort()).toEqual(['zone1', 'zone2']);
    });

    test('sets an endpoint status, guarded by If-Match', async () => {
      const before = (await s.port.getEndpoint(s.profile, 'zone1'))!;
      const after = await s.port.setEndpointStatus(s.profile, 'zone1', 'Disabled', { ifMatch: before.etag });
      expect(after.value.status).toBe('Disabled');
      await expect(s.port.setEndpointStatus(s.profile, 'zone1', 'Enabled', { ifMatch: before.etag })).rejects.toMatchObject({ kind: 'PreconditionFailed' });
      expect((await s.port.getEndpoint(s.profile, 'zone1'))?.value.status).toBe('Disabled');
    });

    test('unknown profiles and endpoints', async () => {
      await expect(s.port.getProfile('nope')).rejects.toMatchObject({ kind: 'NotFound' });
      expect(await s.port.getEndpoint(s.profile, 'nope')).toBeUndefined();
      await expect(s.port.setEndpointStatus(s.profile, 'nope', 'Enabled')).rejects.toMatchObject({ kind: 'NotFound' });
    });
  });
}
