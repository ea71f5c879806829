/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Loads the model catalogue and recorded prices from test/fixtures/scenario-api.
 * Recorded bodies are served as recorded; the recorder's `observedFields` list (a scrub
 * artefact, not an API field) is dropped before serving, and so is the `provenance` of the bodies
 * built from Scenario's reference tables (`reference/`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { hash31, isRecord } from './util';

export const FIXTURES_DIR = join(__dirname, '..', 'fixtures', 'scenario-api');

export interface InputRequirement {
	always?: boolean;
	ifDefined?: Record<string, { message: string }>;
	ifNotDefined?: Record<string, { message: string }>;
}

/** One entry of a model's `inputs[]` as recorded from GET /models/{id}. */
export interface ModelInput {
	name: string;
	type: string;
	kind?: string;
	required?: InputRequirement;
	allowedValues?: unknown[];
	min?: number;
	max?: number;
	maxLength?: number;
	maxSize?: number;
	modelTypes?: string[];
	default?: unknown;
	[key: string]: unknown;
}

export interface ModelRecord {
	id: string;
	type: string;
	privacy: string;
	custom: boolean;
	capabilities: string[];
	inputs?: ModelInput[];
	[key: string]: unknown;
}

export interface ModelEntry {
	/** Body served by GET /models/{id} (inside `{model}`). */
	record: ModelRecord;
	/** Row served by GET /models: the record without `inputs`/`uiConfig` (contracts.json listRowsCarry). */
	listRow: Record<string, unknown>;
	/** Fixture path relative to FIXTURES_DIR. */
	file: string;
	/** Recorded, derived from a recorded body (`derived/`), or built from a reference table (`reference/`). */
	origin: 'recorded' | 'derived' | 'reference';
}

export interface CostQuote {
	customGeneration: number;
	qualityGate: number;
}

export interface Catalogue {
	models: Map<string, ModelEntry>;
	/** Public models in list order: the recorded first page first, then by fixture path. */
	publicOrder: string[];
	privateOrder: string[];
	/** Recorded dryRun quotes (numOutputs 1) per model id: base route and with LoRAs. */
	quotes: Map<string, { base?: CostQuote; withLoras?: CostQuote }>;
}

function readJson(file: string): unknown {
	return JSON.parse(readFileSync(file, 'utf8'));
}

function walk(dir: string): string[] {
	const out: string[] = [];
	for (const ent of readdirSync(dir, { withFileTypes: true })) {
		const full = join(dir, ent.name);
		if (ent.isDirectory()) out.push(...walk(full));
		else if (ent.name.endsWith('.json')) out.push(full);
	}
	return out.sort();
}

function toListRow(record: ModelRecord): Record<string, unknown> {
	const row: Record<string, unknown> = { ...record };
	delete row.inputs;
	delete row.uiConfig;
	return row;
}

function quoteFrom(reply: unknown): CostQuote | undefined {
	if (!isRecord(reply) || !isRecord(reply.costDetails)) return undefined;
	const d = reply.costDetails;
	return {
		customGeneration: typeof d['custom-generation'] === 'number' ? d['custom-generation'] : 0,
		qualityGate: typeof d['quality-gate'] === 'number' ? d['quality-gate'] : 0,
	};
}

export function loadCatalogue(): Catalogue {
	const models = new Map<string, ModelEntry>();
	// The patina-copper-512 copy of model_patina-material is a duplicate; models/ wins.
	const files = walk(FIXTURES_DIR).filter(
		(f) => !relative(FIXTURES_DIR, f).startsWith(`patina-copper-512${sep}`),
	);
	for (const file of files) {
		const body = readJson(file);
		if (!isRecord(body) || !isRecord(body.model)) continue;
		const record = { ...(body.model as ModelRecord) };
		delete record.observedFields;
		delete record.provenance;
		if (models.has(record.id)) continue;
		const rel = relative(FIXTURES_DIR, file).split(sep).join('/');
		const origin = rel.startsWith('derived/')
			? 'derived'
			: rel.startsWith('reference/')
				? 'reference'
				: 'recorded';
		models.set(record.id, { record, listRow: toListRow(record), file: rel, origin });
	}

	// Rows of the recorded first page that have no recorded detail body are served as list rows
	// and as GET /models/{id} bodies (without inputs; the simulator then skips field validation).
	const page1 = readJson(join(FIXTURES_DIR, 'models_list_page1.json')) as { models: ModelRecord[] };
	const page1Ids = page1.models.map((m) => m.id);
	for (const row of page1.models) {
		if (!models.has(row.id)) {
			models.set(row.id, {
				record: { ...row },
				listRow: { ...row },
				file: 'models_list_page1.json',
				origin: 'recorded',
			});
		}
	}

	const publicIds = [...models.values()]
		.filter((e) => e.record.privacy === 'public')
		.map((e) => e.record.id);
	const publicOrder = [...page1Ids, ...publicIds.filter((id) => !page1Ids.includes(id))];
	const privateOrder = [...models.values()]
		.filter((e) => e.record.privacy === 'private')
		.map((e) => e.record.id);

	const quotes = new Map<string, { base?: CostQuote; withLoras?: CostQuote }>();
	const contracts = readJson(join(FIXTURES_DIR, 'models', 'trained', 'contracts.json')) as {
		dryRuns: { route: string; target: string; status: number; reply: unknown }[];
	};
	for (const run of contracts.dryRuns) {
		if (run.status !== 269) continue;
		const q = quoteFrom(run.reply);
		if (!q) continue;
		const entry = quotes.get(run.target) ?? {};
		if (run.route === 'base' && !entry.base) entry.base = q;
		if (run.route === 'stack' && !entry.withLoras) entry.withLoras = q;
		quotes.set(run.target, entry);
	}
	// recorded-upstream dryrun_response.json is the POST .../model_patina-material dryRun estimate.
	const patina = quoteFrom(
		readJson(join(FIXTURES_DIR, 'patina-copper-512', 'dryrun_response.json')),
	);
	if (patina) quotes.set('model_patina-material', { base: patina });

	return { models, publicOrder, privateOrder, quotes };
}

/**
 * Price of one generation: recorded quotes where they exist (exact for numOutputs 1), otherwise
 * a deterministic per-model price. custom-generation scales with the output count; the
 * quality-gate fee does not.
 * Our own (no source): the scaling (every recorded dryRun asks for one output) and the price of
 * models with no recorded quote (2–16 from a hash, plus the recorded 1.75 quality gate).
 */
export function priceFor(
	catalogue: Catalogue,
	key: string,
	outputs: number,
	withLoras: boolean,
): {
	creativeUnitsCost: number;
	creativeUnitsDiscount: number;
	costDetails: Record<string, number>;
} {
	const recorded = catalogue.quotes.get(key);
	const quote: CostQuote = (withLoras ? recorded?.withLoras : undefined) ??
		recorded?.base ?? { customGeneration: 2 + (hash31(key) % 15), qualityGate: 1.75 };
	const customGeneration = quote.customGeneration * outputs;
	return {
		creativeUnitsCost: customGeneration + quote.qualityGate,
		creativeUnitsDiscount: 0,
		costDetails: { 'custom-generation': customGeneration, 'quality-gate': quote.qualityGate },
	};
}
