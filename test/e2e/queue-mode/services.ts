/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/require-node-api-error -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * PostgreSQL and Redis for n8n's queue mode, started by the test itself: Debian's binaries
 * (test/setup/system-deps.sh installs them), each in a fresh temp folder, on a free loopback
 * port, stopped (and the folder removed) by `stop()`. No service of the machine is used.
 *
 *   const pg = await startPostgres();   // pg.env: DB_TYPE=postgresdb, DB_POSTGRESDB_*
 *   const redis = await startRedis();   // redis.env: QUEUE_BULL_REDIS_HOST/PORT
 *   await pg.query('select 1');         // psql, one value per line
 *   await redis.stop(); await pg.stop();
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { freePort } from '../n8n';

const execFileAsync = promisify(execFile);

export interface Service {
	port: number;
	/** Variables that point n8n at this service. */
	env: Record<string, string>;
	/** Stops the server and removes its folder; safe to call twice. */
	stop(): Promise<void>;
}

export interface Postgres extends Service {
	database: string;
	/** Runs SQL with psql (unaligned, tuples only); resolves to stdout. */
	query(sql: string): Promise<string>;
}

/** Debian's PostgreSQL binaries (`/usr/lib/postgresql/<major>/bin`), the newest major. */
export function postgresBinDir(): string {
	const root = '/usr/lib/postgresql';
	const majors = fs.existsSync(root)
		? fs
				.readdirSync(root)
				.filter((d) => fs.existsSync(path.join(root, d, 'bin', 'pg_ctl')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (majors.length === 0) {
		throw new Error(
			'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): run `bash test/setup/system-deps.sh`',
		);
	}
	return path.join(root, majors[0], 'bin');
}

/**
 * PostgreSQL refuses to run as root: as root, its commands run as Debian's `postgres` user
 * (runuser), and the data folder belongs to that user.
 */
function asDbUser(cmd: string, args: string[]): [string, string[]] {
	if (process.getuid?.() !== 0) return [cmd, args];
	return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
}

export async function startPostgres(): Promise<Postgres> {
	const bin = postgresBinDir();
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-postgres-'));
	const dataDir = path.join(root, 'data');
	const socketDir = path.join(root, 'socket');
	fs.mkdirSync(socketDir);
	if (process.getuid?.() === 0) {
		fs.chmodSync(root, 0o755);
		await execFileAsync('chown', ['-R', 'postgres:postgres', root]);
	}
	const port = await freePort();
	const run = async (cmd: string, args: string[], timeout = 120_000) => {
		const [file, argv] = asDbUser(path.join(bin, cmd), args);
		return await execFileAsync(file, argv, { timeout, cwd: root, maxBuffer: 64 * 1024 * 1024 });
	};
	let started = false;
	// pg_ctl leaves the server running on its own: stop it even if the test process just exits.
	const stopOnExit = () => {
		if (!started) return;
		try {
			const [file, argv] = asDbUser(path.join(bin, 'pg_ctl'), [
				'-D',
				dataDir,
				'-m',
				'immediate',
				'stop',
			]);
			execFileSync(file, argv, { stdio: 'ignore', timeout: 10_000 });
		} catch {
			// already gone
		}
		fs.rmSync(root, { recursive: true, force: true });
	};
	process.once('exit', stopOnExit);
	const stop = async () => {
		process.removeListener('exit', stopOnExit);
		if (started) {
			started = false;
			// Immediate: the data is thrown away anyway.
			await run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
		}
		fs.rmSync(root, { recursive: true, force: true });
	};
	try {
		await run('initdb', [
			'-D',
			dataDir,
			'-U',
			'postgres',
			'--auth=trust',
			'-E',
			'UTF8',
			'--no-sync',
		]);
		const serverOptions = [
			`-p ${port}`,
			'-c listen_addresses=127.0.0.1',
			`-c unix_socket_directories=${socketDir}`,
			// A throw-away test database: no durability needed, less disk traffic on a shared machine.
			'-c fsync=off',
			'-c synchronous_commit=off',
			'-c full_page_writes=off',
		].join(' ');
		await run('pg_ctl', [
			'-D',
			dataDir,
			'-l',
			path.join(root, 'postgres.log'),
			'-o',
			serverOptions,
			'-w',
			'-t',
			'60',
			'start',
		]);
		started = true;
		const database = 'n8n';
		await run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database]);
		return {
			port,
			database,
			env: {
				DB_TYPE: 'postgresdb',
				DB_POSTGRESDB_HOST: '127.0.0.1',
				DB_POSTGRESDB_PORT: String(port),
				DB_POSTGRESDB_DATABASE: database,
				DB_POSTGRESDB_USER: 'postgres',
				DB_POSTGRESDB_PASSWORD: '',
			},
			async query(sql: string) {
				const { stdout } = await run('psql', [
					'-h',
					'127.0.0.1',
					'-p',
					String(port),
					'-U',
					'postgres',
					'-d',
					database,
					'-X',
					'-A',
					'-t',
					'-v',
					'ON_ERROR_STOP=1',
					'-c',
					sql,
				]);
				return stdout.trim();
			},
			stop,
		};
	} catch (error) {
		const log = path.join(root, 'postgres.log');
		const detail = fs.existsSync(log) ? `\n${fs.readFileSync(log, 'utf8').slice(-3000)}` : '';
		await stop();
		throw new Error(`PostgreSQL did not start: ${(error as Error).message}${detail}`);
	}
}

export async function startRedis(): Promise<Service> {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-redis-'));
	const port = await freePort();
	const child: ChildProcess = spawn(
		'redis-server',
		[
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--dir',
			root,
			// In memory only: nothing to keep after the test.
			'--save',
			'',
			'--appendonly',
			'no',
		],
		{ cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
	);
	let out = '';
	child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
	child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	child.once('error', (error) => (out += `\n${error.message}`));
	const killOnExit = () => child.kill('SIGKILL');
	process.once('exit', killOnExit);
	const stop = async () => {
		process.removeListener('exit', killOnExit);
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
			await Promise.race([exited, delay(5_000).then(() => child.kill('SIGKILL'))]);
		}
		fs.rmSync(root, { recursive: true, force: true });
	};
	const deadline = Date.now() + 30_000;
	while (!(await redisPing(port))) {
		if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
			await stop();
			throw new Error(
				`redis-server did not start (run \`bash test/setup/system-deps.sh\` if it is missing):\n${out.slice(-2000)}`,
			);
		}
		await delay(100);
	}
	return {
		port,
		env: { QUEUE_BULL_REDIS_HOST: '127.0.0.1', QUEUE_BULL_REDIS_PORT: String(port) },
		stop,
	};
}

/** `PING` in Redis' inline protocol: true once the server answers `+PONG`. */
function redisPing(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		let answer = '';
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(1_000, () => done(false));
		socket.once('error', () => done(false));
		socket.on('data', (c: Buffer) => {
			answer += c.toString();
			if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
		});
		socket.once('connect', () => socket.write('PING\r\n'));
	});
}

function delay(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
