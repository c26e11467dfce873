import { Transform } from 'class-transformer';

/**
 * Query strings are strings: "false" must stay false (class-transformer's Boolean("false") is
 * true). Anything but "true"/"false" is kept as given so validation rejects it.
 */
export function QueryBoolean(): PropertyDecorator {
  return Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));
}
