"""The study's colours: fixed palettes for its places, periods and levels.

The plotting toolkit (:mod:`discourse.plotting`) knows no city, period or
administrative level; the notebooks pass these palettes in. A colour is tied
to the variable that matters: a place keeps its colour across years (every
document of a place is drawn in the place's colour), the national policy
periods and the administrative levels have fixed colours.

Examples
--------
>>> PERIOD_COLORS["动态清零"]
'#EE8866'
>>> docs = pd.DataFrame({"label": ["Hami 2021", "Hami 2022", "Jiyuan 2021"],
...                      "place": ["Hami", "Hami", "Jiyuan"]})
>>> colors = label_colors(docs)
>>> colors["Hami 2021"] == colors["Hami 2022"] != colors["Jiyuan 2021"]
True
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from discourse.plotting.style import group_colors

#: Colour per city of the bundled corpus (Okabe-Ito, colour-blind safe).
CITY_COLORS: dict[str, str] = {
    "Hami": "#0072B2",
    "Changzhi": "#D55E00",
    "Jiyuan": "#009E73",
    "XX-1": "#CC79A7",
    "XX-2": "#E69F00",
}
#: Other spellings of the same cities (Chinese names, doc ids).
CITY_ALIASES: dict[str, str] = {
    "哈密市": "Hami", "哈密": "Hami", "hami": "Hami", "hami-2020": "Hami",
    "长治市": "Changzhi", "长治": "Changzhi", "changzhi": "Changzhi", "changzhi-2022": "Changzhi",
    "济源市": "Jiyuan", "济源": "Jiyuan", "jiyuan": "Jiyuan", "jiyuan-2022": "Jiyuan",
    "xx-1": "XX-1", "xx-2021": "XX-1", "xx-2": "XX-2", "xx-2022": "XX-2",
}
#: Colour per national policy period (Paul Tol's light scheme; used as shading).
PERIOD_COLORS: dict[str, str] = {
    "应急": "#BBBBBB",
    "常态化": "#77AADD",
    "动态清零": "#EE8866",
    "优化": "#44BB99",
    "乙类乙管": "#DDDDDD",
}
#: Colour per administrative level of the panel (Paul Tol's bright scheme).
LEVEL_COLORS: dict[str, str] = {
    "national": "#BBBBBB",
    "province": "#4477AA",
    "major_city": "#EE6677",
    "prefecture": "#228833",
}
#: Marker per position of a document within its place (first, second, ... in time).
ORDER_MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")


def city_palette() -> dict[str, str]:
    """Every known spelling of a bundled city mapped to its colour.

    Examples
    --------
    >>> city_palette()["哈密市"] == city_palette()["Hami"]
    True
    """
    out = dict(CITY_COLORS)
    out.update({alias: CITY_COLORS[city] for alias, city in CITY_ALIASES.items()})
    return out


def place_colors(places: Iterable[object]) -> dict[object, str]:
    """Colours of places: the bundled cities' fixed ones, others hashed without clashes.

    Examples
    --------
    >>> place_colors(["Hami", "Paris"])["Hami"]
    '#0072B2'
    """
    return group_colors(places, palette=city_palette())


def label_colors(docs: pd.DataFrame, *, label_col: str = "label", place_col: str = "place") -> dict[str, str]:
    """Document label -> the colour of its place (a place keeps its colour across years).

    Without a place column each label is its own group.
    """
    if place_col not in docs.columns:
        return {str(k): v for k, v in place_colors(docs[label_col].astype(str)).items()}
    place = docs[place_col].astype("string").fillna(docs[label_col].astype(str))
    pc = place_colors(place.unique())
    return {str(lab): pc[p] for lab, p in zip(docs[label_col].astype(str), place)}


def label_markers(docs: pd.DataFrame, *, label_col: str = "label", place_col: str = "place",
                  date_col: str = "date") -> dict[str, str]:
    """Document label -> a marker for its rank in time within its place (first: circle, ...).

    Examples
    --------
    >>> docs = pd.DataFrame({"label": ["a", "b"], "place": ["P", "P"],
    ...                      "date": pd.to_datetime(["2021-01-01", "2022-01-01"])})
    >>> label_markers(docs)
    {'a': 'o', 'b': 's'}
    """
    if place_col not in docs.columns:
        return {str(lab): "o" for lab in docs[label_col]}
    d = docs[[label_col, place_col] + ([date_col] if date_col in docs.columns else [])].copy()
    sort = [place_col] + ([date_col] if date_col in d.columns else []) + [label_col]
    d = d.sort_values(sort, kind="mergesort", na_position="last")
    rank = d.groupby(place_col, sort=False, dropna=False).cumcount()
    return {str(lab): ORDER_MARKERS[r % len(ORDER_MARKERS)] for lab, r in zip(d[label_col], rank)}


__all__ = [
    "CITY_ALIASES",
    "CITY_COLORS",
    "LEVEL_COLORS",
    "ORDER_MARKERS",
    "PERIOD_COLORS",
    "city_palette",
    "label_colors",
    "label_markers",
    "place_colors",
]
