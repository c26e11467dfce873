/**
 * Every migration, in order. Listed explicitly (not globbed) so the compiled build and the
 * tests load exactly the same set, whatever bundler or folder layout is used.
 */
import { Foundation1795400000000 } from './1795400000000-Foundation';

export const MIGRATIONS = [Foundation1795400000000];
