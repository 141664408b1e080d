import { findDangerousKeys } from './request-hygiene';

const pointers = (value: unknown) => findDangerousKeys(value).map((f) => f.pointer);

describe(findDangerousKeys.name, () => {
  it('accepts an ordinary body, including Chinese keys and values', () => {
    expect(findDangerousKeys({ title: '碳化硅封装', 联系人: { 姓名: '张三' }, keywords: ['a', 'b'], budget: { minFen: 0 } })).toEqual([]);
    expect(findDangerousKeys(null)).toEqual([]);
    expect(findDangerousKeys('text')).toEqual([]);
  });

  it('finds MongoDB operators, at the top and nested', () => {
    expect(pointers({ needId: { $gt: '' } })).toEqual(['/needId/$gt']);
    expect(pointers({ $where: 'sleep(1000)' })).toEqual(['/$where']);
    expect(findDangerousKeys({ a: { $ne: 1 } })[0].reason).toMatch(/\$/);
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
    const found = findDangerousKeys(deep);
    expect(found).toHaveLength(1);
    expect(found[0].reason).toMatch(/deeper than 16/);
    expect(found[0].pointer.split('/child')).toHaveLength(18);

    let nested: unknown = 'x';
    for (let i = 0; i < 16; i++) nested = [nested];
    expect(findDangerousKeys(nested)).toEqual([]);
  });
});
