/** 10 000 seeded inputs for a third of the fuzz targets (suite.ts; docs/security.md § Fuzzing). */
import { fuzzSuite } from './suite.js';

fuzzSuite(2, 3);
