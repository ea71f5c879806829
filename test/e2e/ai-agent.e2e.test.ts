/**
 * n8n's AI Agent calls Scenario Custom Generate as a tool (test/e2e/ai-agent.suite.ts), in n8n
 * 2.40.7 (or the version in N8N_E2E_N8N_VERSION). real-n8n-1.123.e2e.test.ts runs the same suite
 * against n8n 1.123.81.
 */
import { N8N_VERSION } from './n8n';
import { describeAiAgent } from './ai-agent.suite';

describeAiAgent(N8N_VERSION);
