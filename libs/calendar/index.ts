export * from './business-calendar';
export * from './fiscal-year';
