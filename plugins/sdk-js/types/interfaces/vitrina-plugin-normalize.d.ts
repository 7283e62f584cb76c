declare module 'vitrina:plugin/normalize@0.2.0' {
  /**
   * Text as published: NFC, whitespace runs collapsed, trimmed.
   */
  export function cleanText(text: string): string;
  /**
   * A column title as a field name: lowercase ASCII letters, digits and
   * `_`, starting with a letter; Cyrillic by the official Bulgarian
   * transliteration (`Сума (лв.)` → `suma_lv`). What a harvester names a
   * source's columns by.
   */
  export function machineName(title: string): string;
  /**
   * A number as Bulgarian sources write it (`1 234,56`, `1.234,56`,
   * `12,5 %`, `-`), as an exact decimal with the digits the source
   * wrote (`1 234,50` is `1234.50`); none for an empty cell or a dash.
   */
  export function parseNumber(text: string): string | undefined;
  /**
   * A date as Bulgarian sources write it (`26.03.2024`, `26.03.2024 г.`,
   * `26 март 2024`, `2024-03-26`), as `YYYY-MM-DD`.
   */
  export function parseDate(text: string): string;
  /**
   * An amount in leva as euro: at the fixed rate 1.95583, rounded half
   * up to the cent, as the euro changeover law requires. Decimal text in
   * and out.
   */
  export function bgnToEur(amount: string): string;
  /**
   * The currency amounts of a date are in: `BGN` before 2026-01-01,
   * `EUR` from then on. The date as `YYYY-MM-DD`.
   */
  export function currencyOn(date: string): string;
  /**
   * Whether a ЕИК/БУЛСТАТ (9 or 13 digits) has valid check digits.
   */
  export function isValidEik(text: string): boolean;
  /**
   * Decodes bytes whose encoding the source may not say: by their
   * byte-order mark, else by `label` (an HTTP or `<meta>` charset) when
   * it names UTF-8 or windows-1251 and the bytes decode under it, else
   * as UTF-8 when they are valid UTF-8, else as windows-1251.
   */
  export function decode(bytes: Uint8Array, label: string | undefined): Decoded;
  /**
   * How bytes were decoded.
   */
  export interface Decoded {
    /**
     * The text, valid UTF-8.
     */
    text: string,
    /**
     * The encoding used (`UTF-8`, `windows-1251`, ...).
     */
    encoding: string,
  }
}
