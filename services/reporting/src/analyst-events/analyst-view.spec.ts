import { analystView } from './analyst-view';

describe('analystView', () => {
  it('keeps amounts and classes, reduces parties to role, nature and region, drops contact-like fields anywhere', () => {
    const event = {
      dealId: 'd-1',
      contractAmountFen: 300_000_000,
      record: {
        registrationNumber: '2026320500000123',
        parties: [
          { role: 'buyer', name: '苏州芯联微电子股份有限公司', nature: 'enterprise', creditCode: '91320594MA1234567X', regionCode: '320506' },
          { role: 'seller', name: '张三', nature: 'individual', countryCode: 'SG' },
        ],
      },
      parties: [{ role: 'seller', name: '中国科学院微电子研究所' }],
      note: { contact: { phone: '13912345678' }, phone: '13912345678', email: 'a@b.cn', kept: 1 },
    };
    expect(analystView(event)).toEqual({
      dealId: 'd-1',
      contractAmountFen: 300_000_000,
      record: {
        registrationNumber: '2026320500000123',
        parties: [
          { role: 'buyer', nature: 'enterprise', regionCode: '320506' },
          { role: 'seller', nature: 'individual', countryCode: 'SG' },
        ],
      },
      parties: [{ role: 'seller' }],
      note: { kept: 1 },
    });
  });
});
