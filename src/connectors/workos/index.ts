import type { Target, TargetConnector, TargetOptions } from '../../protocol/target.js';
import { workosCapabilities } from './capabilities.js';

/** The WorkOS target connector. The SDK loads only when a target is opened. */
export const target = {
  name: 'workos',
  capabilities: workosCapabilities,
  async loadLossyNotes() {
    return (await import('./map.js')).workosLossyNotes;
  },
  async open(options: TargetOptions): Promise<Target> {
    const { openWorkosTarget } = await import('./target.js');
    return openWorkosTarget(options);
  },
} satisfies TargetConnector;
