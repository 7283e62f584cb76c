#!/usr/bin/env python3
"""Writes fixtures/2026/byudzhet-2026.xlsx: the 2026 budget annex of the demo.

The workbook imitates an annex to a council decision adopting a budget in
euro: a revenue and an expenditure sheet under title rows, a two-row header
whose merged "Бюджет 2026" cell spans one column per fund and an "Общо"
column, codes typed as numbers (Excel drops the leading zero of 01-00 and
stores 1016 for 10-16), function and activity heading rows with the codes in
their own columns, subtotals, a float with binary noise (a formula's cached
result), "x" for "not applicable", and a notes sheet without a table.

The values are invented; only the layout is modelled on real annexes.
Run with openpyxl installed:  python3 make_budget_2026_xlsx.py
"""

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

OUT = Path(__file__).parent / "fixtures" / "2026" / "byudzhet-2026.xlsx"

# (code as typed, name, delegated, local, cofinancing); None = empty cell.
REVENUE = [
    (1301, "Данък върху недвижимите имоти", None, 11_760_000, None),
    (1303, "Данък върху превозните средства", None, 7_950_000, None),
    ("27-07", "Такса за битови отпадъци", None, 17_600_000, None),
    ("31-11", "Обща субсидия за делегираните от държавата дейности", 55_480_300, "x", None),
    (2405, "Приходи от наеми на имущество", None, 2_010_500.5, None),
    ("61-01", "Получени трансфери (+)", 1_250_000, 300_000, None),
]

# ("F", function, name) | ("A", activity, name) | ("L", code, name, d, l, c) | ("S", label)
EXPENDITURE = [
    ("F", 1, "Общи държавни служби"),
    ("A", 122, "Общинска администрация"),
    ("L", 100, "Заплати и възнаграждения за персонала, нает по трудови и служебни правоотношения", 3_120_000, 1_450_000, 310_000),
    ("L", "10-16", "Вода, горива и енергия", "x", 260_000, None),
    # 540000.1 + 0.2 computed by Excel: cached as 540000.2999999999.
    ("L", "10-20", "Разходи за външни услуги", None, 540_000.1 + 0.2, None),
    ("S", "Всичко за дейност 122"),
    ("F", 3, "Образование"),
    ("A", 322, "Неспециализирани училища, без професионални гимназии"),
    ("L", "01-00", "Заплати и възнаграждения за персонала, нает по трудови и служебни правоотношения", 41_200_000, None, 1_800_000),
    ("L", "10-16", "Вода, горива и енергия", 2_100_000, None, 240_000),
    ("A", 311, "Детски градини"),
    ("L", 1016, "Вода, горива и енергия", None, 1_020_000, None),
    ("F", 6, "Жилищно строителство, благоустройство, комунално стопанство и опазване на околната среда"),
    ("A", 623, "Чистота"),
    ("L", "10-20", "Разходи за външни услуги", None, 10_300_000, None),
    ("A", 604, "Осветление на улици и площади"),
    ("L", "10-16", "Вода, горива и енергия", None, 1_700_000, None),
    ("A", 606, "Изграждане, ремонт и поддържане на уличната мрежа"),
    ("L", "51-00", "Основен ремонт на дълготрайни материални активи", None, 6_200_000, None),
    ("L", "52-06", "Изграждане на инфраструктурни обекти", None, 3_000_000, None),
    ("F", 9, "Разходи, некласифицирани в другите функции"),
    ("A", 910, "Разходи за лихви"),
    ("L", "22-00", "Разходи за лихви по заеми от страната", None, 185_000, None),
]

BOLD = Font(bold=True)


def amount(value):
    """An amount as exact decimal, for totals; "x" and empty count as zero."""
    if value is None or value == "x":
        return Decimal(0)
    return Decimal(repr(value)).quantize(Decimal("0.01"))


def number(total):
    """A total as Excel stores it: an int when whole, else a float."""
    return int(total) if total == total.to_integral_value() else float(total)


def funds_total(*values):
    return sum((amount(v) for v in values), Decimal(0))


def title(ws, lines):
    for row, line in enumerate(lines, start=1):
        ws.cell(row=row, column=1, value=line).font = BOLD


def two_row_header(ws, row, labels, first_amount_column):
    for column, label in enumerate(labels, start=1):
        ws.cell(row=row, column=column, value=label).font = BOLD
    last = first_amount_column + 3
    ws.cell(row=row, column=first_amount_column, value="Бюджет 2026").font = BOLD
    ws.merge_cells(start_row=row, start_column=first_amount_column, end_row=row, end_column=last)
    ws.cell(row=row, column=first_amount_column).alignment = Alignment(horizontal="center")
    for offset, fund in enumerate(["Държавни дейности", "Местни дейности", "Дофинансиране", "Общо"]):
        ws.cell(row=row + 1, column=first_amount_column + offset, value=fund).font = BOLD


def put_amounts(ws, row, column, values):
    for offset, value in enumerate(values):
        if value is not None:
            ws.cell(row=row, column=column + offset, value=value)
    ws.cell(row=row, column=column + 3, value=number(funds_total(*values)))


def revenue_sheet(wb):
    ws = wb.active
    ws.title = "Приходи"
    title(ws, ["ОБЩИНА БУРГАС", "БЮДЖЕТ НА ОБЩИНА БУРГАС ЗА 2026 ГОДИНА", "Приложение № 1 – Приходи", "(в евро)"])
    two_row_header(ws, 6, ["§§", "Наименование"], 3)
    row = 8
    sums = [Decimal(0)] * 3
    for code, name, *values in REVENUE:
        ws.cell(row=row, column=1, value=code)
        ws.cell(row=row, column=2, value=name)
        put_amounts(ws, row, 3, values)
        sums = [s + amount(v) for s, v in zip(sums, values)]
        row += 1
    ws.cell(row=row, column=2, value="ВСИЧКО ПРИХОДИ").font = BOLD
    put_amounts(ws, row, 3, [number(s) for s in sums])


def expenditure_sheet(wb):
    ws = wb.create_sheet("Разходи")
    title(ws, ["ОБЩИНА БУРГАС", "БЮДЖЕТ ЗА 2026 г.", "Разходи по функции, дейности и параграфи", "в евро"])
    two_row_header(ws, 6, ["Функция", "Дейност", "§§", "Наименование"], 5)
    row = 8
    grand = [Decimal(0)] * 3
    activity = [Decimal(0)] * 3
    for item in EXPENDITURE:
        kind = item[0]
        if kind == "F":
            ws.cell(row=row, column=1, value=item[1])
            ws.cell(row=row, column=4, value=item[2]).font = BOLD
        elif kind == "A":
            activity = [Decimal(0)] * 3
            ws.cell(row=row, column=2, value=item[1])
            ws.cell(row=row, column=4, value=item[2]).font = BOLD
        elif kind == "L":
            _, code, name, *values = item
            ws.cell(row=row, column=3, value=code)
            ws.cell(row=row, column=4, value=name)
            put_amounts(ws, row, 5, values)
            activity = [s + amount(v) for s, v in zip(activity, values)]
            grand = [s + amount(v) for s, v in zip(grand, values)]
        else:
            ws.cell(row=row, column=4, value=item[1]).font = BOLD
            put_amounts(ws, row, 5, [number(s) for s in activity])
        row += 1
    ws.cell(row=row, column=4, value="ВСИЧКО РАЗХОДИ").font = BOLD
    put_amounts(ws, row, 5, [number(s) for s in grand])


def notes_sheet(wb):
    ws = wb.create_sheet("Бележки")
    ws["A1"] = "Бележки"
    ws["A2"] = "Приложенията са приети с решение на Общинския съвет по т. 3 от дневния ред."


def main():
    wb = Workbook()
    revenue_sheet(wb)
    expenditure_sheet(wb)
    notes_sheet(wb)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    wb.save(OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
