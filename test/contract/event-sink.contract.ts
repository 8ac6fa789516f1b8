import type { EventSink } from '../../shared/ports/event-sink';

/** `received()` returns what the sink's destination holds, as CloudEvents. */
export function eventSinkContract(name: string, setup: () => Promise<{ port: EventSink; received(): Array<Record<string, unknown>> }>): void {
  describe(`EventSink contract: ${name}`, () => {
    test('publishes a batch as CloudEvents 1.0 with our ids, and an empty batch is a no-op', async () => {
      const s = await setup();
      const at = Date.parse('2026-11-27T12:00:00Z');
      await s.port.publish([]);
      await s.port.publish([
        { id: 'ws1:plan:7', type: 'DicomPrivateLink.Workspace.Converged', source: '/dicom-privatelink', subject: 'workspaces/ws1', time: at, data: { generation: 7 } },
        { id: 'ws1:flip:3', type: 'DicomPrivateLink.Workspace.Flipped', source: '/dicom-privatelink', subject: 'workspaces/ws1', time: at, data: { to: 'private' } },
      ]);
      const got = s.received();
      expect(got.map((e) => e.id)).toEqual(['ws1:plan:7', 'ws1:flip:3']);
      expect(got[0]).toMatchObject({ specversion: '1.0', type: 'DicomPrivateLink.Workspace.Converged', subject: 'workspaces/ws1', data: { generation: 7 } });
      expect(new Date(String(got[0]!.time)).getTime()).toBe(at);
    });
  });
}
