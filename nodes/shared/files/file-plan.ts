import type { ModelInput } from '../model/api-types';
import { type ScenarioConnection } from '../transport/connection';
import { inputError, type ErrorContext } from '../transport/errors';
import {
	formatBytes,
	kindOfMime,
	mimeForFileName,
	SCENARIO_IMAGE_NAMES,
	sniffImageMime,
	sniffMime,
	type FileKind,
} from './mime';

/** Which item, input and field a file is for: what its errors name. */
export interface FileCheck {
	itemIndex: number;
	input: ModelInput;
	field: string;
}

/** What an upload's failed calls say they were doing. */
export const uploadError = (check: FileCheck): ErrorContext => ({
	itemIndex: check.itemIndex,
	action: `Uploading ${check.field}`,
});

/**
 * What a file is uploaded as. `upload` is the `/uploads` kind: the file kinds, or `asset` (the
 * SPEC's generic kind) for a file of an input with no known kind whose bytes say nothing.
 */
export interface FilePlan {
	upload: FileKind | 'asset';
	mimeType: string;
}

const FILE_KINDS: readonly string[] = ['image', 'video', 'audio', '3d'];
const KIND_NAMES: Record<FileKind, string> = {
	image: 'an image',
	video: 'a video',
	audio: 'an audio file',
	'3d': 'a 3D model',
};
const KIND_EXAMPLES: Record<FileKind, string> = {
	image: `${SCENARIO_IMAGE_NAMES} images`,
	video: 'videos (e.g. MP4, WebM)',
	audio: 'audio (e.g. MP3, WAV, OGG, M4A)',
	'3d': '3D models (e.g. GLB, glTF, OBJ, FBX)',
};

/** The kind a model input takes, when it is one `/uploads` knows. */
export const inputKind = (input: ModelInput): FileKind | undefined =>
	FILE_KINDS.includes(input.kind ?? '') ? (input.kind as FileKind) : undefined;

/** A MIME type without parameters; undefined when it says nothing (empty, octet-stream). */
function declaredType(mimeType: string | undefined): string | undefined {
	const type = (mimeType ?? '').split(';')[0].trim().toLowerCase();
	return type && type !== 'application/octet-stream' && type !== 'binary/octet-stream'
		? type
		: undefined;
}

/** Kinds a sniffed container can hold: an MP4, WebM or Ogg file may be audio or video alike. */
function kindsOfSniffed(mime: string): FileKind[] {
	if (mime === 'video/mp4' || mime === 'video/webm') return ['video', 'audio'];
	if (mime === 'audio/ogg') return ['audio', 'video'];
	const kind = kindOfMime(mime);
	return kind ? [kind] : [];
}

/**
 * Decides how a file goes up and checks it: its kind (the input's; for an input of no known
 * kind, the file's own, from its bytes, else its type or name: a guess Scenario's records leave
 * open), its real content type (the bytes decide, a declared type is a label), the image checks
 * (only for image inputs) and the model's `maxSize`.
 */
export function planFile(
	conn: ScenarioConnection,
	check: FileCheck,
	what: string,
	file: { declared: string | undefined; fileName?: string; size: number; head: Buffer },
): FilePlan {
	const { input, itemIndex, field } = check;
	const declared = declaredType(file.declared);
	const byName = mimeForFileName(file.fileName);
	const sniffed = sniffMime(file.head);
	const wanted = inputKind(input);
	let plan: FilePlan;
	const image = sniffImageMime(file.head);
	if (wanted === 'image' || (!wanted && image)) {
		// A declared type is only a label (a file name's extension, a server's header): the bytes
		// decide, and give the content type sent.
		if (!image) {
			const label = declared ?? 'application/octet-stream';
			if (!label.startsWith('image/')) {
				throw inputError(
					conn.node,
					itemIndex,
					field,
					`${what} is ${label}, not an image`,
					`Pass an image: ${SCENARIO_IMAGE_NAMES}.`,
				);
			}
			throw inputError(
				conn.node,
				itemIndex,
				field,
				`${what} is not a ${SCENARIO_IMAGE_NAMES} image`,
				`Its type says ${label}, but its content is something else (an error page or a truncated download?). Scenario takes ${SCENARIO_IMAGE_NAMES} images.`,
			);
		}
		plan = { upload: 'image', mimeType: image };
	} else {
		// What the file itself says it is: its bytes when they are recognised, else its type or name.
		const own = kindOfMime(declared ?? '') ?? kindOfMime(byName ?? '');
		const fileKinds = sniffed ? kindsOfSniffed(sniffed) : own ? [own] : [];
		// An input that states no kind (every recorded file input states one, but the field is
		// optional): the file's own kind, tolerantly; `asset` when nothing tells, for which what
		// Scenario does is unknown.
		const upload: FilePlan['upload'] = wanted ?? fileKinds.at(0) ?? 'asset';
		if (wanted && fileKinds.length && !fileKinds.includes(wanted)) {
			throw inputError(
				conn.node,
				itemIndex,
				field,
				`${what} is ${sniffed ?? declared ?? byName} (${fileKinds[0] === '3d' ? '3D' : fileKinds[0]}), not ${KIND_NAMES[wanted]}`,
				`This input takes ${KIND_EXAMPLES[wanted]}.`,
			);
		}
		const ofKind = (type: string | undefined) =>
			type !== undefined && (upload === 'asset' || kindOfMime(type) === upload) ? type : undefined;
		// The bytes decide (an MP4 sent as video/quicktime is video/mp4), but a container that
		// holds either (an MP4 of audio) keeps the declared type of the input's kind.
		const mimeType =
			ofKind(sniffed) ??
			ofKind(declared) ??
			ofKind(byName) ??
			sniffed ??
			declared ??
			byName ??
			'application/octet-stream';
		plan = { upload, mimeType };
	}
	if (input.maxSize !== undefined && file.size > input.maxSize) {
		throw inputError(
			conn.node,
			itemIndex,
			field,
			`${what} is ${formatBytes(file.size)}, over the model's limit of ${formatBytes(input.maxSize)}`,
		);
	}
	return plan;
}
