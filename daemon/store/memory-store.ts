// The in-memory Store driver lives in src/store/ (it does no I/O, so src/ tests may use it); re-exported for daemon code.
export * from '../../src/store/memory-store.js';
