/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Process-wide n8n-core services the engine pulls from the DI container, set up once per
 * module registry (i.e. once per Jest test file), plus the per-run BinaryDataService.
 *
 * What n8n-core 2.40.3 reads from `Container` during a plain node execution:
 *  - InstanceSettings  (every node-execution context constructor; Cipher for Credentials)
 *  - Logger            (node contexts' `this.logger`, ErrorReporter, ExecutionContextService)
 *  - ErrorReporter     (WorkflowExecute reports node errors to it)
 *  - ExecutionContextService (establishExecutionContext at workflow start)
 *  - BinaryDataService / BinaryDataConfig (prepareBinaryData, getBinaryDataBuffer, getBinaryStream)
 *  - OutboundHttp      (httpRequest / httpRequestWithAuthentication)
 * Everything except InstanceSettings, Logger and the binary-data pair is built lazily by the
 * container itself from env-driven config classes.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { BinaryDataConfig, BinaryDataService, ErrorReporter, InstanceSettings } from 'n8n-core';
import { LoggerProxy } from 'n8n-workflow';

import { Container, LoggerToken } from './n8n-internals';
import type { N8nLogger } from './n8n-internals';

export type HarnessBinaryMode = 'default' | 'filesystem';

export interface HarnessLogEntry {
	level: 'error' | 'warn' | 'info' | 'debug';
	message: string;
	metadata?: object;
}

/**
 * Stand-in for `@n8n/backend-common`'s Logger: records into the current run's log instead of
 * printing through winston. Set `N8N_HARNESS_LOG=debug|info|warn|error` to also print.
 */
class HarnessLogger implements N8nLogger {
	sink: HarnessLogEntry[] = [];

	private readonly printLevel = process.env.N8N_HARNESS_LOG;

	private record(level: HarnessLogEntry['level'], message: string, metadata?: object) {
		this.sink.push({ level, message, metadata });
		const order = ['error', 'warn', 'info', 'debug'];
		if (this.printLevel && order.indexOf(level) <= order.indexOf(this.printLevel)) {
			// eslint-disable-next-line no-console
			console.log(`[n8n ${level}] ${message}`);
		}
	}

	error(message: string, metadata?: object) {
		this.record('error', message, metadata);
	}
	warn(message: string, metadata?: object) {
		this.record('warn', message, metadata);
	}
	info(message: string, metadata?: object) {
		this.record('info', message, metadata);
	}
	debug(message: string, metadata?: object) {
		this.record('debug', message, metadata);
	}
	scoped(): this {
		return this;
	}
}

interface HarnessEnvironment {
	rootDir: string;
	logger: HarnessLogger;
}

let environment: HarnessEnvironment | undefined;
const createdDirs = new Set<string>();
let exitHookInstalled = false;

function removeDir(dir: string) {
	try {
		rmSync(dir, { recursive: true, force: true });
	} catch {
		// best effort
	}
	createdDirs.delete(dir);
}

/** Removes every temp folder the harness created (binary stores, instance folder). */
export function cleanupHarness(): void {
	for (const dir of [...createdDirs]) removeDir(dir);
	environment = undefined;
}

/*
 * Automatic cleanup of the temp folders:
 *  - under Jest: a root-level `afterAll`, registered when this module is first imported at the
 *    top of a test file (Jest hands test files a sandboxed `process` whose 'exit' listeners
 *    never fire, so the exit hook below is not enough there);
 *  - elsewhere (ts-node scripts): on process exit.
 * Binaries of a RunResult can therefore be read until the end of the test file.
 */
declare const afterAll: ((fn: () => void) => void) | undefined;
try {
	if (typeof afterAll === 'function') afterAll(() => cleanupHarness());
} catch {
	// imported lazily from inside a test: hooks cannot be added there — rely on cleanupHarness()
}

export function ensureEnvironment(): HarnessEnvironment {
	if (environment) return environment;

	if (!exitHookInstalled) {
		// Synchronous and does not keep the event loop alive.
		process.once('exit', () => {
			for (const dir of [...createdDirs]) removeDir(dir);
		});
		exitHookInstalled = true;
	}

	const rootDir = mkdtempSync(path.join(tmpdir(), 'n8n-harness-'));
	createdDirs.add(rootDir);

	const logger = new HarnessLogger();
	Container.set(LoggerToken, logger);
	LoggerProxy.init(logger);

	// Built by hand so nothing is read from / written to ~/.n8n: the settings file lands in
	// the temp folder and the encryption key is fixed.
	const n8nFolder = path.join(rootDir, '.n8n');
	mkdirSync(n8nFolder, { recursive: true });
	const instanceSettingsConfig = {
		n8nFolder,
		userHome: rootDir,
		encryptionKey: 'n8n-test-harness-encryption-key',
		enforceSettingsFilePermissions: false,
	};
	type InstanceSettingsArgs = ConstructorParameters<typeof InstanceSettings>;
	const instanceSettings = new InstanceSettings(
		instanceSettingsConfig as unknown as InstanceSettingsArgs[0],
		logger as unknown as InstanceSettingsArgs[1],
	);
	Container.set(InstanceSettings, instanceSettings);

	environment = { rootDir, logger };
	return environment;
}

export interface BinaryStore {
	mode: HarnessBinaryMode;
	/** Folder the filesystem store writes into (also created, unused, in 'default' mode). */
	storagePath: string;
	service: BinaryDataService;
	dispose(): void;
}

/**
 * A fresh, initialised BinaryDataService for one run, installed in the container.
 * In 'default' mode n8n keeps binaries inline (base64 in `binary.data`, no `id`); in 'filesystem'
 * mode they are written under `storagePath` and referenced by `id: 'filesystem-v2:workflows/…'`.
 */
export async function createBinaryStore(mode: HarnessBinaryMode): Promise<BinaryStore> {
	const env = ensureEnvironment();
	const storagePath = mkdtempSync(path.join(env.rootDir, `binary-${mode}-`));
	createdDirs.add(storagePath);

	type ConfigArgs = ConstructorParameters<typeof BinaryDataConfig>;
	// `new` (not Container.get) so no N8N_* env var can change the mode or the folder.
	const config = new BinaryDataConfig(
		{ encryptionKey: 'n8n-test-harness-encryption-key' } as unknown as ConfigArgs[0],
		{ mode: 'regular' } as unknown as ConfigArgs[1],
		{ storagePath } as unknown as ConfigArgs[2],
	);
	config.mode = mode;
	config.localStoragePath = storagePath;
	config.availableModes = ['default', 'filesystem'];

	type ServiceArgs = ConstructorParameters<typeof BinaryDataService>;
	const service = new BinaryDataService(
		config,
		Container.get(ErrorReporter),
		env.logger as unknown as ServiceArgs[2],
	);
	await service.init();

	Container.set(BinaryDataConfig, config);
	Container.set(BinaryDataService, service);

	return {
		mode,
		storagePath,
		service,
		dispose: () => removeDir(storagePath),
	};
}

/** Serialises runs: the binary-data service and logger sink are container-global. */
let queue: Promise<unknown> = Promise.resolve();
export async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
	const run = queue.then(fn, fn);
	queue = run.catch(() => undefined);
	return await run;
}
