export * from './tasks.module';
export * from './tasks.service';
export * from './dto/task.dto';
export * from './tasks-http.module';
