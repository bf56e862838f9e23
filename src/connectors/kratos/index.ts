import type { Target, TargetConnector, TargetOptions } from '../../protocol/target.js';
import { kratosCapabilities } from './capabilities.js';

/** The Ory Kratos target connector. The SDK loads only when a target is opened. */
export const target = {
  name: 'kratos',
  capabilities: kratosCapabilities,
  async open(options: TargetOptions): Promise<Target> {
    const { openKratosTarget } = await import('./target.js');
    return openKratosTarget(options);
  },
} satisfies TargetConnector;
