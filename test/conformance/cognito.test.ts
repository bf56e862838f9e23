import { runSourceConformance } from './source-suite.js';
runSourceConformance({ vendor: 'cognito', load: () => import('../../src/connectors/cognito/index.js') });
