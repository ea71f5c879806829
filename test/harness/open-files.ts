/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Which files under a folder this process still holds open, read from /proc/self/fd (Linux).
 * A FileHandle nobody closes is only closed by the garbage collector, with Node's "Closing file
 * descriptor N on garbage collection" warning, late or never: counting the descriptors that
 * point into a run's binary store catches such a leak on the spot.
 */
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** Paths under `dir` with an open descriptor; `undefined` where /proc/self/fd does not exist. */
export function openFilesUnder(dir: string): string[] | undefined {
	let fds: string[];
	try {
		fds = readdirSync('/proc/self/fd');
	} catch {
		return undefined;
	}
	let root = dir;
	try {
		root = realpathSync(dir);
	} catch {
		// Already removed (result.cleanup()): /proc still names the files, with " (deleted)".
	}
	const prefix = root.endsWith(path.sep) ? root : root + path.sep;
	const open: string[] = [];
	for (const fd of fds) {
		try {
			const target = readlinkSync(`/proc/self/fd/${fd}`);
			if (target.startsWith(prefix)) open.push(target);
		} catch {
			// Closed meanwhile (e.g. the descriptor readdirSync itself used).
		}
	}
	return open;
}

/**
 * Like openFilesUnder, after letting pending closes finish: a stream that ended or was
 * destroyed closes its FileHandle a few event-loop turns later.
 */
export async function openFilesUnderSettled(dir: string): Promise<string[] | undefined> {
	for (let turn = 0; turn < 50; turn++) {
		const open = openFilesUnder(dir);
		if (open === undefined || open.length === 0) return open;
		await new Promise((resolve) => setImmediate(resolve));
	}
	return openFilesUnder(dir);
}
