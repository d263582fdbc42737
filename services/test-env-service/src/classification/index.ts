export * from './signatures';
export * from './failure.classifier';
