/* eslint-disable @n8n/community-nodes/no-restricted-imports -- developer tooling, run under Node.js; never shipped, never run inside n8n */
/**
 * A loopback relay between the nodes and the real Scenario API that keeps every exchange: the
 * nodes' credential points at it (plain http is allowed on loopback), it forwards each call to
 * the API as is, Authorization included, and records what came back. Signed URLs (CDN
 * downloads, upload parts) do not pass through it: the nodes fetch them directly, as in n8n.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
	/** Which smoke route made the call. */
	route: string;
	method: string;
	/** Path below the API's base URL, e.g. `/models/model_x`. */
	path: string;
	query: Record<string, string>;
	requestBody?: unknown;
	status: number;
	responseHeaders: Record<string, string | string[]>;
	responseBody: unknown;
	/** ms since the relay started. */
	at: number;
}

/** Headers passed on to the API; everything else (host, connection …) is the relay's own. */
const FORWARDED = ['authorization', 'content-type', 'accept', 'user-agent'];

const parse = (raw: Buffer, type: string | undefined): unknown => {
	if (raw.length === 0) return undefined;
	const text = raw.toString('utf8');
	if (type?.includes('json')) {
		try {
			return JSON.parse(text);
		} catch {
			return text;
		}
	}
	return text;
};

async function readAll(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(Buffer.from(chunk as Buffer));
	return Buffer.concat(chunks);
}

export class RecordingProxy {
	readonly exchanges: Exchange[] = [];
	/** Set by the smoke run before each route. */
	route = '';
	private readonly started = Date.now();

	private readonly server: Server;
	private readonly upstream: string;

	private constructor(upstream: string) {
		this.upstream = upstream.replace(/\/+$/, '');
		this.server = createServer((req, res) => {
			void this.relay(req).then(
				({ status, headers, body }) => {
					res.writeHead(status, headers);
					res.end(body);
				},
				(error: unknown) => {
					res.writeHead(502, { 'content-type': 'application/json' });
					res.end(JSON.stringify({ reason: `Relay error: ${(error as Error).message}` }));
				},
			);
		});
	}

	/** Starts on 127.0.0.1, relaying to `upstream` (e.g. https://api.cloud.scenario.com/v1). */
	static async start(upstream: string): Promise<RecordingProxy> {
		const proxy = new RecordingProxy(upstream);
		await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
		return proxy;
	}

	/** The base URL to give the credential. */
	get baseUrl(): string {
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private async relay(
		req: IncomingMessage,
	): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
		const url = new URL(req.url ?? '/', 'http://relay');
		const path = url.pathname.replace(/^\/v1/, '');
		const raw = await readAll(req);
		const headers: Record<string, string> = {};
		for (const name of FORWARDED) {
			const value = req.headers[name];
			if (typeof value === 'string') headers[name] = value;
		}
		const method = req.method ?? 'GET';
		const answer = await fetch(`${this.upstream}${path}${url.search}`, {
			method,
			headers,
			body: raw.length && method !== 'GET' && method !== 'HEAD' ? raw : undefined,
		});
		const body = Buffer.from(await answer.arrayBuffer());
		const responseHeaders: Record<string, string | string[]> = {};
		answer.headers.forEach((value, name) => (responseHeaders[name] = value));
		const type = answer.headers.get('content-type') ?? undefined;
		this.exchanges.push({
			route: this.route,
			method,
			path,
			query: Object.fromEntries(url.searchParams),
			requestBody: parse(raw, req.headers['content-type']),
			status: answer.status,
			responseHeaders,
			responseBody: parse(body, type),
			at: Date.now() - this.started,
		});
		// fetch has decoded the body already: its length and encoding headers would now lie.
		const passed: Record<string, string> = {};
		if (type) passed['content-type'] = type;
		const retryAfter = answer.headers.get('retry-after');
		if (retryAfter) passed['retry-after'] = retryAfter;
		return { status: answer.status, headers: passed, body };
	}
}
