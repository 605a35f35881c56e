"""The figure style: CJK font, colours, labels and reproducible saving.

* The CJK font is Noto Sans CJK SC as shipped by the pinned ``mplfonts``
  package (``mplfonts/fonts/NotoSansCJKsc-Regular.otf``). It is registered with
  matplotlib once (:func:`register_cjk_font`); a system font is never used, so a
  figure looks the same, byte for byte, on every machine with the same lock file.
  Latin glyphs come from the same font; DejaVu Sans (shipped inside matplotlib)
  is the fallback for the few symbols Noto lacks.
* One style file, ``discourse/resources/discourse.mplstyle``, applied by
  :func:`use_style`.
* Colours: a caller's palette (value -> colour; the study's fixed palettes of
  places, periods and levels are in ``discourse.study.palettes``); any other
  value gets a colour from a fallback palette chosen by a hash of its name, so
  it is the same in every figure. Nothing here knows a city or a period.
* :func:`save_figure` writes PNG and SVG under stable names, atomically and
  byte-identical on a rerun.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import io
import re
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.figure import Figure

from discourse import config
from discourse.io import atomic_write_bytes
from collections.abc import Mapping

#: File name of the CJK font inside ``mplfonts/fonts/``.
CJK_FONT_FILE: str = "NotoSansCJKsc-Regular.otf"
#: The family name matplotlib knows the font by.
CJK_FONT_NAME: str = "Noto Sans CJK SC"
#: Latin fallback, shipped with matplotlib itself (deterministic).
LATIN_FALLBACK: str = "DejaVu Sans"
#: Fixed salt for the ids in SVG files.
SVG_HASHSALT: str = "discourse-2020-2022"
#: Resolution of saved PNG files.
DEFAULT_DPI: int = 200
#: The style file.
STYLE_PATH: Path = config.RESOURCES_DIR / "discourse.mplstyle"

_SAVE_METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
}

# -- colours ----------------------------------------------------------------
#: Deprecated, kept empty so that old imports work: the fixed palettes (cities,
#: periods, levels) belong to the study, in ``discourse.study.palettes``, and are
#: passed to the plot functions as ``colors=`` / ``palette=``.
CITY_COLORS: dict[str, str] = {}
PERIOD_COLORS: dict[str, str] = {}
#: Colours for any other group value (Paul Tol's muted scheme plus greys).
FALLBACK_PALETTE: tuple[str, ...] = (
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77",
    "#CC6677", "#882255", "#AA4499", "#6699CC", "#997700", "#555555",
)
#: Marker per date precision on time axes.
PRECISION_MARKERS: dict[str, str] = {"day": "o", "month": "s", "year": "D", "unknown": "X"}

_registered: dict[str, str] = {}
_style_rc: dict | None = None


# -- font -------------------------------------------------------------------
def cjk_font_path() -> Path:
    """Path of the CJK font file shipped by ``mplfonts``.

    Raises
    ------
    FileNotFoundError
        When ``mplfonts`` is not installed or does not ship the font.

    Examples
    --------
    >>> cjk_font_path().name
    'NotoSansCJKsc-Regular.otf'
    """
    try:
        root = importlib.resources.files("mplfonts")
    except ModuleNotFoundError as exc:
        raise FileNotFoundError(
            "the CJK font comes from the 'mplfonts' package, which is not installed; "
            "install the pinned version from requirements.lock"
        ) from exc
    path = Path(str(root / "fonts" / CJK_FONT_FILE))
    if not path.is_file():
        raise FileNotFoundError(
            f"CJK font {CJK_FONT_FILE} not found at {path}; the installed mplfonts "
            "does not ship it (reinstall the pinned version from requirements.lock)"
        )
    return path


def register_cjk_font() -> str:
    """Register the mplfonts CJK font with matplotlib (once) and return its name.

    Any other font file that claims the same family name (e.g. a system copy
    of Noto Sans CJK) is removed from matplotlib's font list, so that the
    lookup always resolves to the file from ``mplfonts``.

    Examples
    --------
    >>> register_cjk_font()
    'Noto Sans CJK SC'
    """
    path = cjk_font_path()
    if _registered.get("path") == str(path):
        return _registered["name"]
    name = font_manager.FontProperties(fname=str(path)).get_name()
    fm = font_manager.fontManager
    fm.ttflist = [f for f in fm.ttflist if not (f.name == name and Path(f.fname) != path)]
    fm.addfont(str(path))  # also clears findfont's cache
    _registered.update(path=str(path), name=name)
    return name


# -- style ------------------------------------------------------------------
def _style_params() -> dict:
    global _style_rc
    if _style_rc is None:
        if not STYLE_PATH.is_file():
            raise FileNotFoundError(f"style file missing: {STYLE_PATH}")
        _style_rc = dict(mpl.rc_params_from_file(str(STYLE_PATH), use_default_template=False))
    name = register_cjk_font()
    rc = dict(_style_rc)
    rc["font.family"] = [name, LATIN_FALLBACK]
    rc["font.sans-serif"] = [name, LATIN_FALLBACK]
    rc["axes.unicode_minus"] = False
    rc["svg.fonttype"] = "path"
    rc["svg.hashsalt"] = SVG_HASHSALT
    return rc


def use_style() -> None:
    """Apply the project style globally (idempotent).

    Registers the CJK font, applies ``discourse.mplstyle`` and sets
    ``font.family`` to the registered font with DejaVu Sans as fallback.

    Examples
    --------
    >>> use_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["font.family"][0], mpl.rcParams["svg.hashsalt"]
    ('Noto Sans CJK SC', 'discourse-2020-2022')
    """
    mpl.rcParams.update(_style_params())


@contextmanager
def style_context():
    """Apply the project style inside a ``with`` block only.

    Examples
    --------
    >>> with style_context():
    ...     import matplotlib.pyplot as plt
    ...     fig = plt.figure()
    """
    with mpl.rc_context(_style_params()):
        yield


def _enable_notebook_display() -> None:
    """In a Jupyter kernel with the inline backend, make Figures display as images.

    matplotlib loads its backend lazily (on the first pyplot figure); the figures
    made here are not pyplot's, so the inline backend, which registers IPython's
    display formatter for ``Figure``, is loaded explicitly. Each Figure then shows
    exactly once, when a cell returns it. Outside IPython this does nothing.
    """
    if _registered.get("display"):
        return
    _registered["display"] = "done"
    import sys

    ipython = sys.modules.get("IPython")
    if ipython is None or ipython.get_ipython() is None:
        return
    try:
        backend = mpl.get_backend(auto_select=False)
    except TypeError:  # matplotlib < 3.10
        backend = mpl.rcParams._get("backend")
    if backend in ("inline", "module://matplotlib_inline.backend_inline"):
        import importlib

        importlib.import_module("matplotlib_inline.backend_inline")


def _ensure_style() -> None:
    _enable_notebook_display()
    rc = mpl.rcParams
    if not (
        rc["svg.hashsalt"] == SVG_HASHSALT
        and list(rc["font.family"])[:1] == [_registered.get("name", CJK_FONT_NAME)]
    ):
        use_style()


# -- colours ----------------------------------------------------------------
def _hash_index(value: str, n: int) -> int:
    return int.from_bytes(hashlib.sha256(value.encode("utf-8")).digest()[:8], "big") % n


def canonical_city(value: object, aliases: Mapping[str, str] | None = None) -> str | None:
    """The canonical name of a value under ``aliases`` (spelling -> name), else None.

    Examples
    --------
    >>> canonical_city("济源市", {"济源市": "Jiyuan"}), canonical_city("Paris")
    ('Jiyuan', None)
    """
    s = str(value).strip()
    if not aliases:
        return None
    return aliases.get(s, aliases.get(s.lower()))


def color_for(value: object, palette: Mapping[str, str] | None = None) -> str:
    """The colour of one group value: from ``palette`` when it names it, else hashed.

    A value missing from ``palette`` gets a colour from
    :data:`FALLBACK_PALETTE` chosen by a SHA-256 hash of its text, so the
    same value has the same colour in every figure and every run (two
    different values may share one; :func:`group_colors` avoids that within a
    figure). The study layer owns the fixed palettes
    (``discourse.study.palettes``).

    Examples
    --------
    >>> color_for("Hami", {"Hami": "#0072B2"})
    '#0072B2'
    >>> color_for("Paris") == color_for("Paris")
    True
    """
    s = str(value)
    if palette is not None and s in palette:
        return palette[s]
    return FALLBACK_PALETTE[_hash_index(s, len(FALLBACK_PALETTE))]


def group_colors(values: Iterable[object], palette: Mapping[str, str] | None = None) -> dict[object, str]:
    """Colours for the distinct values of a group column, without clashes.

    Values named in ``palette`` keep its colour; other values get their
    hashed fallback colour, moving on to the next free palette entry when it
    is taken (values handled in sorted order, so the result is deterministic).

    Examples
    --------
    >>> group_colors(["Jiyuan", "Hami", "Jiyuan"], {"Hami": "#0072B2", "Jiyuan": "#009E73"})
    {'Hami': '#0072B2', 'Jiyuan': '#009E73'}
    >>> len(set(group_colors(["a", "b", "c"]).values()))
    3
    """
    uniq = sorted({v for v in values if v is not None and v == v}, key=str)
    out: dict[object, str] = {}
    taken: set[str] = set()
    unknown = []
    for v in uniq:
        if palette is not None and str(v) in palette:
            out[v] = palette[str(v)]
            taken.add(out[v])
        else:
            unknown.append(v)
    n = len(FALLBACK_PALETTE)
    for v in unknown:
        i = _hash_index(str(v), n)
        for step in range(n):
            c = FALLBACK_PALETTE[(i + step) % n]
            if c not in taken:
                break
        else:
            c = FALLBACK_PALETTE[i]
        out[v] = c
        taken.add(c)
    return {v: out[v] for v in uniq}


def period_color(period: str, colors: Mapping[str, str]) -> str:
    """The colour of a period in the palette the caller passes (e.g. the study's).

    Examples
    --------
    >>> period_color("常态化", {"常态化": "#77AADD"})
    '#77AADD'
    """
    try:
        return colors[period]
    except KeyError:
        raise KeyError(f"unknown period {period!r}; expected one of {list(colors)}") from None


# -- labels -----------------------------------------------------------------
def bilingual(term: object, gloss: object = None, *, sep: str = "\n") -> str:
    """A Chinese term with its English gloss, for axis and tick labels.

    Parameters
    ----------
    term : str
    gloss : str or None
        English gloss; when empty or NA only the term is returned.
    sep : str
        Between term and ``(gloss)``; ``"\\n"`` for tick labels, ``" "`` inline.

    Examples
    --------
    >>> bilingual("动态清零", "dynamic zero-COVID")
    '动态清零\\n(dynamic zero-COVID)'
    >>> bilingual("动态清零", None)
    '动态清零'
    """
    t = "" if term is None else str(term)
    if gloss is None or (not isinstance(gloss, str) and gloss != gloss):
        return t
    g = str(gloss).strip()
    if not g or g == t:
        return t
    return f"{t}{sep}({g})"


def period_label(period: str, glosses: Mapping[str, str] | None = None, *, sep: str = "\n") -> str:
    """A period name with its English gloss from ``glosses`` (``"常态化\\n(normalised prevention)"``).

    Examples
    --------
    >>> period_label("优化", {"优化": "optimisation / reopening"}, sep=" ")
    '优化 (optimisation / reopening)'
    """
    return bilingual(period, (glosses or {}).get(period), sep=sep)


# -- saving -----------------------------------------------------------------
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def save_figure(
    fig: Figure,
    name: str,
    out_dir: str | Path | None = None,
    *,
    formats: Sequence[str] = ("png", "svg"),
    dpi: int = DEFAULT_DPI,
) -> list[Path]:
    """Write a figure as PNG and SVG under stable names, byte-identical on a rerun.

    Parameters
    ----------
    fig : Figure
    name : str
        File stem: letters, digits, ``-`` and ``_`` (e.g. ``"01-document-length"``).
        The files are ``<out_dir>/<name>.png`` and ``<out_dir>/<name>.svg``.
    out_dir : path-like, optional
        Defaults to ``discourse.config.FIGURES_DIR`` (``figures/``, or the
        output folder of a run on another corpus).
    formats : sequence of {"png", "svg", "pdf"}
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.

    Notes
    -----
    Creation dates and software versions are left out of the metadata, SVG
    ids use a fixed salt and text is drawn as paths; each file is rendered in
    memory and moved into place atomically (:mod:`discourse.io`).

    Examples
    --------
    >>> import tempfile
    >>> from matplotlib.figure import Figure
    >>> use_style()
    >>> fig = Figure()
    >>> ax = fig.add_subplot()
    >>> _ = ax.set_title(bilingual("疫情防控", "epidemic prevention and control", sep=" "))
    >>> [p.name for p in save_figure(fig, "example", tempfile.mkdtemp())]
    ['example.png', 'example.svg']
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"save_figure needs a matplotlib Figure, not {type(fig).__name__}")
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValueError(
            f"figure name {name!r} must be letters, digits, '-' or '_' (no folder, no suffix)"
        )
    bad = [f for f in formats if f not in _SAVE_METADATA]
    if bad:
        raise ValueError(f"unsupported figure format(s) {bad}; use {sorted(_SAVE_METADATA)}")
    out = Path(out_dir) if out_dir is not None else Path(config.FIGURES_DIR)
    register_cjk_font()
    written = []
    rc = {"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path", "pdf.fonttype": 42}
    with mpl.rc_context(rc):
        for fmt in formats:
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=dpi, metadata=_SAVE_METADATA[fmt])
            written.append(atomic_write_bytes(out / f"{name}.{fmt}", buf.getvalue()))
    return written


__all__ = [
    "CJK_FONT_FILE",
    "CJK_FONT_NAME",
    "LATIN_FALLBACK",
    "SVG_HASHSALT",
    "DEFAULT_DPI",
    "STYLE_PATH",
    "CITY_COLORS",
    "PERIOD_COLORS",
    "canonical_city",
    "FALLBACK_PALETTE",
    "PRECISION_MARKERS",
    "cjk_font_path",
    "register_cjk_font",
    "use_style",
    "style_context",
    "color_for",
    "group_colors",
    "period_color",
    "bilingual",
    "period_label",
    "save_figure",
]
