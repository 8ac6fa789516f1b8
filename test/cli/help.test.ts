// Every command, group and subcommand answers --help with exit 0; mistakes are usage errors (2).
import { COMMANDS, GROUPS } from '../../local/cli/dpl';
import { dpl } from './support';

const everything = [[], ...GROUPS.map((g) => g.path), ...COMMANDS.map((c) => c.path)];

test.each(everything.map((p) => [p.join(' ') || '(top)', p]))('dpl %s --help exits 0 and shows its usage', async (_label, words) => {
  const run = await dpl([...(words as string[]), '--help']);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(new RegExp(`^Usage: dpl ${(words as string[]).join(' ')}`.replace(/ $/, '')));
  expect(run.stderr).toBe('');
});

test('the top-level help names every command and the exit codes', async () => {
  const run = await dpl([]);
  expect(run.code).toBe(0);
  for (const word of ['status', 'workspaces', 'workspace', 'plan', 'reconcile', 'connections', 'approve', 'reject', 'certificates', 'rotate', 'sweep', 'token', 'dev']) {
    expect(run.stdout).toMatch(new RegExp(`^  ${word} `, 'm'));
  }
  expect(run.stdout).toMatch(/5 cannot\s+reach/);
});

test('usage errors exit 2 and say what is wrong', async () => {
  expect(await dpl(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command 'frobnicate'/) });
  expect(await dpl(['workspace'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/Usage: dpl workspace <command>/) });
  expect(await dpl(['workspace', 'rename'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command 'rename'/) });
  expect(await dpl(['workspace', 'get'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/missing <name>/) });
  expect(await dpl(['workspaces', '--colour'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/Unknown option '--colour'/) });
  expect(await dpl(['workspace', 'get', 'Not_A_Name'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/not a workspace name/) });
  expect(await dpl(['workspace', 'put', 'cardio'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/nothing to put/) });
  expect(await dpl(['reconcile', 'cardio', '--timeout', 'soon'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--timeout/) });
  expect(await dpl(['status', '--url', 'ftp://x'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/http/) });
  expect(await dpl(['token', '--role', 'root'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--role must be reader or admin/) });
});

test('dev commands need the local system: a DATA_DIR without stand-ins is exit 3', async () => {
  const r = await dpl(['dev', 'private-endpoint', 'list', '--data-dir', '/nonexistent/dpl-data']);
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/no stand-in Azure at \/nonexistent\/dpl-data\/azure\.db/);
});

test('no token is minted for a DATA_DIR that does not exist (exit 4), nor for a remote URL', async () => {
  const local = await dpl(['workspaces', '--url', 'http://127.0.0.1:9', '--data-dir', '/nonexistent/dpl-data']);
  expect(local).toMatchObject({ code: 4, stderr: expect.stringMatching(/does not exist/) });
  const remote = await dpl(['workspaces', '--url', 'https://dpl.example.com']);
  expect(remote).toMatchObject({ code: 4, stderr: expect.stringMatching(/pass --token or set DPL_TOKEN/) });
});
