export * from './data-source';
export * from './db.service';
export * from './database.module';
