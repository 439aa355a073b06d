// What the logs keep of an error (publisher/log-safe.ts): its message up to the first quoted value,
// whatever the quotes, and a stack whose first line is cut the same way (law 09-08: no search
// words or form values in the logs).
import t from 'tap';
import { loggableError, withoutValues } from '../../publisher/log-safe.ts';

t.test('messages keep what went wrong, not what was typed', async (t) => {
  const cases: Array<[string, string]> = [
    ['fts5: syntax error near ""secretword""', 'fts5: syntax error near …'],
    ['unknown partner "secretword"', 'unknown partner …'],
    ['from must be a date written YYYY-MM-DD, got "secretword"', 'from must be a date written YYYY-MM-DD, got …'],
    ["'/fr/%E0?q=secretword' is not a valid url component", '…'],
    ['valeur « secretword » refusée', 'valeur …'],
    ['value “secretword” refused', 'value …'],
    ['page must be a whole number from 1 to 60', 'page must be a whole number from 1 to 60'],
  ];
  for (const [message, kept] of cases) t.equal(withoutValues(message), kept, message.replace('secretword', 'X'));
  t.ok(withoutValues('x'.repeat(5000)).length <= 301, 'bounded');
});

t.test('errors keep their type, code, status and stack frames, without the values', async (t) => {
  const error = Object.assign(new TypeError('cannot read "secretword"'), { code: 'E_TEST', statusCode: 500 });
  const logged = loggableError(error);
  t.match(logged, { type: 'TypeError', message: 'cannot read …', code: 'E_TEST', statusCode: 500 });
  t.notMatch(JSON.stringify(logged), /secretword/);
  t.match(logged.stack, /^TypeError: cannot read …\n\s+at /, 'the stack starts with the cut message, then the frames');
  t.same(loggableError('plain "secretword"'), { type: 'string', message: 'plain …' });
});
