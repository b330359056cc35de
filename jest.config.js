/** Jest runs the TypeScript sources as native ES modules (see the `test` script: --experimental-vm-modules).
 * ts-jest only transpiles here; `npm run typecheck` (tsc --noEmit) is the type check. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 30000,
  // Two files at a time on the 2-core machine (Jest's default there is one): most suites wait on sockets, FerretDB,
  // Chromium or timers rather than on the CPU, so the run takes about half as long.
  maxWorkers: 2,
};
