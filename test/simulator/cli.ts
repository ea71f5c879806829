/* eslint-disable @n8n/community-nodes/no-restricted-globals, no-console -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Runs the simulator until Ctrl-C:
 *   ts-node --transpile-only test/simulator/cli.ts [--port 5680]
 * Env: SIM_PORT (default 5680), SIM_JOB_MS (job duration, default 300), SIM_OUTPUT_BYTES (pad generated
 * PNGs to at least this size, default 0), SIM_API_KEY, SIM_API_SECRET.
 */
import { ScenarioSimulator } from './server';

function argValue(name: string): string | undefined {
	const args = process.argv.slice(2);
	for (let i = 0; i < args.length; i++) {
		if (args[i] === name) return args[i + 1];
		if (args[i].startsWith(`${name}=`)) return args[i].slice(name.length + 1);
	}
	return undefined;
}

function intOption(value: string | undefined, fallback: number, what: string): number {
	if (value === undefined || value === '') return fallback;
	const n = Number(value);
	if (!Number.isInteger(n) || n < 0)
		throw new Error(`${what} must be a non-negative integer, got "${value}"`);
	return n;
}

async function main(): Promise<void> {
	const port = intOption(argValue('--port') ?? process.env.SIM_PORT, 5680, 'port');
	const jobDurationMs = intOption(process.env.SIM_JOB_MS, 300, 'SIM_JOB_MS');
	const outputMinBytes = intOption(process.env.SIM_OUTPUT_BYTES, 0, 'SIM_OUTPUT_BYTES');
	const sim = await ScenarioSimulator.start({
		port,
		jobDurationMs,
		outputMinBytes,
		apiKey: process.env.SIM_API_KEY || undefined,
		apiSecret: process.env.SIM_API_SECRET || undefined,
	});
	console.log('Scenario API simulator running');
	console.log(`  base URL:      ${sim.baseUrl}`);
	console.log(`  API key:       ${sim.apiKey}`);
	console.log(`  API secret:    ${sim.apiSecret}`);
	console.log(`  CDN origin:    ${sim.cdnOrigin}`);
	console.log(`  upload origin: ${sim.uploadOrigin}`);
	console.log(`  job duration:  ${jobDurationMs} ms`);
	console.log('Press Ctrl-C to stop.');
	const stop = (): void => {
		void sim.close().then(() => process.exit(0));
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
	console.error(err instanceof Error ? err.message : err);
	process.exit(1);
});
