/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * A scripted OpenAI on 127.0.0.1 for the AI Agent end-to-end test (node:http only). It plays a
 * model that uses one tool once:
 *
 * - a request that offers tools and carries no tool result yet is answered with a call to the
 *   tool named `toolName`, with the `toolArguments` the "model" chose;
 * - a request that carries a tool result is answered with a final message, `reply(result)`.
 *
 * Both APIs the OpenAI Chat Model node (v1.3) can use are spoken, non-streaming: the Responses
 * API (`POST /v1/responses`, the node's default) and Chat Completions (`POST /v1/chat/completions`,
 * with "Use Responses API" off). A streaming request gets a 400 (the agent does not stream under
 * `n8n execute`; if that changed, the test should say so, not hang). Every request is recorded,
 * so a test can assert what the agent sent: the tool definitions the model saw and the tool
 * result it got back.
 *
 *   const ai = await FakeOpenAi.start({ toolName: 'Generate_Image', toolArguments: { prompt: '…' },
 *     reply: (result) => `Done: ${result}` });
 *   // credential openAiApi: { apiKey: ai.apiKey, url: ai.baseUrl }
 *   ai.requests; ai.toolsOffered(); ai.toolResults(); await ai.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type OpenAiApi = 'responses' | 'chat';

export interface FakeOpenAiOptions {
	/** The tool the "model" calls, as the agent names it (n8n: the node name, spaces → `_`). */
	toolName: string;
	/** The arguments the "model" chose for it. */
	toolArguments: Record<string, unknown>;
	/** The final answer, given the tool result text the agent sent back (must not throw). */
	reply: (toolResult: string) => string;
	apiKey?: string;
}

export interface RecordedRequest {
	method: string;
	path: string;
	headers: IncomingMessage['headers'];
	body: Record<string, unknown> | undefined;
	/** Which API the request was for, when it was one of the two. */
	api?: OpenAiApi;
	/** What the fake answered: a tool call or the final message. */
	answered?: 'toolCall' | 'final' | 'error';
	/** The final message's text, when `answered` is 'final'. */
	finalText?: string;
}

/** A tool as the model saw it, whatever the API. */
export interface OfferedTool {
	name: string;
	description: string;
	parameters: Record<string, unknown>;
}

/** A tool call, whatever the API: its arguments as the JSON text the model wrote. */
export interface ToolCall {
	callId: string;
	name: string;
	arguments: string;
}

/** A tool result the agent sent back, whatever the API. */
export interface ToolResult {
	callId: string;
	output: string;
}

/** The id of the fake's tool call. */
export const CALL_ID = 'call_fakeOpenAi0001';
const MODEL = 'gpt-fake';

export class FakeOpenAi {
	readonly requests: RecordedRequest[] = [];
	readonly apiKey: string;
	private origin = '';
	private readonly sockets = new Set<Socket>();
	private readonly server: Server;

	private constructor(private readonly options: FakeOpenAiOptions) {
		this.apiKey = options.apiKey ?? 'sk-fake-openai-key';
		this.server = createServer((req, res) => {
			this.handle(req, res).catch((error: unknown) => {
				if (!res.headersSent) sendError(res, 500, `Fake failed: ${String(error)}`, 'fake_error');
			});
		});
		this.server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
	}

	static async start(options: FakeOpenAiOptions): Promise<FakeOpenAi> {
		const fake = new FakeOpenAi(options);
		await new Promise<void>((resolve, reject) => {
			fake.server.once('error', reject);
			fake.server.listen(0, '127.0.0.1', () => resolve());
		});
		fake.origin = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
		return fake;
	}

	/** What the openAiApi credential's Base URL is set to, e.g. http://127.0.0.1:PORT/v1 */
	get baseUrl(): string {
		return `${this.origin}/v1`;
	}

	/** The model requests (either API), in order. */
	modelRequests(): RecordedRequest[] {
		return this.requests.filter((r) => r.api !== undefined);
	}

	/** The tools offered in one model request (default: the first). */
	toolsOffered(request: RecordedRequest | undefined = this.modelRequests()[0]): OfferedTool[] {
		const tools = (request?.body?.tools ?? []) as Array<Record<string, unknown>>;
		return tools.map((tool) => {
			// Chat Completions nests the function; the Responses API does not.
			const fn = (request?.api === 'chat' ? tool.function : tool) as Record<string, unknown>;
			return {
				name: String(fn?.name),
				description: String(fn?.description ?? ''),
				parameters: (fn?.parameters ?? {}) as Record<string, unknown>,
			};
		});
	}

	/** The tool results one model request carries. */
	toolResultsOf(request: RecordedRequest): ToolResult[] {
		return toolResultsIn(request);
	}

	/** The tool calls one model request replays (the model's earlier calls, as the agent kept them). */
	toolCallsOf(request: RecordedRequest): ToolCall[] {
		if (request.api === 'responses') {
			const input = request.body?.input;
			if (!Array.isArray(input)) return [];
			return (input as Array<Record<string, unknown>>)
				.filter((item) => item.type === 'function_call')
				.map((item) => ({
					callId: String(item.call_id),
					name: String(item.name),
					arguments: String(item.arguments),
				}));
		}
		const messages = (request.body?.messages ?? []) as Array<Record<string, unknown>>;
		return messages
			.filter((m) => m.role === 'assistant' && Array.isArray(m.tool_calls))
			.flatMap(
				(m) => m.tool_calls as Array<{ id: string; function: { name: string; arguments: string } }>,
			)
			.map((call) => ({
				callId: call.id,
				name: call.function.name,
				arguments: call.function.arguments,
			}));
	}

	async close(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const raw = await readBody(req);
		let body: Record<string, unknown> | undefined;
		try {
			body = raw.length > 0 ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
		} catch {
			body = undefined;
		}
		const path = (req.url ?? '').split('?')[0];
		const api: OpenAiApi | undefined =
			req.method === 'POST' && path === '/v1/responses'
				? 'responses'
				: req.method === 'POST' && path === '/v1/chat/completions'
					? 'chat'
					: undefined;
		const entry: RecordedRequest = {
			method: req.method ?? '',
			path,
			headers: req.headers,
			body,
			api,
		};
		this.requests.push(entry);

		if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
			entry.answered = 'error';
			return sendError(res, 401, 'Incorrect API key provided', 'invalid_api_key');
		}
		if (req.method === 'GET' && path === '/v1/models') {
			return sendJson(res, 200, {
				object: 'list',
				data: [{ id: MODEL, object: 'model', created: 0, owned_by: 'fake' }],
			});
		}
		if (!api || !body) {
			entry.answered = 'error';
			return sendError(res, 404, `No fake for ${req.method} ${path}`, 'not_found');
		}
		if (body.stream === true) {
			entry.answered = 'error';
			return sendError(res, 400, 'This fake does not stream', 'stream_unsupported');
		}

		const results = toolResultsIn(entry);
		const offered = this.toolsOffered(entry).some((t) => t.name === this.options.toolName);
		if (results.length === 0 && offered) {
			entry.answered = 'toolCall';
			return sendJson(res, 200, toolCallAnswer(api, this.options));
		}
		entry.answered = 'final';
		entry.finalText =
			results.length > 0
				? this.options.reply(results[results.length - 1].output)
				: `The tool ${this.options.toolName} was not offered.`;
		return sendJson(res, 200, finalAnswer(api, entry.finalText));
	}
}

function toolResultsIn(request: RecordedRequest): ToolResult[] {
	if (request.api === 'responses') {
		const input = request.body?.input;
		if (!Array.isArray(input)) return [];
		return (input as Array<Record<string, unknown>>)
			.filter((item) => item.type === 'function_call_output')
			.map((item) => ({ callId: String(item.call_id), output: contentText(item.output) }));
	}
	if (request.api === 'chat') {
		const messages = (request.body?.messages ?? []) as Array<Record<string, unknown>>;
		return messages
			.filter((m) => m.role === 'tool')
			.map((m) => ({ callId: String(m.tool_call_id), output: contentText(m.content) }));
	}
	return [];
}

/** A message content as text: a string, or the text parts of an array of parts. */
function contentText(content: unknown): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) {
		return content
			.map((part) =>
				typeof part === 'string' ? part : String((part as { text?: unknown }).text ?? ''),
			)
			.join('');
	}
	return JSON.stringify(content);
}

function toolCallAnswer(api: OpenAiApi, options: FakeOpenAiOptions): object {
	const args = JSON.stringify(options.toolArguments);
	if (api === 'responses') {
		return responsesEnvelope([
			{
				type: 'function_call',
				id: 'fc_fakeOpenAi0001',
				call_id: CALL_ID,
				name: options.toolName,
				arguments: args,
				status: 'completed',
			},
		]);
	}
	return chatEnvelope(
		{
			role: 'assistant',
			content: null,
			tool_calls: [
				{ id: CALL_ID, type: 'function', function: { name: options.toolName, arguments: args } },
			],
		},
		'tool_calls',
	);
}

function finalAnswer(api: OpenAiApi, text: string): object {
	if (api === 'responses') {
		return responsesEnvelope([
			{
				type: 'message',
				id: 'msg_fakeOpenAi0001',
				role: 'assistant',
				status: 'completed',
				content: [{ type: 'output_text', text, annotations: [] }],
			},
		]);
	}
	return chatEnvelope({ role: 'assistant', content: text }, 'stop');
}

let sequence = 0;

function responsesEnvelope(output: object[]): object {
	const outputText = output
		.flatMap((item) => (item as { content?: Array<{ text: string }> }).content ?? [])
		.map((part) => part.text)
		.join('');
	return {
		id: `resp_fake${++sequence}`,
		object: 'response',
		created_at: Math.floor(Date.now() / 1000),
		status: 'completed',
		model: MODEL,
		output,
		output_text: outputText,
		error: null,
		incomplete_details: null,
		parallel_tool_calls: true,
		usage: { input_tokens: 10, output_tokens: 10, total_tokens: 20 },
	};
}

function chatEnvelope(message: object, finishReason: string): object {
	return {
		id: `chatcmpl-fake${++sequence}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model: MODEL,
		choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
		usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
	};
}

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function sendJson(res: ServerResponse, status: number, body: object): void {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		'content-type': 'application/json',
		'content-length': Buffer.byteLength(text),
	});
	res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, code: string): void {
	sendJson(res, status, { error: { message, type: 'invalid_request_error', param: null, code } });
}
