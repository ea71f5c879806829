/**
 * The n8n 1.x line, proven the way 2.x is: the real-n8n e2e (test/e2e/real-n8n.suite.ts) and the
 * AI-agent e2e (test/e2e/ai-agent.suite.ts) against n8n 1.123.81 (N8N_1X_VERSION), under Node 22
 * as n8n 1.123's own Docker image runs it. One file, so the 1.x install and its environment cost
 * one jest worker; the 2.x files run the same suites.
 */
import { N8N_1X_VERSION } from './n8n';
import { describeAiAgent } from './ai-agent.suite';
import { describeRealN8n } from './real-n8n.suite';

describeRealN8n(N8N_1X_VERSION);
describeAiAgent(N8N_1X_VERSION);
