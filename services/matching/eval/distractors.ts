import { SUPPLY_KIND_CODES, TECHNICAL_FIELD_CODES, type SupplyKind, type TechnicalField } from '@tt/contracts';
import type { SupplyItem } from '../src/scoring/scoring.types';

/**
 * Catalogue items that no need of the evaluation set is about: real-sounding supply in topics the set
 * never asks for (tea processing, aquaculture, textile dyeing…), written with the catalogue's generic
 * vocabulary (技术, 平台, 服务, 检测, 研发…) and every kind, field and region. They test that an item
 * with nothing to say about a need stays out of its top 5 however its field and region look.
 * Deterministic for a given seed. `assertNoNeedIsAbout` checks the premise against the needs.
 */
export const DISTRACTOR_TOPICS = [
  '茶叶加工', '茶饮料', '水产养殖', '对虾育苗', '海参养殖', '生猪养殖', '钓具', '兽用疫苗', '蚕桑', '食用菌栽培',
  '中药材种植', '中药饮片炮制', '中成药', '针灸器具', '保健食品', '白酒酿造', '黄酒', '葡萄酒', '果汁饮料', '乳制品',
  '烘焙食品', '调味品', '酱油酿造', '方便面', '休闲食品', '宠物食品', '纺织印染', '羊绒制品', '丝绸', '服装设计',
  '鞋材', '箱包', '家具设计', '木材干燥', '竹制品', '造纸', '印刷包装', '文具', '玩具', '体育用品', '乐器制造',
  '陶瓷釉料', '紫砂', '玻璃工艺品', '珠宝鉴定', '黄金首饰', '钟表', '假发', '化妆品配方', '蜡烛', '香精香料',
  '烟花爆竹', '殡葬服务', '婚庆', '旅游线路', '酒店管理', '餐饮连锁', '物业管理', '家政服务', '养老护理', '幼儿教育',
  '职业培训', '驾校', '园林绿化', '花卉育种', '草坪', '观赏鱼', '马术', '高尔夫', '滑雪场', '游乐设备', '影视拍摄',
  '动漫设计', '网络文学', '短视频运营', '直播电商', '广告创意', '会展策划', '古建筑修缮', '文物保护', '书画装裱',
  '农机具', '灌溉', '温室大棚', '果树修剪', '粮食烘干', '仓储害虫', '面粉加工', '大米抛光', '植物油压榨', '棉花加工',
];
const ORGANISATIONS = ['研究院', '大学', '职业技术学院', '工程技术中心', '服务中心', '有限公司', '协会', '重点实验室', '产业联盟', '检测站'];
const PHRASES = [
  '提供{t}全流程技术服务与解决方案',
  '拥有{t}领域多项专利与研发平台',
  '可开展{t}相关的工艺优化、质量检测与人员培训',
  '面向{t}企业提供设备改造与标准化咨询',
  '建有{t}中试基地，可承接委托研发与技术转让',
  '长期从事{t}研究，具有丰富的产业化经验',
];
const GENERIC_KEYWORDS = ['技术服务', '研发平台', '工艺优化', '质量检测', '标准化', '技术转让', '解决方案', '人员培训'];
/** A spread of real county-level codes across provinces. */
const REGIONS = ['110108', '310115', '320506', '330108', '440305', '430104', '510107', '420111', '370102', '610131', '350203', '340104', '500112', '210204', '230103', '120116', '130102', '410105', '360111', '450103'];

/** A small seeded PRNG (mulberry32): the same seed yields the same catalogue. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PREFIX: Record<SupplyKind, string> = { institution: 'inst', expert: 'expert', achievement: 'ach', 'service-agency': 'svc', 'finance-product': 'fin', 'shared-equipment': 'equip' };

export function generateDistractors(count = 5000, seed = 20261206): SupplyItem[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const items: SupplyItem[] = [];
  for (let i = 0; i < count; i++) {
    const kind = pick(SUPPLY_KIND_CODES);
    const topic = pick(DISTRACTOR_TOPICS);
    const second = pick(DISTRACTOR_TOPICS);
    const technicalField: TechnicalField = pick(TECHNICAL_FIELD_CODES);
    const regionCode = pick(REGIONS);
    const organisation = `${pick(['华东', '华南', '西部', '北方', '中部', '沿海', '东北', '西南'])}${topic}${pick(ORGANISATIONS)}`;
    const summary = `${pick(PHRASES).replace('{t}', topic)}；${pick(PHRASES).replace('{t}', second)}。`;
    const item: SupplyItem = {
      id: `${PREFIX[kind]}-z${i.toString(36).padStart(5, '0')}`,
      kind,
      name: `${topic}${pick(['技术平台', '关键技术', '服务', '专家团队', '成套装备', '工艺包'])}`,
      organisation,
      summary,
      technicalField,
      keywords: [topic, second, pick(GENERIC_KEYWORDS), pick(GENERIC_KEYWORDS)],
      regionCode,
    };
    if (kind === 'achievement') Object.assign(item, { trl: 1 + Math.floor(random() * 9), details: { ipType: 'invention-patent' } });
    if (kind === 'service-agency') item.details = { serviceTypes: [pick(['testing-certification', 'consulting', 'technology-intermediary', 'intellectual-property', 'talent-services', 'standardisation'])] };
    if (kind === 'finance-product') item.details = { providerType: 'bank', productType: pick(['credit-loan', 'ip-pledge-loan', 'financial-leasing', 'subsidy']), amountMinFen: 0, amountMaxFen: 100_000_000 * (1 + Math.floor(random() * 50)) };
    if (kind === 'shared-equipment') item.details = { instrument: `${topic}专用检测仪`, location: organisation, bookingTerms: '提前三天预约' };
    items.push(item);
  }
  return items;
}

/** The premise: no need mentions a distractor topic. Returns the needs that do (to fix the set). */
export function needsAboutDistractorTopics(needs: readonly { id: string; need: { title: string; description: string } }[]): string[] {
  return needs.filter(({ need }) => DISTRACTOR_TOPICS.some((t) => `${need.title}${need.description}`.includes(t))).map((n) => n.id);
}
