#!/usr/bin/env python3
"""Writes a large yearly export of the national procurement register, for
bench/procurement.sh.

Usage: python3 bench/gen-procurement.py ROWS OUT.csv

The file has the register's current layout (the 23 columns of the sample in
plugins/procurement/fixtures/, every field quoted, decimal comma,
dd.mm.yyyy, Да/Не) and is deterministic for a given ROWS. About 90% of the
rows are the Municipality of Burgas's (ЕИК 000056814), the rest other
buyers', so the plugin both filters and emits at scale; contract numbers are
unique, so every Burgas row is a distinct contract. One row in a thousand
has a supplier ЕИК that fails its checksum, and titles carry commas and
quotes inside quoted fields, as real exports do. Contracts of 2026 are in
euro.
"""

import csv
import random
import sys

SEED = 1_000_000
HEADER = ["Пореден номер", "Номер на документ", "Дата на публикуване", "Уникален номер на поръчката",
          "ID на поръчката", "Вид на поръчката", "Предмет на поръчката", "Основен CPV код",
          "Обект на поръчката", "Прогнозна стойност", "Валута на поръчката", "Възложител",
          "ЕИК на възложителя", "Идентификатор на обособена позиция", "Номер на договор",
          "Дата на договор", "Стойност при сключване", "Валута", "ЕИК на изпълнителя", "Изпълнител",
          "EU финансиране", "Брой оферти", "Срок на договора в дни"]

SUBJECTS = [
    ("Текущ ремонт на улична мрежа в ж.к. „{}“, гр. Бургас", "45233142", "Строителство"),
    ("Основен ремонт на ОУ „{}“, гр. Бургас", "45453000", "Строителство"),
    ("Изграждане на велоалея в кв. „{}“", "45233162", "Строителство"),
    ("Доставка на канцеларски материали за нуждите на кметство „{}“", "30192000", "Доставки"),
    ("Доставка на хранителни продукти за ДГ „{}“", "15000000", "Доставки"),
    ("Доставка на горива, смазочни материали и консумативи – район „{}“", "09132000", "Доставки"),
    ("Сметосъбиране и сметоизвозване на битови отпадъци – зона „{}“", "90511000", "Услуги"),
    ("Поддържане на зелените площи в кв. „{}“", "77313000", "Услуги"),
    ("Строителен надзор на обект „Реконструкция на площад „{}“", "71520000", "Услуги"),
]
PLACES = ["Меден рудник", "Изгрев", "Славейков", "Лазур", "Зорница", "Братя Миладинови", "Възраждане",
          "Победа", "Сарафово", "Крайморие", "Долно Езерово", "Ветрен", "Христо Ботев", "Васил Левски"]
PROCEDURES = ["Публично състезание", "Открита процедура", "Събиране на оферти с обява", "Пряко договаряне",
              "Договаряне без предварително обявление", "Покана до определени лица"]
SUPPLIERS = ["„Пътни строежи – Бургас“ ЕООД", "„Черноморска строителна компания“ АД", "„Офис Партнер“ ООД",
             "„Хранинвест Бургас“ ЕООД", "ДЗЗД „Чисто Бургас“", "„Зелени системи Бургас“ ЕООД",
             "„Надзор Консулт“ ЕООД", "„Петрол Бургас“ ООД"]
OTHERS = ["Община Созопол", "Община Несебър", "УМБАЛ – Бургас АД"]


def check_digit(digits, first, second):
    total = sum(int(d) * w for d, w in zip(digits, first)) % 11
    if total == 10:
        total = sum(int(d) * w for d, w in zip(digits, second)) % 11
    return "0" if total == 10 else str(total)


def eik(rng):
    body = "".join(str(rng.randint(0, 9)) for _ in range(8))
    return body + check_digit(body, range(1, 9), range(3, 11))


def amount(cents):
    return f"{cents // 100},{cents % 100:02d}"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[3])
    rows, path = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(SEED)
    supplier_eiks = [eik(rng) for _ in SUPPLIERS]
    others = [(name, eik(rng)) for name in OTHERS]
    titles = [(t.format(p), cpv, cat) for t, cpv, cat in SUBJECTS for p in PLACES]
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(HEADER)
        batch = []
        for n in range(1, rows + 1):
            year = 2020 + n * 7 // (rows + 1)
            currency = "EUR" if year >= 2026 else "BGN"
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            title, cpv, category = titles[rng.randrange(len(titles))]
            estimate = rng.randint(2_000_000, 900_000_000)
            s = rng.randrange(len(SUPPLIERS))
            buyer = ("Община Бургас", "000056814") if rng.random() < 0.9 else others[n % len(others)]
            supplier_eik = supplier_eiks[s] if n % 1000 else "123456789"
            batch.append([
                n, 540_000 + n, f"{min(day + 3, 28):02d}.{month:02d}.{year}",
                f"00123-{year}-{rng.randint(1, 9999):04d}", 400_000 + n, PROCEDURES[n % len(PROCEDURES)],
                title, cpv, category, amount(estimate), currency, buyer[0], buyer[1],
                str(n % 4) if n % 4 else "", f"Д-{n}/{year}", f"{day:02d}.{month:02d}.{year}",
                amount(estimate * rng.randint(70, 100) // 100), currency, supplier_eik, SUPPLIERS[s],
                "Да" if n % 5 == 0 else "Не", rng.randint(1, 7), rng.choice((90, 180, 365, 730)),
            ])
            if len(batch) == 10_000:
                writer.writerows(batch)
                batch.clear()
        writer.writerows(batch)


if __name__ == "__main__":
    main()
