/** Every suite runs the nodes against the loopback simulator; none needs a Scenario account. */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json' }],
	},
	testTimeout: 60_000,
	setupFiles: ['<rootDir>/test/setup/budget-clock.ts'],
};
