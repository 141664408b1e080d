import { creditCodeCheckCharacter, isValidCreditCode } from './credit-code';

describe(isValidCreditCode.name, () => {
  it.each([
    '91330100716105852F', // 阿里巴巴（中国）有限公司
    '914403001922038216', // 华为技术有限公司
    '91440300708461136T', // 深圳市腾讯计算机系统有限公司
    '91350100M000100Y43',
    '91110000600037341L',
  ])('accepts the registered code %s', (code) => {
    expect(isValidCreditCode(code)).toBe(true);
  });

  it('refuses a code with one character changed, wherever it is', () => {
    const code = '91330100716105852F';
    for (let i = 0; i < 18; i++) {
      const changed = code.slice(0, i) + (code[i] === '1' ? '2' : '1') + code.slice(i + 1);
      expect(isValidCreditCode(changed)).toBe(false);
    }
  });

  it('refuses the issue’s example, and says which check character it should have had', () => {
    expect(isValidCreditCode('91330206MA2XXXXX0K')).toBe(false);
    expect(creditCodeCheckCharacter('91330206MA2XXXXX0')).toBe('4');
  });

  it('refuses wrong shapes and characters outside the alphabet', () => {
    expect(isValidCreditCode('91330100716105852')).toBe(false);
    expect(isValidCreditCode('9133010071610585I2')).toBe(false); // I is not in the alphabet
    expect(() => creditCodeCheckCharacter('9133010071610585O')).toThrow(/not allowed/);
  });
});
