/**
 * Variant kanji (異体字・旧字体) folded to their common form for name search.
 *
 * Basis: the 旧字体/新字体 and 異体字 relations recorded by 法務省 for family registers
 * (戸籍統一文字情報, and the 人名用漢字 of 戸籍法施行規則 別表第二), as carried into
 * JIS X 0213 and the MJ縮退マップ (文字情報基盤) that 住基・戸籍 systems use to reduce a
 * registered name to everyday characters. Only pairs that residents, staff and older
 * systems genuinely write interchangeably in personal names are listed; search over-matching
 * a name is cheap (staff look at the result), but folding characters that name different
 * people would also make `POST /cases/locate` report false matches, so stay conservative.
 *
 * Not needed here: CJK compatibility ideographs with a canonical decomposition (神 U+FA19,
 * 﨟 …) are already folded by NFKC, and ideographic variation selectors (辻󠄀, 葛󠄀) are
 * stripped by the normaliser. 﨑 (U+FA11) is one of the twelve compatibility-block
 * characters without a decomposition, so it does need an entry.
 *
 * To extend: add one `[variant, common]` row (each a single character, already NFKC-stable,
 * the common form never itself a variant); `variant-kanji.spec.ts` checks those rules.
 */
export const VARIANT_KANJI: ReadonlyArray<readonly [variant: string, common: string]> = [
  // Named by the contract
  ['髙', '高'], // はしごだか: 髙橋
  ['﨑', '崎'], // たつさき: 山﨑 (U+FA11)
  ['嵜', '崎'], // 山嵜
  ['齋', '斎'], // 齋藤
  ['齊', '斎'], // 齊藤 — 齊 is the old form of 斉; see 斉 below
  ['邊', '辺'], // 渡邊
  ['邉', '辺'], // 渡邉
  ['濵', '浜'], // 濵田 (俗字 of 濱)
  ['濱', '浜'], // 濱田
  ['澤', '沢'], // 澤田, 小澤
  ['廣', '広'], // 廣瀬
  ['德', '徳'], // 德永
  ['國', '国'], // 國分
  ['櫻', '桜'], // 櫻井
  ['藏', '蔵'], // 藏本
  ['竝', '並'], // 竝木
  ['瀨', '瀬'], // 廣瀨
  ['凜', '凛'], // 凜 / 凛 (both 人名用漢字, one name)
  ['曻', '昇'], // 曻
  ['冨', '富'], // 冨田
  ['嶋', '島'], // 中嶋
  ['峯', '峰'], // 峯岸
  // The さいとう family: 齊 (above) is the old form of 斉, and 斉藤/斎藤 are the commonest
  // mix-up at a desk; folding 齊 without 斉 would make 齊藤 find 斎藤 but not 斉藤.
  ['斉', '斎'],
  // Other 俗字・旧字体 common in surnames and given names
  ['嶌', '島'], // 中嶌
  ['𠮷', '吉'], // つちよし: 𠮷田 (U+20BB7, outside the BMP)
  ['惠', '恵'], // 惠子
  ['眞', '真'], // 眞理子
  ['槇', '槙'], // 槇原 / 槙原
  ['栁', '柳'], // 栁田
  ['桒', '桑'], // 桒原
  ['瀧', '滝'], // 瀧本
  ['增', '増'], // 增田
  ['條', '条'], // 北條
  ['壽', '寿'], // 壽一
  ['榮', '栄'], // 榮子
  ['圓', '円'], // 圓山
];
