import { compileRoute, comparePrecedence, splitPath } from '../../../local/host/route-template';

const match = (template: string, path: string) => compileRoute(template).match(splitPath(path));

describe('route templates', () => {
  test.each([
    ['items/{id}', 'items/42', { id: '42' }],
    ['items/{id?}', 'items', {}],
    ['items/{id=7}', 'items', { id: '7' }],
    ['items/{id:int}', 'items/-3', { id: '-3' }],
    ['items/{id:int}', 'items/x', undefined],
    ['items/{name:alpha:maxlength(3)}', 'items/abc', { name: 'abc' }],
    ['items/{name:alpha:maxlength(3)}', 'items/abcd', undefined],
    ['items/{id:guid}', 'items/0f8fad5b-d9cb-469f-a165-70867728950e', { id: '0f8fad5b-d9cb-469f-a165-70867728950e' }],
    ['items/{code:regex(^[a-z]{{2}}\\d$)}', 'items/ab1', { code: 'ab1' }],
    ['files/{*rest}', 'files/a/b%20c', { rest: 'a/b c' }],
    ['files/{*rest}', 'files', {}],
    ['Items/{id}', 'ITEMS/1', { id: '1' }],
    ['items/{id}', 'items/1/extra', undefined],
    ['items/{flag:bool}', 'items/TRUE', { flag: 'TRUE' }],
    ['n/{v:range(1,5)}', 'n/6', undefined],
    ['s/{v:length(2,3)}', 's/abcd', undefined],
  ])('%s matches %s as %j', (template, path, expected) => {
    expect(match(template, path)).toEqual(expected);
  });

  test('rejects unknown constraints and misplaced catch-alls with a clear message', () => {
    expect(() => compileRoute('a/{id:nope}')).toThrow(/unknown route constraint "nope"/);
    expect(() => compileRoute('a/{*rest}/b')).toThrow(/catch-all parameter must be the last segment/);
  });

  test('literal segments take precedence over parameters', () => {
    const literal = compileRoute('items/special').precedence;
    const param = compileRoute('items/{id}').precedence;
    const constrained = compileRoute('items/{id:int}').precedence;
    expect(comparePrecedence(literal, param)).toBeLessThan(0);
    expect(comparePrecedence(constrained, param)).toBeLessThan(0);
  });
});
