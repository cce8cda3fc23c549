export * from './request.js';
export * from './accept.js';
export * from './document.js';
export * from './relay.js';
