// The engine's fake target passes the same suite as the real ones, so engine tests mean something.
import { FAKE_CAPABILITIES, FakeTarget } from '../engine/fake-target.js';
import { FAULT_RETRY_AFTER_SECONDS, runTargetConformance } from './target-suite.js';

runTargetConformance({
  name: 'fake',
  capabilities: FAKE_CAPABILITIES,
  async open() {
    const target = new FakeTarget();
    /** Scripts the fault for every kind of request until healed (the fake's script is one-shot per request). */
    const until = (fault: '429' | '5xx') => async () => {
      for (let i = 0; i < 100; i++) target.state.script.push({ fault, retryAfterSeconds: FAULT_RETRY_AFTER_SECONDS });
      return async () => {
        target.state.script.length = 0;
      };
    };
    return { target, faults: { 'rate-limited': until('429'), unavailable: until('5xx') }, close: () => target.close() };
  },
});
