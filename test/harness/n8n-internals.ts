/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Access to the dependency-injection singletons n8n-core uses internally.
 *
 * GOTCHA (n8n-core 2.40.3): n8n-core ships its own nested copies of `@n8n/di`,
 * `@n8n/backend-common`, `@n8n/config`, ... under `node_modules/n8n-core/node_modules`,
 * while other packages (e.g. @n8n/node-cli) pull in *different* top-level versions.
 * `@n8n/di` keeps its registry in a module-level Map, so `import { Container } from '@n8n/di'`
 * from this package would talk to a different container than the one n8n-core reads
 * (`Container.get(BinaryDataService)`, `Container.get(InstanceSettings)`, ...).
 *
 * We therefore resolve those packages *from n8n-core's own location*. We use the plain
 * `require` (not `module.createRequire`) so that under Jest the modules go through Jest's
 * module registry — the same one n8n-core itself is loaded through.
 */
import path from 'node:path';

/** Any class (abstract or not) usable as a DI token. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Token<T> = abstract new (...args: any[]) => T;

export interface DiContainer {
	get<T>(type: Token<T>): T;
	set<T>(type: Token<T>, instance: T): void;
	has<T>(type: Token<T>): boolean;
}

/** Minimal shape of `Logger` from `@n8n/backend-common` (as used by n8n-core). */
export interface N8nLogger {
	error(message: string, metadata?: object): void;
	warn(message: string, metadata?: object): void;
	info(message: string, metadata?: object): void;
	debug(message: string, metadata?: object): void;
}

const n8nCoreDir = path.dirname(require.resolve('n8n-core/package.json'));

function requireFromCore<T>(request: string): T {
	const resolved = require.resolve(request, { paths: [n8nCoreDir] });
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return require(resolved) as T;
}

/** The `Container` instance n8n-core itself uses. */
export const Container: DiContainer = requireFromCore<{ Container: DiContainer }>(
	'@n8n/di',
).Container;

/** The `Logger` class (DI token) n8n-core itself uses. */
export const LoggerToken: Token<N8nLogger> = requireFromCore<{ Logger: Token<N8nLogger> }>(
	'@n8n/backend-common',
).Logger;
