import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';

/**
 * Tokenisation of Chinese / mixed ASCII text for relevance scoring.
 * Search-mode segmentation (cutForSearch) emits compound words *and* their dictionary parts
 * (碳化硅 → 碳化, 化硅, 碳化硅), so a need saying 电池 still meets a supply saying 锂电池.
 */

/**
 * Domain terms jieba's default dictionary splits apart; loaded so they also survive as whole words.
 * (@node-rs/jieba v2 `loadDict` merges extra "word freq [tag]" lines into the loaded dictionary.)
 */
export const DOMAIN_TERMS: readonly string[] = [
  '碳化硅', '氮化镓', '功率器件', '功率模块', '芯片设计', '集成电路', '机器视觉', '工业机器人', '协作机器人',
  '固态电池', '钠离子电池', '固态电解质', '钙钛矿', '基因测序', '高通量测序', '液体活检', '生物医药',
  '石墨烯', '导热膜', '碳纤维', '热障涂层', '增材制造', '数字孪生', '工业互联网', '隐私计算', '联邦学习',
  '碳捕集', '土壤修复', '电解水制氢', '质子交换膜', '余热回收', '失效分析', '毫米波', '五轴', '银烧结',
];

/** High enough that the DAG prefers the whole word over its parts. */
const DOMAIN_TERM_FREQ = 2000;

/**
 * Multi-character words that carry no matching signal in need / supply descriptions: request filler
 * (希望, 寻求), generic verbs (进行, 实现, 提升, 改进) and words present in nearly every text (技术, 企业, 研究, 开发).
 * Kept deliberately short: domain words (工艺, 设计, 材料, 检测, 系统, 服务 …) must stay.
 */
const STOP_WORDS = new Set<string>([
  // request filler / the enterprise talking about itself
  '需求', '需要', '希望', '寻求', '寻找', '企业', '公司', '我司', '本公司', '我们', '目前', '现有',
  // generic verbs and connectives
  '进行', '开展', '提供', '实现', '解决', '提升', '提高', '改进', '能够', '通过', '以及', '一种', '一个', '相关', '方面', '问题',
  // words in (almost) every brokerage text: no discriminating power
  '技术', '研究', '研发', '开发', '合作', '项目', '产品', '应用',
  // ASCII function words
  'the', 'and', 'of', 'for', 'on', 'in', 'to', 'with', 'an',
]);

/** Single characters are mostly noise (的, 与, 年, 某); these few are domain words on their own (氢能 → 氢). */
const SINGLE_CHAR_KEEP = new Set<string>(['氢', '锂', '钠', '硅', '碳', '钢', '铝', '铜', '钛', '镁', '膜']);

const HAS_LETTER = /\p{L}/u;

let instance: Jieba | undefined;

/** Loading the 5 MB default dictionary takes ~0.2 s, so do it once, on first use. */
function jieba(): Jieba {
  if (!instance) {
    instance = Jieba.withDict(dict);
    instance.loadDict(toDictLines(DOMAIN_TERMS));
  }
  return instance;
}

function toDictLines(words: readonly string[]): Buffer {
  return Buffer.from(words.map((w) => `${w} ${DOMAIN_TERM_FREQ} n`).join('\n') + '\n');
}

/**
 * Adds domain words to the shared segmenter. Call before building any index: text indexed earlier
 * was segmented without them and would no longer tokenise the same way as new queries.
 */
export function registerDomainTerms(words: readonly string[]): void {
  const clean = words.map((w) => w.trim()).filter((w) => w.length > 1 && !/\s/.test(w));
  if (clean.length > 0) jieba().loadDict(toDictLines(clean));
}

/** Whether a (normalised) token is worth indexing / querying. */
export function isMeaningfulToken(token: string): boolean {
  if (!HAS_LETTER.test(token)) return false; // punctuation, whitespace, bare numbers (300, 2024)
  if (STOP_WORDS.has(token)) return false;
  if ([...token].length === 1) return SINGLE_CHAR_KEEP.has(token);
  return true;
}

/** Segments text into lower-cased, meaningful search-mode tokens (duplicates kept: they are term frequency). */
export function tokenizeChinese(text: string): string[] {
  // NFKC folds full-width ASCII (ＭＥＭＳ, ＡＩ) to ASCII before segmentation.
  const normalised = text.normalize('NFKC');
  const tokens: string[] = [];
  for (const raw of jieba().cutForSearch(normalised, true)) {
    const token = raw.trim().toLowerCase();
    if (token && isMeaningfulToken(token)) tokens.push(token);
  }
  return tokens;
}
