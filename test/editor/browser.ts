/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Headless Chromium for the editor test: Debian's `chromium` driven by playwright-core (no
 * browser download), a fresh user-data-dir per run, loopback only, n8n's `data-test-id`
 * attributes for `page.getByTestId()`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, selectors, type BrowserContext, type Locator, type Page } from 'playwright-core';

/** Where the browser is looked for: $CHROMIUM_PATH, then Debian's and Ubuntu's paths. */
export const CHROMIUM_CANDIDATES = [
	process.env.CHROMIUM_PATH,
	'/usr/bin/chromium',
	'/usr/bin/chromium-browser',
].filter((p): p is string => !!p);

export const CHROMIUM_ARGS = [
	'--no-sandbox', // root in CI containers
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
	'--disable-quic',
	// Nothing but loopback resolves: the editor may not reach the internet (it does not try).
	'--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

/** The Chromium binary, or an error that says how to install it (never a silent skip). */
export function findChromium(): string {
	const found = CHROMIUM_CANDIDATES.find((p) => existsSync(p));
	if (found) return found;
	throw new Error(
		`Chromium not found (looked at ${CHROMIUM_CANDIDATES.join(', ')}). The editor test drives the n8n editor in ` +
			"Debian's Chromium: `apt-get update && apt-get install -y chromium` (as root; `npm test` does it: test/setup/system-deps.sh), " +
			'or set CHROMIUM_PATH to a Chromium/Chrome binary.',
	);
}

export interface EditorBrowser {
	context: BrowserContext;
	page: Page;
	/** Requests the page made to anything but loopback (expected: none). */
	externalRequests: string[];
	/** Console errors and uncaught page errors, for failure messages. */
	pageErrors: string[];
	close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export async function launchEditorBrowser(
	options: { viewport?: { width: number; height: number } } = {},
): Promise<EditorBrowser> {
	const executablePath = findChromium();
	selectors.setTestIdAttribute('data-test-id'); // n8n's attribute (not Playwright's data-testid)
	const userDataDir = mkdtempSync(join(tmpdir(), 'n8n-editor-chromium-'));
	const context = await chromium.launchPersistentContext(userDataDir, {
		executablePath,
		headless: true,
		args: CHROMIUM_ARGS,
		viewport: options.viewport ?? { width: 1600, height: 1000 },
		deviceScaleFactor: 1,
		locale: 'en-US',
		timezoneId: 'UTC',
		colorScheme: 'light',
		reducedMotion: 'reduce',
	});
	const externalRequests: string[] = [];
	const pageErrors: string[] = [];
	context.on('request', (request) => {
		const url = request.url();
		if (!/^https?:/.test(url)) return; // data:, blob:, chrome-extension:
		if (!LOOPBACK.has(new URL(url).hostname)) externalRequests.push(url);
	});
	const page = context.pages()[0] ?? (await context.newPage());
	// "Leave without saving?" (beforeunload) must not block a navigation to a new workflow.
	page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined));
	page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
	page.on('console', (msg) => {
		if (msg.type() === 'error') pageErrors.push(`console: ${msg.text().slice(0, 500)}`);
	});
	page.setDefaultTimeout(30_000);
	return {
		context,
		page,
		externalRequests,
		pageErrors,
		async close() {
			await context.close().catch(() => undefined);
			rmSync(userDataDir, { recursive: true, force: true });
		},
	};
}

/** Screenshots go to a temp folder, or into docs/ with UPDATE_SCREENSHOTS=1 (then commit them). */
export function screenshotDir(repo: string): string {
	const dir =
		process.env.UPDATE_SCREENSHOTS === '1'
			? join(repo, 'docs')
			: join(tmpdir(), 'n8n-nodes-scenario-editor-screenshots');
	mkdirSync(dir, { recursive: true });
	return dir;
}

/** The bits of HTMLImageElement used here (the project's tsconfig has no DOM lib). */
interface ImageElement {
	complete: boolean;
	naturalWidth: number;
	naturalHeight: number;
	src: string;
}

/** Waits until an `<img>` has decoded (naturalWidth > 0) and returns its size. */
export async function loadedImage(
	img: Locator,
	timeout = 30_000,
): Promise<{ width: number; height: number; src: string }> {
	await img.waitFor({ state: 'visible', timeout });
	const handle = await img.elementHandle({ timeout });
	if (!handle) throw new Error('image element vanished');
	await img
		.page()
		.waitForFunction(
			(el) =>
				(el as unknown as ImageElement).complete &&
				(el as unknown as ImageElement).naturalWidth > 0,
			handle,
			{
				timeout,
			},
		);
	return await img.evaluate((el) => {
		const i = el as unknown as ImageElement;
		return { width: i.naturalWidth, height: i.naturalHeight, src: i.src };
	});
}

/** The bytes behind a URL, fetched by the page (with its session cookie). */
export async function fetchInPage(page: Page, url: string): Promise<Buffer> {
	const base64 = await page.evaluate(async (u) => {
		const res = await fetch(u, { credentials: 'include' });
		if (!res.ok) throw new Error(`${u} -> ${res.status}`);
		const bytes = new Uint8Array(await res.arrayBuffer());
		let s = '';
		for (let i = 0; i < bytes.length; i += 0x8000)
			s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
		return btoa(s);
	}, url);
	return Buffer.from(base64, 'base64');
}
