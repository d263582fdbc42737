export * from './signatures';
export * from './failure.classifier';
export * from './test-summary';
