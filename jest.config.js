// Projects split by how much of the world a test needs: `unit` runs in-process only; the others start
// real processes and sockets. Every project can be run alone with `jest --selectProjects <name>`.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.test.json' }];
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
const project = (name, extra = {}) => ({
  ...base,
  displayName: name,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  ...extra,
});

module.exports = {
  // A global option in jest: suites that start processes need more than the 5 s default.
  testTimeout: 120_000,
  projects: [
    project('unit'),
    project('host'),
    project('standins'),
    { ...project('contract'), testMatch: ['<rootDir>/test/contract/**/*.test.ts'] },
    project('durable'),
    project('control'),
    project('proxy'),
    project('infra'),
    project('cli'),
    project('console'),
    project('e2e'),
  ],
};
