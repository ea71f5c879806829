/**
 * Small real files of the non-image kinds, built in code (no downloads): an MP4 (ISO-BMFF
 * `ftyp` + `free` + `mdat` boxes), a WAV (RIFF PCM, a short tone), a GLB (glTF 2.0 binary
 * container with a JSON chunk). Each is deterministic from its seed text; `minBytes` pads it
 * (inside a box or chunk, so the file stays well-formed) to test large files.
 */
import { createHash } from 'node:crypto';

/** Deterministic filler bytes from a seed (SHA-256 in counter mode). */
function noise(seedText: string, length: number): Buffer {
	const out = Buffer.alloc(length);
	for (let offset = 0, n = 0; offset < length; n++) {
		const block = createHash('sha256').update(`${seedText}|${n}`).digest();
		offset += block.copy(out, offset);
	}
	return out;
}

function box(type: string, payload: Buffer): Buffer {
	const header = Buffer.alloc(8);
	header.writeUInt32BE(8 + payload.length, 0);
	header.write(type, 4, 'latin1');
	return Buffer.concat([header, payload]);
}

/** An MP4: `ftyp` (isom, compatible isom/iso2/mp41), a `free` box naming the seed, an `mdat`. */
export function mp4File(seedText = 'video', minBytes = 0): Buffer {
	const ftyp = box(
		'ftyp',
		Buffer.concat([
			Buffer.from('isom', 'latin1'),
			Buffer.from([0, 0, 2, 0]),
			Buffer.from('isomiso2mp41', 'latin1'),
		]),
	);
	const free = box('free', Buffer.from(`n8n-nodes-scenario test video: ${seedText}`, 'utf8'));
	const fixed = ftyp.length + free.length + 8;
	const mdat = box('mdat', noise(seedText, Math.max(64, minBytes - fixed)));
	return Buffer.concat([ftyp, free, mdat]);
}

/** A WAV: 8 kHz mono 16-bit PCM, a tone whose pitch comes from the seed. */
export function wavFile(seedText = 'audio', minBytes = 0): Buffer {
	const rate = 8000;
	const samples = Math.max(800, Math.ceil((minBytes - 44) / 2));
	const pitch = 220 + (createHash('sha256').update(seedText).digest()[0] % 64) * 10;
	const data = Buffer.alloc(samples * 2);
	for (let i = 0; i < samples; i++)
		data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * pitch * i) / rate)), i * 2);
	const header = Buffer.alloc(44);
	header.write('RIFF', 0, 'latin1');
	header.writeUInt32LE(36 + data.length, 4);
	header.write('WAVE', 8, 'latin1');
	header.write('fmt ', 12, 'latin1');
	header.writeUInt32LE(16, 16);
	header.writeUInt16LE(1, 20); // PCM
	header.writeUInt16LE(1, 22); // mono
	header.writeUInt32LE(rate, 24);
	header.writeUInt32LE(rate * 2, 28);
	header.writeUInt16LE(2, 32);
	header.writeUInt16LE(16, 34);
	header.write('data', 36, 'latin1');
	header.writeUInt32LE(data.length, 40);
	return Buffer.concat([header, data]);
}

/** A GLB: the 12-byte glTF header and one JSON chunk (`asset.version` 2.0, the seed as generator). */
export function glbFile(seedText = 'model', minBytes = 0): Buffer {
	const base = JSON.stringify({
		asset: { version: '2.0', generator: `n8n-nodes-scenario test: ${seedText}` },
	});
	const pad = Math.max(0, minBytes - 20 - base.length);
	let json = Buffer.from(base + ' '.repeat(pad), 'utf8');
	// Chunks are 4-byte aligned, JSON padded with spaces.
	if (json.length % 4) json = Buffer.concat([json, Buffer.alloc(4 - (json.length % 4), 0x20)]);
	const header = Buffer.alloc(12);
	header.write('glTF', 0, 'latin1');
	header.writeUInt32LE(2, 4);
	header.writeUInt32LE(12 + 8 + json.length, 8);
	const chunk = Buffer.alloc(8);
	chunk.writeUInt32LE(json.length, 0);
	chunk.write('JSON', 4, 'latin1');
	return Buffer.concat([header, chunk, json]);
}

/** A sample file of a kind, with its MIME type and extension. */
export interface MediaFile {
	bytes: Buffer;
	mimeType: string;
	extension: string;
}

export function mediaFile(kind: string, seedText: string, minBytes = 0): MediaFile | undefined {
	switch (kind) {
		case 'video':
			return { bytes: mp4File(seedText, minBytes), mimeType: 'video/mp4', extension: 'mp4' };
		case 'audio':
			return { bytes: wavFile(seedText, minBytes), mimeType: 'audio/wav', extension: 'wav' };
		case '3d':
			return {
				bytes: glbFile(seedText, minBytes),
				mimeType: 'model/gltf-binary',
				extension: 'glb',
			};
		default:
			return undefined;
	}
}

/**
 * The kind the bytes of a sample file show (MP4 → video, WAV → audio, GLB → 3d). This repeats
 * part of the node's sniffing (nodes/shared/files/mime.ts) on purpose: the simulator and the
 * tests' checks import no node code, so a mistake in the node's sniffing cannot hide behind a
 * fake that makes the same mistake.
 */
export function mediaKindOf(bytes: Buffer): string | undefined {
	const tag = (start: number, end: number) =>
		bytes.length >= end ? bytes.toString('latin1', start, end) : '';
	if (tag(4, 8) === 'ftyp') return 'video';
	if (tag(0, 4) === 'RIFF' && tag(8, 12) === 'WAVE') return 'audio';
	if (tag(0, 4) === 'glTF') return '3d';
	return undefined;
}
