import { normalizeForSearch } from './normalize';
import { VARIANT_KANJI } from './variant-kanji';

// Rules an engineer extending the table must keep; each one, broken, silently loses matches.
describe('VARIANT_KANJI', () => {
  it.each(VARIANT_KANJI.map(([variant, common]) => [variant, common]))('%s → %s is a usable row', (variant, common) => {
    // One character each (code points: 𠮷 is two UTF-16 units).
    expect([...variant]).toHaveLength(1);
    expect([...common]).toHaveLength(1);
    expect(variant).not.toBe(common);
    // NFKC runs before the table: a key NFKC changes would never be looked up.
    expect(variant.normalize('NFKC')).toBe(variant);
    expect(common.normalize('NFKC')).toBe(common);
    // Both are ideographs, not kana or Latin the other steps already handle.
    expect(variant).toMatch(/^\p{Script=Han}$/u);
    expect(common).toMatch(/^\p{Script=Han}$/u);
    expect(normalizeForSearch(variant)).toBe(common);
  });

  it('has each variant once, and never a common form that is itself a variant (no chains)', () => {
    const variants = VARIANT_KANJI.map(([variant]) => variant);
    expect(new Set(variants).size).toBe(variants.length);
    const variantSet = new Set(variants);
    for (const [, common] of VARIANT_KANJI) expect(variantSet.has(common)).toBe(false);
  });

  it('holds the folds the contract names', () => {
    const table = new Map(VARIANT_KANJI);
    const named: Array<[string, string]> = [
      ['髙', '高'], ['﨑', '崎'], ['嵜', '崎'], ['齋', '斎'], ['齊', '斎'], ['邊', '辺'], ['邉', '辺'],
      ['濵', '浜'], ['濱', '浜'], ['澤', '沢'], ['廣', '広'], ['德', '徳'], ['國', '国'], ['櫻', '桜'],
      ['藏', '蔵'], ['竝', '並'], ['瀨', '瀬'], ['凜', '凛'], ['曻', '昇'], ['冨', '富'], ['嶋', '島'], ['峯', '峰'],
    ];
    for (const [variant, common] of named) expect(table.get(variant)).toBe(common);
    // Conservative: 籠 and 篭 are not a personal-name pair.
    expect(table.has('籠')).toBe(false);
  });
});
