export * from './envelope';
export * from './keyvault';
export * from './arm';
export * from './validation';
export * from './parse';
