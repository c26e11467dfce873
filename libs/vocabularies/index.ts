export * from './vocabularies';
