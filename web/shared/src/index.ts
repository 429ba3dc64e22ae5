export * from './client';
export * from './types';
export * from './format';
export * from './diff';
