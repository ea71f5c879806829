/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Which files under a folder were opened as FileHandles (fs.promises.open, as n8n's filesystem
 * binary store does for getBinaryStream) and are still open. A FileHandle nobody closes is only
 * closed by the garbage collector, with Node's "Closing file descriptor N on garbage collection"
 * warning, late or never. The watch keeps every handle it sees, so the collector cannot close
 * one behind the test's back: what is open at the end was left open by the code.
 */
import fsPromises from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface OpenedFilesWatch {
	/** Files under `dir` still open, once pending closes had time to finish (at most ~2 s). */
	stillOpen(dir: string): Promise<string[]>;
	/** Puts fs.promises.open back. */
	stop(): void;
}

/** Watches fs.promises.open; call stop() when done (e.g. in afterEach). */
export function watchOpenedFiles(): OpenedFilesWatch {
	const original = fsPromises.open;
	const opened: Array<{ file: string; handle: FileHandle }> = [];
	fsPromises.open = async (...args: Parameters<typeof original>) => {
		const handle = await original(...args);
		opened.push({ file: path.resolve(String(args[0])), handle });
		return handle;
	};
	return {
		async stillOpen(dir) {
			const prefix = path.resolve(dir) + path.sep;
			// A closed FileHandle's fd is -1.
			const open = () =>
				opened
					.filter(({ file, handle }) => file.startsWith(prefix) && handle.fd !== -1)
					.map(({ file }) => file);
			// A stream that ended or was destroyed closes its handle a little later.
			for (let turn = 0; turn < 100 && open().length > 0; turn++) {
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			return open();
		},
		stop() {
			fsPromises.open = original;
		},
	};
}
