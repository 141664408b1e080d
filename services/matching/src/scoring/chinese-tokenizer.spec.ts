import { isMeaningfulToken, registerDomainTerms, tokenizeChinese } from './chinese-tokenizer';

describe('tokenizeChinese', () => {
  it('segments a need title into words and their parts, never single characters', () => {
    const tokens = tokenizeChinese('碳化硅功率器件封装工艺改进');
    expect(tokens).toEqual(expect.arrayContaining(['碳化硅', '功率器件', '功率', '器件', '封装', '工艺']));
    expect(tokens.filter((t) => [...t].length === 1)).toEqual([]);
  });

  it('drops stop words, punctuation and whitespace', () => {
    expect(tokenizeChinese('改进')).toEqual([]);
    expect(tokenizeChinese('我司希望进行相关研究，提供技术服务。 ')).toEqual(['服务']);
  });

  it('keeps domain terms whole, with their parts (search mode)', () => {
    const tokens = tokenizeChinese('引进工业机器人与机器视觉');
    expect(tokens).toEqual(expect.arrayContaining(['工业机器人', '机器人', '机器视觉', '视觉']));
  });

  it('lower-cases ASCII, folds full-width letters and drops bare numbers', () => {
    const tokens = tokenizeChinese('ＭＥＭＳ与AI芯片，年产300万颗，5G模组');
    expect(tokens).toEqual(expect.arrayContaining(['mems', 'ai', '芯片', '5g']));
    expect(tokens).not.toContain('300');
    expect(tokens).not.toContain('MEMS');
  });

  it('keeps the few single characters that are domain words', () => {
    expect(isMeaningfulToken('氢')).toBe(true);
    expect(isMeaningfulToken('的')).toBe(false);
    expect(isMeaningfulToken('，')).toBe(false);
  });

  it('accepts extra domain words at run time', () => {
    expect(tokenizeChinese('柔性电子皮肤')).not.toContain('电子皮肤');
    registerDomainTerms(['电子皮肤']);
    expect(tokenizeChinese('柔性电子皮肤')).toContain('电子皮肤');
  });
});
