/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/require-node-api-error, no-console -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Scenario API simulator: three loopback HTTP servers (API under /v1, CDN for signed asset
 * URLs, storage origin for signed multipart PUTs), a request log and per-test fault injection.
 * See test/simulator/README.md for behaviour and field names.
 */
import { randomBytes } from 'node:crypto';
import {
	createServer,
	type IncomingMessage,
	type Server,
	type ServerResponse,
	STATUS_CODES,
} from 'node:http';
import type { Socket } from 'node:net';
import { type ApiRequest, handleApi } from './api';
import { handleCdn, handleUploadOrigin } from './cdn';
import { type Fault, type FaultRule, FaultRegistry, type Origin, pathMatches } from './faults';
import {
	ApiError,
	errorResponse,
	gatewayError,
	json,
	queryObject,
	readBody,
	type SimResponse,
	tryParseJson,
} from './http';
import type { JobPhases, SimJob } from './jobs';
import { type SimAsset, SimState, type SimUpload } from './state';
import { safeEqual } from './util';

export type { Fault, FaultRule } from './faults';
export type { SimJob, JobStatus, JobPhases } from './jobs';
export type { SimAsset, SimUpload } from './state';

export interface SimulatorOptions {
	apiKey?: string; // default 'sim-key'
	apiSecret?: string; // default 'sim-secret'
	jobDurationMs?: number; // default 300
	/** Statuses jobs pass through: 'all' documented ones (default) or the 'recorded' job's path. */
	jobPhases?: JobPhases;
	/** Pad generated PNGs to at least this many bytes (default 0: natural size), e.g. 10 MB outputs for benchmarks. */
	outputMinBytes?: number;
	/**
	 * Requests each project may send per window (default none): past it, `429` with
	 * `remainingSeconds` (see RequestBudget). The docs' figure is 100 a minute.
	 */
	requestBudget?: RequestBudgetOptions;
	host?: string; // default '127.0.0.1'
	port?: number; // default 0 (random)
}

export interface RequestBudgetOptions {
	/** Requests per window; DOCS workflows-and-apps.md "Rate Limits": 100 per minute per project. */
	requests: number;
	/** Default 60 000 (a minute); benchmarks run a faster clock. */
	windowMs?: number;
}

/**
 * Scenario's stated limit, "API Requests: 100 requests per minute per project" (DOCS
 * workflows-and-apps.md "Rate Limits"), as fault injection. The refusal is the 429 body
 * Scenario's Blender client reads, `{"reason":"cooldown","remainingSeconds":N}`.
 * Our own (no source): a sliding window (the docs name no window kind); every /v1 request
 * counts but those an injected status or cooldown fault answers (the docs do not say which
 * routes count); a refused request
 * does not count; the project is the request's projectId, else its API key; remainingSeconds is
 * the time until the oldest counted request leaves the window, to 0.1 s.
 */
class ProjectBudgets {
	private readonly sent = new Map<string, number[]>();

	constructor(readonly options: Required<RequestBudgetOptions>) {}

	/** The wait in ms when the project is over its budget, else undefined (and the request counted). */
	take(project: string, now: number): number | undefined {
		const { requests, windowMs } = this.options;
		const log = this.sent.get(project) ?? [];
		this.sent.set(project, log);
		while (log.length > 0 && log[0] + windowMs <= now) log.shift();
		if (log.length >= requests) return log[0] + windowMs - now;
		log.push(now);
		return undefined;
	}
}

export interface RequestLogEntry {
	origin: Origin;
	method: string;
	/** Full request path without the query, e.g. /v1/jobs/job_x or /assets/asset_x.png. */
	path: string;
	query: Record<string, string>;
	headers: Record<string, string | string[] | undefined>;
	/** Parsed JSON body, or undefined (empty, not JSON, or a binary upload part). */
	body: unknown;
	bodyBytes: number;
	/** Status sent; 0 when the connection was reset. */
	status: number;
	/** Date.now() when the request arrived. */
	at: number;
}

/** Largest body the servers buffer (upload parts can be big); POST /v1/assets has its own 6 MB limit. */
const MAX_BUFFERED_BODY = 64 * 1024 * 1024;

/** Path after the /v1 prefix (the form FaultRule.path and calls() match against). */
function apiPath(path: string): string {
	return path === '/v1' ? '/' : path.startsWith('/v1/') ? path.slice(3) : path;
}

export class ScenarioSimulator {
	readonly apiKey: string;
	readonly apiSecret: string;
	log: RequestLogEntry[] = [];
	readonly jobs: Map<string, SimJob>;
	readonly assets: Map<string, SimAsset>;
	readonly uploads: Map<string, SimUpload>;

	private readonly state: SimState;
	private readonly faults = new FaultRegistry();
	private readonly servers: Record<Origin, Server>;
	private readonly sockets = new Set<Socket>();
	private readonly delays = new Set<NodeJS.Timeout>();
	private origins: Record<Origin, string> = { api: '', cdn: '', upload: '' };
	private closed = false;
	private budgets?: ProjectBudgets;
	private readonly defaultBudget?: RequestBudgetOptions;

	private constructor(opts: SimulatorOptions) {
		this.defaultBudget = opts.requestBudget;
		this.setRequestBudget(opts.requestBudget);
		this.apiKey = opts.apiKey ?? 'sim-key';
		this.apiSecret = opts.apiSecret ?? 'sim-secret';
		// URL signatures use a per-instance key, independent of the API credentials.
		this.state = new SimState(
			randomBytes(32).toString('hex'),
			opts.jobDurationMs ?? 300,
			opts.outputMinBytes ?? 0,
			opts.jobPhases ?? 'all',
		);
		this.jobs = this.state.jobs;
		this.assets = this.state.assets;
		this.uploads = this.state.uploads;
		const make = (origin: Origin): Server => {
			const server = createServer((req, res) => void this.handle(origin, req, res));
			server.on('connection', (s: Socket) => {
				this.sockets.add(s);
				s.on('close', () => this.sockets.delete(s));
			});
			return server;
		};
		this.servers = { api: make('api'), cdn: make('cdn'), upload: make('upload') };
	}

	static async start(opts: SimulatorOptions = {}): Promise<ScenarioSimulator> {
		const sim = new ScenarioSimulator(opts);
		const host = opts.host ?? '127.0.0.1';
		const listen = (server: Server, port: number): Promise<string> =>
			new Promise((resolve, reject) => {
				server.once('error', reject);
				server.listen(port, host, () => {
					server.off('error', reject);
					const addr = server.address();
					if (!addr || typeof addr === 'string') return reject(new Error('no TCP address'));
					const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
					resolve(`http://${shownHost}:${addr.port}`);
				});
			});
		try {
			sim.origins = {
				api: await listen(sim.servers.api, opts.port ?? 0),
				cdn: await listen(sim.servers.cdn, 0),
				upload: await listen(sim.servers.upload, 0),
			};
		} catch (err) {
			await sim.close();
			throw err;
		}
		sim.state.cdnOrigin = sim.origins.cdn;
		sim.state.uploadOrigin = sim.origins.upload;
		return sim;
	}

	/** e.g. http://127.0.0.1:PORT/v1 */
	get baseUrl(): string {
		return `${this.origins.api}/v1`;
	}

	get cdnOrigin(): string {
		return this.origins.cdn;
	}

	get uploadOrigin(): string {
		return this.origins.upload;
	}

	/** `Basic base64(key:secret)` for the simulator's credentials. */
	get authorization(): string {
		return `Basic ${Buffer.from(`${this.apiKey}:${this.apiSecret}`).toString('base64')}`;
	}

	/**
	 * Logged requests of one origin (default 'api'). method '*' matches any; a string path is a
	 * prefix matched against both the path after /v1 and the full path; a RegExp is tested likewise.
	 */
	calls(method: string, path: string | RegExp, origin: Origin = 'api'): RequestLogEntry[] {
		return this.log.filter(
			(e) =>
				e.origin === origin &&
				(method === '*' || e.method.toUpperCase() === method.toUpperCase()) &&
				(pathMatches(path, e.origin === 'api' ? apiPath(e.path) : e.path) ||
					pathMatches(path, e.path)),
		);
	}

	inject(rule: FaultRule): void {
		this.faults.add(rule);
	}

	/** Duration of jobs created from now on. */
	setJobDuration(ms: number): void {
		this.state.jobDurationMs = ms;
	}

	/**
	 * Statuses of jobs created from now on (until reset): 'all' (pending, queued, warming-up,
	 * in-progress, finalizing) or 'recorded' (pending, queued, in-progress: the recorded job's path).
	 */
	setJobPhases(phases: JobPhases): void {
		this.state.jobPhases = phases;
	}

	/** How long a completed upload stays validating, then validated, before it is imported (until reset). */
	setUploadValidation(ms: number): void {
		this.state.uploadValidationMs = Math.max(0, ms);
	}

	/** Generated PNGs of jobs finishing from now on are padded to at least `bytes` (0: natural size). */
	setOutputMinBytes(bytes: number): void {
		this.state.outputMinBytes = Math.max(0, Math.floor(bytes));
	}

	/** Each project's request budget from now on (until reset); undefined: none. */
	setRequestBudget(budget: RequestBudgetOptions | undefined): void {
		this.budgets =
			budget && budget.requests > 0
				? new ProjectBudgets({ requests: budget.requests, windowMs: budget.windowMs ?? 60_000 })
				: undefined;
	}

	/** The next `count` jobs are left out of `GET /jobs` (they stay readable one by one). */
	hideNextJobsFromList(count: number): void {
		this.state.hideNextFromList(count);
	}

	/** The next `count` jobs end in 'failure' with metadata.error = error (or a default message). */
	failNextJobs(count: number, error?: string): void {
		this.state.failNext(count, error);
	}

	/** The next `count` jobs succeed with no output asset. */
	emptyNextJobs(count: number): void {
		this.state.emptyNext(count);
	}

	/** CDN answers gzip-encoded, whatever the client's Accept-Encoding (content-length then counts the compressed bytes). */
	/** Jobs go on when asked to cancel, answered with their status as it is (our own fault). */
	setCancelIgnored(on: boolean): void {
		this.state.cancelIgnored = on;
	}

	setCdnGzip(on: boolean): void {
		this.state.cdnGzip = on;
	}

	/** The next `count` jobs end 'canceled' at their planned end, as if cancelled elsewhere. */
	cancelNextJobs(count: number): void {
		this.state.cancelNext(count);
	}

	/** Clears log, faults, jobs, uploads and generated/uploaded assets; keeps models and seeded assets; restores the start options. */
	reset(): void {
		this.log.length = 0;
		this.faults.clear();
		this.state.reset();
		this.setRequestBudget(this.defaultBudget);
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.state.clearTimers();
		for (const t of this.delays) clearTimeout(t);
		this.delays.clear();
		await Promise.all(
			Object.values(this.servers).map(
				(server) =>
					new Promise<void>((resolve) => {
						if (!server.listening) return resolve();
						server.close(() => resolve());
						server.closeAllConnections();
					}),
			),
		);
		for (const s of this.sockets) s.destroy();
		this.sockets.clear();
	}

	// ----- request pipeline -----

	private async handle(origin: Origin, req: IncomingMessage, res: ServerResponse): Promise<void> {
		const at = Date.now();
		const url = new URL(req.url ?? '/', 'http://simulator.invalid');
		const method = (req.method ?? 'GET').toUpperCase();
		let raw: Buffer;
		let size: number;
		try {
			({ raw, size } = await readBody(req, MAX_BUFFERED_BODY));
		} catch {
			req.socket.destroy();
			return;
		}
		const parsed = origin === 'upload' ? undefined : tryParseJson(raw, req.headers['content-type']);
		const entry: RequestLogEntry = {
			origin,
			method,
			path: url.pathname,
			query: queryObject(url),
			headers: { ...req.headers },
			body: parsed,
			bodyBytes: size,
			status: 0,
			at,
		};
		this.log.push(entry);

		const fault = this.faults.take(
			origin,
			method,
			origin === 'api' ? apiPath(url.pathname) : url.pathname,
		);
		if (fault?.kind === 'status') return this.send(res, entry, statusFault(fault));
		if (fault?.kind === 'cooldown')
			return this.send(
				res,
				entry,
				json(429, { reason: 'cooldown', remainingSeconds: fault.remainingSeconds }),
			);
		if (origin === 'api' && this.budgets) {
			const project = entry.query.projectId || String(req.headers.authorization ?? '');
			const waitMs = this.budgets.take(project, at);
			if (waitMs !== undefined)
				return this.send(
					res,
					entry,
					json(429, { reason: 'cooldown', remainingSeconds: Math.ceil(waitMs / 100) / 10 }),
				);
		}
		if (fault?.kind === 'slow') await this.sleep(fault.delayMs);
		if (this.closed) return;

		let response: SimResponse;
		try {
			// Our own (no source): a simulator buffer limit, not a Scenario one.
			if (size > MAX_BUFFERED_BODY) throw new ApiError(413, 'Request body is too large');
			response = this.route(origin, req, url, method, raw, parsed, size);
		} catch (err) {
			if (err instanceof ApiError) response = errorResponse(err);
			else {
				console.error('[scenario-simulator] handler error', err);
				// Our own (no source): a simulator bug, never a Scenario answer.
				response = json(500, { reason: `Internal simulator error: ${(err as Error).message}` });
			}
		}

		if (fault?.kind === 'malformed') {
			// Cut the real answer in half: never valid JSON for an object body.
			const cut = response.body.subarray(0, Math.max(1, Math.floor(response.body.length / 2)));
			response = {
				status: 200,
				headers: { 'content-type': 'application/json; charset=utf-8' },
				body: cut,
			};
		}
		if (fault?.kind === 'reset') return this.resetMidResponse(res, entry, response);
		this.send(res, entry, response);
	}

	private route(
		origin: Origin,
		req: IncomingMessage,
		url: URL,
		method: string,
		raw: Buffer,
		parsed: unknown,
		size: number,
	): SimResponse {
		const query = queryObject(url);
		if (origin === 'cdn')
			return handleCdn(this.state, {
				method,
				path: url.pathname,
				query,
				headers: req.headers,
				raw,
			});
		if (origin === 'upload') {
			return handleUploadOrigin(this.state, {
				method,
				path: url.pathname,
				query,
				headers: req.headers,
				raw,
			});
		}
		// A refused credential is answered by the gateway, in its `{"message"}` shape (gatewayError).
		// Our own (no source): the text "Unauthorized" (the HTTP reason phrase). The former
		// `{"reason":"Unauthorized"}` is one fault away: inject a 401 status fault with that body.
		if (!this.authorized(req.headers.authorization)) return gatewayError(401, 'Unauthorized');
		if (url.pathname !== '/v1' && !url.pathname.startsWith('/v1/')) {
			// Our own (no source): the text of a 404 for a route the simulator does not serve.
			throw new ApiError(404, `Route ${method} ${url.pathname} not found`);
		}
		const apiReq: ApiRequest = {
			method,
			path: apiPath(url.pathname),
			query,
			body: parsed,
			invalidJson: raw.length > 0 && parsed === undefined,
			rawSize: size,
		};
		return handleApi(this.state, apiReq);
	}

	private authorized(header: string | undefined): boolean {
		const m = header ? /^Basic\s+(.+)$/i.exec(header.trim()) : null;
		if (!m) return false;
		const decoded = Buffer.from(m[1], 'base64').toString('utf8');
		const colon = decoded.indexOf(':');
		if (colon < 0) return false;
		return (
			safeEqual(decoded.slice(0, colon), this.apiKey) &&
			safeEqual(decoded.slice(colon + 1), this.apiSecret)
		);
	}

	private send(res: ServerResponse, entry: RequestLogEntry, r: SimResponse): void {
		entry.status = r.status;
		if (res.destroyed) return;
		res.writeHead(r.status, { ...r.headers, 'content-length': String(r.body.length) });
		res.end(r.body);
	}

	/** Sends the headers and part of the body, then drops the connection. */
	private resetMidResponse(res: ServerResponse, entry: RequestLogEntry, r: SimResponse): void {
		entry.status = 0;
		if (res.destroyed) return;
		// An empty answer (e.g. an upload part's 200) still announces a byte, so the client sees the
		// connection drop before the response is complete instead of a whole empty answer.
		res.writeHead(r.status, { ...r.headers, 'content-length': String(Math.max(1, r.body.length)) });
		res.write(r.body.subarray(0, Math.floor(r.body.length / 2)));
		setImmediate(() => res.socket?.destroy());
	}

	private sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const t = setTimeout(() => {
				this.delays.delete(t);
				resolve();
			}, ms);
			this.delays.add(t);
		});
	}
}

/** Our own (no source): the default body `{"reason": <HTTP reason>}` of an injected status fault. */
function statusFault(fault: Extract<Fault, { kind: 'status' }>): SimResponse {
	const headers: Record<string, string> = {};
	if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
	if (typeof fault.body === 'string') {
		return {
			status: fault.status,
			headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
			body: Buffer.from(fault.body),
		};
	}
	return json(
		fault.status,
		fault.body ?? { reason: STATUS_CODES[fault.status] ?? `HTTP ${fault.status}` },
		headers,
	);
}
