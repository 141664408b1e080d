import { findRegion, isKnownRegionCode, provinceCodeOf, REGION_COUNT, regionName } from './regions';

describe('regions (GB/T 2260)', () => {
  it('names county-level codes with their province and city', () => {
    expect(findRegion('330206')).toEqual({
      code: '330206',
      name: '北仑区',
      province: '浙江省',
      city: '宁波市',
      fullName: '浙江省宁波市北仑区',
      level: 'county',
    });
    expect(regionName('330108')).toBe('滨江区');
  });

  it('drops the 市辖区 placeholder of municipalities', () => {
    expect(findRegion('110108')?.fullName).toBe('北京市海淀区');
    expect(isKnownRegionCode('110100')).toBe(false);
    expect(findRegion('110000')?.level).toBe('province');
  });

  it('knows prefectures and provinces', () => {
    expect(findRegion('330200')).toMatchObject({ name: '宁波市', level: 'prefecture', province: '浙江省' });
    expect(findRegion('330000')).toMatchObject({ name: '浙江省', level: 'province' });
    expect(provinceCodeOf('330206')).toBe('330000');
  });

  it('refuses codes that name nothing', () => {
    for (const code of ['000000', '339999', '330299', '990000', '33020']) expect(isKnownRegionCode(code)).toBe(false);
    expect(regionName('339999')).toBe('339999');
  });

  it('ships the whole list', () => {
    expect(REGION_COUNT).toBeGreaterThan(3000);
  });
});
