import { findUnsafeInput, MAX_ARRAY_ITEMS, MAX_REPORTED_PROBLEMS } from './request-hygiene';

const pointers = (value: unknown) => findUnsafeInput(value).map((f) => f.pointer);

describe(findUnsafeInput.name, () => {
  it('accepts an ordinary body, including Chinese keys and values', () => {
    expect(findUnsafeInput({ title: '碳化硅封装', 联系人: { 姓名: '张三' }, keywords: ['a', 'b'], budget: { minFen: 0 } })).toEqual([]);
    expect(findUnsafeInput(null)).toEqual([]);
    expect(findUnsafeInput('text')).toEqual([]);
  });

  it('finds MongoDB operators, at the top and nested', () => {
    expect(pointers({ needId: { $gt: '' } })).toEqual(['/needId/$gt']);
    expect(pointers({ $where: 'sleep(1000)' })).toEqual(['/$where']);
    expect(findUnsafeInput({ a: { $ne: 1 } })[0].reason).toMatch(/\$/);
  });

  it('finds dotted keys (paths into sub-documents)', () => {
    expect(pointers({ 'contact.phone': '1' })).toEqual(['/contact.phone']);
  });

  it('finds __proto__ as JSON.parse creates it, and constructor/prototype', () => {
    const body = JSON.parse('{"title": "x", "__proto__": {"isAdmin": true}}');
    expect(pointers(body)).toEqual(['/__proto__']);
    expect(pointers(JSON.parse('{"a": {"constructor": {"prototype": {"x": 1}}}}'))).toEqual(['/a/constructor', '/a/constructor/prototype']);
  });

  it('looks inside arrays, with the index in the pointer', () => {
    expect(pointers({ items: [{ ok: 1 }, { nested: [{ $set: {} }] }] })).toEqual(['/items/1/nested/0/$set']);
    expect(pointers([{ 'a.b': 1 }])).toEqual(['/0/a.b']);
  });

  it('escapes ~ and / in pointers (RFC 6901)', () => {
    expect(pointers({ 'a/b': { $x: 1 }, 'c~d': { 'e.f': 1 } })).toEqual(['/a~1b/$x', '/c~0d/e.f']);
  });

  it('reports every problem, not only the first', () => {
    expect(pointers({ $a: 1, b: { $c: 1 }, 'd.e': 1 })).toEqual(['/$a', '/b/$c', '/d.e']);
  });

  it('stops at the depth limit and reports it once', () => {
    let deep: unknown = { $gt: 1 };
    for (let i = 0; i < 40; i++) deep = { child: deep };
    const found = findUnsafeInput(deep);
    expect(found).toHaveLength(1);
    expect(found[0].reason).toMatch(/deeper than 16/);
    expect(found[0].pointer.split('/child')).toHaveLength(18);

    let nested: unknown = 'x';
    for (let i = 0; i < 16; i++) nested = [nested];
    expect(findUnsafeInput(nested)).toEqual([]);
  });

  it('finds control characters in any string or key, but keeps tabs and line breaks', () => {
    expect(pointers({ title: 'a\u0000b', contact: { name: 'x\u0007' }, keywords: ['ok', 'bad\u001b'] })).toEqual(['/title', '/contact/name', '/keywords/1']);
    expect(pointers({ ['k\u0000']: 1 })).toEqual(['/k\u0000']);
    expect(findUnsafeInput({ description: '第一行\n第二行\r\n\t缩进' })).toEqual([]);
  });

  it('refuses an over-long list before walking it, and reports a bounded number of problems', () => {
    const parties = Array.from({ length: 20_000 }, () => ({}));
    expect(findUnsafeInput({ parties })).toEqual([{ pointer: '/parties', reason: `lists are limited to ${MAX_ARRAY_ITEMS} items` }]);
    expect(findUnsafeInput({ list: Array.from({ length: MAX_ARRAY_ITEMS }, () => 'x') })).toEqual([]);
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`$k${i}`, 1]));
    expect(findUnsafeInput(many)).toHaveLength(MAX_REPORTED_PROBLEMS);
  });
});
