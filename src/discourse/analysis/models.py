"""Count models for rates per report: Poisson / negative binomial with exposure.

A term's count in a report is modelled with the report's token count as the
exposure (``log(exposure)`` enters the linear predictor as an offset with
coefficient 1), so a coefficient is a log *rate ratio*. Nothing here knows
about a particular corpus: counts, exposures, terms, fixed effects and
clusters are column names passed in.

* :class:`RateModel` / :func:`rate_model`: one formula, fitted by pyfixest's
  ``fepois`` (Poisson, fixed effects absorbed, ``offset=``) or by statsmodels
  (``GLM(Poisson)`` with the fixed effects as dummies; ``NegativeBinomial``,
  NB2 with the dispersion α estimated by maximum likelihood). Standard errors
  are cluster-robust (CRV1) when ``cluster`` is given, heteroskedasticity
  robust otherwise, with the small-sample factor of fixest / pyfixest
  (``G/(G-1) · (N-1)/(N-K)``, fixed effects nested in the clusters not
  counted in K), so that both backends give the same numbers.
  Intervals and p-values use Student's t with G − 1 degrees of freedom when
  clustered (Cameron & Miller 2015, "A practitioner's guide to
  cluster-robust inference", J. Human Resources 50(2), section VI), the
  normal distribution otherwise.
* :func:`predicted_rates`: rates (per ``per`` exposure units) with intervals
  on a grid of covariate values, for plotting rates by year × level.
* :func:`shrunken_deviations`: which groups (places) deviate most from the
  rate a model expects, with empirical-Bayes Poisson–Gamma shrinkage
  (Clayton & Kaldor 1987; Marshall 1991), so that a place with two short
  passages does not top the list.

Few clusters: the CRV1 variance is biased downwards and Wald tests over-reject
when clusters are few (Cameron, Gelbach & Miller 2008, REStat 90(3);
MacKinnon & Webb 2017). Below ``min_clusters`` (default 10) the model
refuses to report clustered errors instead of printing intervals that are too
narrow; between 10 and about 30-50 clusters the t(G − 1) reference is a
partial remedy only. (pyfixest's wild cluster bootstrap is implemented for
OLS only, not for ``fepois``, so it is not offered here.)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sst
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

_FAMILIES = ("poisson", "negbin")
_BACKENDS = ("pyfixest", "statsmodels")
_OFFSET = "__log_exposure__"

TABLE_COLUMNS = [
    "term", "estimate", "std_error", "rate_ratio", "rr_low", "rr_high", "p_value",
    "n_obs", "n_clusters", "family", "backend", "formula", "vcov", "dispersion",
]


def _as_list(x) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


def _required_variables(terms: Sequence[str]) -> list[str]:
    from formulaic import Formula

    if not terms:
        return []
    return sorted(Formula(" + ".join(terms)).required_variables)


def _drop_uninformative(df: pd.DataFrame, fes: list[str], count: str) -> pd.DataFrame:
    """Drop fixed-effect groups with one observation or only zero counts.

    Such a group's own effect fits its observations exactly (or goes to -inf),
    so they add nothing to the other coefficients; pyfixest drops them too
    (``fixef_rm="singleton"`` and its separation check). Repeated until
    nothing changes, because dropping one FE's groups can create another's.
    """
    while fes:
        keep = np.ones(len(df), dtype=bool)
        for fe in fes:
            g = df.groupby(fe, sort=False, observed=True)[count]
            size = g.transform("size").to_numpy()
            total = g.transform("sum").to_numpy()
            keep &= (size > 1) & (total > 0)
        if keep.all():
            break
        df = df.loc[keep]
    return df


def _absorbed_columns(X: pd.DataFrame, df: pd.DataFrame, fes: list[str]) -> list[str]:
    """Columns of *X* that the fixed effects absorb (no within-group variation).

    Alternating within-group demeaning (exact for one fixed effect).
    """
    if not fes or X.shape[1] == 0:
        return []
    codes = [pd.factorize(df[fe])[0] for fe in fes]
    out = []
    for name in X.columns:
        x = X[name].to_numpy(dtype=np.float64).copy()
        scale = np.abs(x).max() or 1.0
        for _ in range(1 if len(fes) == 1 else 100):
            for c in codes:
                means = np.bincount(c, weights=x) / np.bincount(c)
                x -= means[c]
        if np.abs(x).max() <= 1e-9 * scale:
            out.append(name)
    return out


def _nb2_loglik(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """NB2 log-likelihood (Cameron & Trivedi 2013, eq. 3.26)."""
    from scipy.special import gammaln

    r = 1.0 / alpha
    return float(np.sum(gammaln(y + r) - gammaln(r) - gammaln(y + 1)
                        + y * np.log(alpha * mu / (1 + alpha * mu)) - r * np.log1p(alpha * mu)))


def _alpha_given_mu(y: np.ndarray, mu: np.ndarray) -> float:
    from scipy.optimize import minimize_scalar

    opt = minimize_scalar(lambda la: -_nb2_loglik(y, mu, float(np.exp(la))),
                          bounds=(np.log(1e-8), np.log(1e3)), method="bounded",
                          options={"xatol": 1e-8})
    return float(np.exp(opt.x))


def _fit_alpha(y: np.ndarray, X: np.ndarray, offset: np.ndarray, start: np.ndarray,
               max_outer: int = 200, tol: float = 1e-7) -> tuple[float, np.ndarray]:
    """NB2 dispersion α and coefficients by maximum likelihood.

    Alternates the ML α given the fitted means (a one-dimensional search)
    with the IRLS fit of ``GLM(NegativeBinomial(alpha))`` given α, warm
    started, until α changes by less than ``tol·α + 1e-7`` (the absolute part
    ends the search at the Poisson boundary α → 0): the algorithm
    of ``MASS::glm.nb`` (Venables & Ripley 2002, section 7.4).
    """
    import statsmodels.api as sm

    params = np.asarray(start, dtype=np.float64)
    alpha = np.nan
    for _ in range(max_outer):
        mu = np.exp(X @ params + offset)
        new = _alpha_given_mu(y, mu)
        fam = sm.families.NegativeBinomial(alpha=new)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # two IRLS steps per update of alpha; the caller refits to convergence
            new_params = np.asarray(
                sm.GLM(y, X, family=fam, offset=offset).fit(start_params=params, maxiter=2).params
            )
        step = float(np.max(np.abs(new_params - params)))
        params = new_params
        if np.isfinite(alpha) and abs(new - alpha) <= tol * alpha + 1e-7 and step < 1e-6:
            alpha = new
            break
        alpha = new
    else:
        raise RuntimeError(f"negative binomial: alpha did not converge in {max_outer} iterations")
    return float(alpha), params


class RateModel(BaseEstimator):
    """Poisson or negative-binomial rate model with exposure, FE and clustered SEs.

    ``log E[count] = log(exposure) + X β (+ fixed effects)``; ``exp(β)`` is a
    rate ratio.

    Parameters
    ----------
    count : str
        Column of non-negative integer counts.
    exposure : str
        Column of positive exposures (e.g. tokens per report); its log is the
        offset.
    terms : list of str
        Right-hand-side terms in Wilkinson notation as formulaic parses them,
        e.g. ``["C(year)", "C(level)"]``. The reference level of ``C(x)`` is
        the first category of ``x`` (set it with ``reference``).
    fixed_effects : str or list of str, optional
        Columns whose levels get their own intercept (absorbed by pyfixest,
        dummies in statsmodels). A term that does not vary within them (a
        place's level under place effects) cannot be estimated: fitting
        raises a ValueError naming it.
    cluster : str, optional
        Column of clusters for CRV1 standard errors (e.g. province). None:
        heteroskedasticity-robust (HC1) errors.
    family : {"poisson", "negbin"}
        ``"negbin"``: NB2 (variance μ + αμ²), α by maximum likelihood
        (alternating with statsmodels ``GLM(NegativeBinomial(alpha))`` fits,
        as ``MASS::glm.nb``; the coefficients' errors are conditional on
        α̂, which is asymptotically independent of β in NB2, Lawless 1987,
        Canadian J. Statistics 15(3)); with fixed effects as dummies the
        incidental-parameter bias is small for groups of several reports
        (Allison & Waterman 2002, Sociological Methodology 32).
    backend : {"pyfixest", "statsmodels"}, optional
        Default: pyfixest for Poisson, statsmodels for the negative binomial
        (pyfixest has no negative-binomial estimator).
    reference : dict, optional
        ``{column: level}``: make *level* the reference category of *column*.
    min_clusters : int, default 10
        Refuse clustered errors with fewer clusters (see the module notes).
    ci : float, default 0.95

    Attributes
    ----------
    table_ : DataFrame
        Tidy coefficient table (see :func:`rate_model`).
    coef_ : Series, cov_ : DataFrame
        Coefficients and their (corrected) covariance, non-FE terms.
    formula_ : str
    n_obs_, n_clusters_, n_dropped_ : int
        Observations used, clusters, rows dropped as uninformative for the
        fixed effects (singletons, groups with only zero counts).
    dispersion_ : float
        α of the negative binomial (NaN for Poisson).
    backend_ : str

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"g": np.repeat(list("abcdefghijkl"), 20),
    ...                    "x": np.tile([0, 1], 120), "n": 1000})
    >>> df["y"] = rng.poisson(5 * np.exp(0.5 * df.x))
    >>> m = RateModel(count="y", exposure="n", terms=["x"], cluster="g",
    ...               backend="statsmodels").fit(df)
    >>> round(float(m.table_.set_index("term").loc["x", "rate_ratio"]), 1)
    1.6
    """

    def __init__(
        self,
        *,
        count: str,
        exposure: str,
        terms: Sequence[str] = (),
        fixed_effects: str | Sequence[str] | None = None,
        cluster: str | None = None,
        family: str = "poisson",
        backend: str | None = None,
        reference: Mapping[str, object] | None = None,
        min_clusters: int = 10,
        ci: float = 0.95,
    ) -> None:
        self.count = count
        self.exposure = exposure
        self.terms = terms
        self.fixed_effects = fixed_effects
        self.cluster = cluster
        self.family = family
        self.backend = backend
        self.reference = reference
        self.min_clusters = min_clusters
        self.ci = ci

    # -- validation and data ---------------------------------------------
    def _check_params(self) -> str:
        if self.family not in _FAMILIES:
            raise ValueError(f"family must be one of {_FAMILIES}, got {self.family!r}")
        backend = self.backend or ("pyfixest" if self.family == "poisson" else "statsmodels")
        if backend not in _BACKENDS:
            raise ValueError(f"backend must be one of {_BACKENDS}, got {backend!r}")
        if backend == "pyfixest" and self.family == "negbin":
            raise ValueError(
                "pyfixest has no negative-binomial estimator; use backend='statsmodels' "
                "for family='negbin'"
            )
        if not 0 < self.ci < 1:
            raise ValueError(f"ci must be in (0, 1), got {self.ci}")
        return backend

    def _prepare(self, df: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"expected a DataFrame, got {type(df).__name__}")
        fes = _as_list(self.fixed_effects)
        variables = _required_variables(list(self.terms))
        need = [self.count, self.exposure, *variables, *fes] + ([self.cluster] if self.cluster else [])
        missing = [c for c in dict.fromkeys(need) if c not in df.columns]
        if missing:
            raise KeyError(f"data has no column(s) {missing}; columns are {list(df.columns)}")
        data = df[list(dict.fromkeys(need))].copy()
        for col in data.columns:
            bad = data[col].isna().to_numpy()
            if bad.any():
                raise ValueError(
                    f"column {col!r} has {int(bad.sum())} missing value(s), first at index "
                    f"{data.index[bad][0]!r}; drop or fill them before fitting"
                )
        y = pd.to_numeric(data[self.count], errors="raise").to_numpy(dtype=np.float64)
        if (y < 0).any() or not np.allclose(y, np.round(y)):
            i = data.index[(y < 0) | ~np.isclose(y, np.round(y))][0]
            raise ValueError(f"column {self.count!r} must hold non-negative integer counts "
                             f"(index {i!r}: {data.loc[i, self.count]!r})")
        e = pd.to_numeric(data[self.exposure], errors="raise").to_numpy(dtype=np.float64)
        if not (np.isfinite(e) & (e > 0)).all():
            i = data.index[~(np.isfinite(e) & (e > 0))][0]
            raise ValueError(f"column {self.exposure!r} must be positive and finite "
                             f"(index {i!r}: {data.loc[i, self.exposure]!r})")
        data[self.count] = y
        data[_OFFSET] = np.log(e)
        for col, level in (self.reference or {}).items():
            if col not in data.columns:
                raise KeyError(f"reference names column {col!r}, which no term uses")
            cats = list(pd.Categorical(data[col]).categories)
            if level not in cats:
                raise ValueError(f"reference level {level!r} not among the values of {col!r}: {cats}")
            data[col] = pd.Categorical(data[col], categories=[level] + [c for c in cats if c != level])
        return data

    # -- fitting ----------------------------------------------------------
    def fit(self, df: pd.DataFrame, y=None) -> RateModel:
        """Fit on a tidy table with one row per observation (report)."""
        from formulaic import model_matrix

        backend = self._check_params()
        data = self._prepare(df)
        fes = _as_list(self.fixed_effects)
        n_in = len(data)
        data = _drop_uninformative(data, fes, self.count)
        if len(data) == 0:
            raise ValueError("no observations left after dropping fixed-effect groups "
                             "with one observation or only zero counts")
        rhs = " + ".join(self.terms) if self.terms else "1"
        Xt = model_matrix(rhs, data, na_action="raise")
        self.model_spec_ = Xt.model_spec
        if fes:
            Xt = Xt.drop(columns=[c for c in Xt.columns if c == "Intercept"])
            absorbed = _absorbed_columns(Xt, data, fes)
            if absorbed:
                raise ValueError(
                    f"term column(s) {absorbed} do not vary within the fixed effects {fes}: "
                    "they are absorbed and cannot be estimated; drop them or the fixed effects"
                )
        self.term_names_ = list(Xt.columns)
        if self.cluster is not None:
            groups = pd.factorize(data[self.cluster])[0]
            G = int(groups.max()) + 1
            if G < self.min_clusters:
                raise ValueError(
                    f"{G} clusters in {self.cluster!r}, fewer than min_clusters={self.min_clusters}: "
                    "cluster-robust errors from so few clusters are biased downwards and "
                    "their tests over-reject (Cameron, Gelbach & Miller 2008); cluster at a "
                    "level with more units or lower min_clusters knowingly"
                )
        else:
            groups, G = None, None
        self.formula_ = f"{self.count} ~ {rhs}" + (f" | {' + '.join(fes)}" if fes else "") + \
            f" + offset(log({self.exposure}))"
        self.backend_ = backend
        # Single-threaded BLAS: these are small dense problems, and on a shared
        # machine threaded SVDs of a 1,000 x 300 matrix run 20x slower.
        with threadpool_limits(limits=1, user_api="blas"):
            if backend == "pyfixest":
                coef, cov, n_obs, alpha = self._fit_pyfixest(data, rhs, fes)
            else:
                coef, cov, n_obs, alpha = self._fit_statsmodels(data, Xt, fes, groups, G)
        self.coef_ = coef
        self.cov_ = cov
        self.n_obs_ = int(n_obs)
        self.n_clusters_ = G
        self.n_dropped_ = int(n_in - len(data))
        self.dispersion_ = float(alpha)
        self.table_ = self._table()
        return self

    def _nested(self, data: pd.DataFrame, fe: str) -> bool:
        if self.cluster is None:
            return False
        return bool((data.groupby(fe, observed=True)[self.cluster].nunique() <= 1).all())

    def _fit_pyfixest(self, data, rhs, fes):
        import pyfixest as pf

        fml = f"{self.count} ~ {rhs}" + (f" | {' + '.join(fes)}" if fes else "")
        vcov = {"CRV1": self.cluster} if self.cluster is not None else "hetero"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = pf.fepois(fml, data=data, vcov=vcov, offset=_OFFSET)
        names = list(fit._coefnames)
        if names != self.term_names_:
            raise ValueError(f"pyfixest estimated {names}, expected {self.term_names_} "
                             "(a term was dropped as collinear)")
        coef = pd.Series(np.asarray(fit._beta_hat, dtype=np.float64), index=names)
        cov = pd.DataFrame(np.asarray(fit._vcov, dtype=np.float64), index=names, columns=names)
        if int(fit._N) != len(data):
            raise ValueError(f"pyfixest used {fit._N} of {len(data)} observations "
                             "(it dropped separated observations)")
        return coef, cov, fit._N, np.nan

    def _fit_statsmodels(self, data, Xt, fes, groups, G):
        import statsmodels.api as sm
        from formulaic import model_matrix

        if fes:
            Xfe = model_matrix(" + ".join(f"C({fe})" for fe in fes), data)
            X = pd.concat([Xfe, Xt], axis=1)
        else:
            X = Xt
        names = list(X.columns)
        y = data[self.count].to_numpy()
        off = data[_OFFSET].to_numpy()
        Xa = np.asarray(X, dtype=np.float64)
        # Sandwich without statsmodels' small-sample correction; fixest's factor below.
        if groups is not None:
            robust = dict(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
        else:
            robust = dict(cov_type="HC0")
        pois_model = sm.GLM(y, Xa, family=sm.families.Poisson(), offset=off)
        if self.family == "poisson":
            rob = pois_model.fit(**robust)
            if not rob.converged:
                raise RuntimeError("Poisson GLM did not converge (IRLS)")
            k_extra = 0
        else:
            alpha, start = _fit_alpha(y, Xa, off, pois_model.fit().params)
            nb_model = sm.GLM(y, Xa, family=sm.families.NegativeBinomial(alpha=alpha), offset=off)
            rob = nb_model.fit(start_params=start, **robust)
            if not rob.converged:
                raise RuntimeError(f"negative binomial GLM (alpha={alpha:.4g}) did not converge")
            k_extra = 1
        res = rob
        V = np.asarray(rob.cov_params())
        n = len(y)
        k = len(self.term_names_) + k_extra
        for fe in fes:
            # fixest's k_fixef="nonnested": an FE nested in the clusters counts as one.
            k += 1 if self._nested(data, fe) else data[fe].nunique()
        if len(fes) > 1:
            k -= len(fes) - 1  # one level of each further FE is redundant with the first
        factor = (n - 1) / (n - k) if groups is not None else n / (n - k)
        if groups is not None:
            factor *= G / (G - 1)
        V = V * factor
        params = np.asarray(res.params)
        idx = [names.index(t) for t in self.term_names_]
        coef = pd.Series(params[idx], index=self.term_names_)
        cov = pd.DataFrame(V[np.ix_(idx, idx)], index=self.term_names_, columns=self.term_names_)
        self.full_names_ = names
        self.full_params_ = params[: len(names)]
        self.full_cov_ = V[: len(names), : len(names)]
        self.full_spec_ = X.model_spec if hasattr(X, "model_spec") else None
        if fes:
            self.fe_spec_ = Xfe.model_spec
        return coef, cov, n, (alpha if self.family == "negbin" else np.nan)

    # -- output -----------------------------------------------------------
    def _quantile(self) -> float:
        if self.n_clusters_ is not None:
            return float(sst.t.ppf(0.5 + self.ci / 2, self.n_clusters_ - 1))
        return float(sst.norm.ppf(0.5 + self.ci / 2))

    def _pvalues(self, z: np.ndarray) -> np.ndarray:
        if self.n_clusters_ is not None:
            return 2 * sst.t.sf(np.abs(z), self.n_clusters_ - 1)
        return 2 * sst.norm.sf(np.abs(z))

    def _table(self) -> pd.DataFrame:
        b = self.coef_.to_numpy()
        se = np.sqrt(np.diag(self.cov_.to_numpy()))
        q = self._quantile()
        with np.errstate(divide="ignore", invalid="ignore"):
            z = b / se
        vcov = f"CRV1 ({self.cluster})" if self.cluster is not None else "HC1"
        return pd.DataFrame({
            "term": self.coef_.index.astype(str),
            "estimate": b,
            "std_error": se,
            "rate_ratio": np.exp(b),
            "rr_low": np.exp(b - q * se),
            "rr_high": np.exp(b + q * se),
            "p_value": self._pvalues(z),
            "n_obs": self.n_obs_,
            "n_clusters": self.n_clusters_ if self.n_clusters_ is not None else pd.NA,
            "family": self.family,
            "backend": self.backend_,
            "formula": self.formula_,
            "vcov": vcov,
            "dispersion": self.dispersion_,
        }, columns=TABLE_COLUMNS)


def rate_model(
    df: pd.DataFrame,
    *,
    count: str,
    exposure: str,
    terms: Sequence[str] = (),
    fixed_effects: str | Sequence[str] | None = None,
    cluster: str | None = None,
    family: str = "poisson",
    backend: str | None = None,
    reference: Mapping[str, object] | None = None,
    min_clusters: int = 10,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Fit a :class:`RateModel` and return its tidy coefficient table.

    Parameters are those of :class:`RateModel`.

    Returns
    -------
    DataFrame
        One row per non-FE term: ``term, estimate`` (log rate ratio),
        ``std_error, rate_ratio, rr_low, rr_high`` (interval at ``ci``),
        ``p_value, n_obs, n_clusters, family, backend, formula, vcov,
        dispersion`` (α of the negative binomial, NaN for Poisson).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"prov": np.repeat([f"p{i}" for i in range(12)], 10),
    ...                    "year": np.tile([2021, 2022], 60), "tokens": 2000})
    >>> df["n"] = rng.poisson(df.tokens / 1000 * np.where(df.year == 2022, 3.0, 1.0))
    >>> t = rate_model(df, count="n", exposure="tokens", terms=["C(year)"],
    ...                cluster="prov", backend="statsmodels")
    >>> t.term.tolist()
    ['Intercept', 'C(year)[T.2022]']
    >>> bool(t.rr_low[1] < 3.0 < t.rr_high[1])
    True
    """
    return RateModel(
        count=count, exposure=exposure, terms=terms, fixed_effects=fixed_effects,
        cluster=cluster, family=family, backend=backend, reference=reference,
        min_clusters=min_clusters, ci=ci,
    ).fit(df).table_


def predicted_rates(
    model: RateModel,
    grid: pd.DataFrame,
    *,
    per: float = 1000.0,
    ci: float | None = None,
) -> pd.DataFrame:
    """Predicted rates with intervals on a grid of covariate values.

    ``rate = per · exp(x'β)``, interval ``per · exp(x'β ± q · sqrt(x'Vx))``
    with the model's covariance *V* and quantile *q* (t with G − 1 df when
    clustered). For a model with fixed effects the grid must name their
    levels too, and the model must have been fitted with
    ``backend="statsmodels"`` (pyfixest does not estimate the covariance of
    absorbed effects).

    Parameters
    ----------
    model : fitted RateModel
    grid : DataFrame
        The variables of the model's terms (e.g. every year × level).
    per : float, default 1000
        Exposure units the rate refers to (rate per 1,000 tokens).
    ci : float, optional
        Default: the model's ``ci``.

    Returns
    -------
    DataFrame
        *grid* with ``log_rate, rate, rate_low, rate_high`` added.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"year": np.tile([2021, 2022], 100), "tokens": 1000})
    >>> df["n"] = rng.poisson(np.where(df.year == 2022, 4.0, 2.0))
    >>> m = RateModel(count="n", exposure="tokens", terms=["C(year)"],
    ...               backend="statsmodels").fit(df)
    >>> p = predicted_rates(m, pd.DataFrame({"year": [2021, 2022]}))
    >>> p.rate.round(0).tolist()
    [2.0, 4.0]
    """
    check_is_fitted(model, "coef_")
    fes = _as_list(model.fixed_effects)
    if not isinstance(grid, pd.DataFrame):
        raise TypeError(f"grid must be a DataFrame, got {type(grid).__name__}")
    g = grid.copy()
    for col, level in (model.reference or {}).items():
        if col in g.columns:
            cats = [level] + [c for c in pd.Categorical(g[col]).categories if c != level]
            g[col] = pd.Categorical(g[col], categories=cats)
    Xt = model.model_spec_.get_model_matrix(g)
    Xt = np.asarray(Xt[model.term_names_], dtype=np.float64)
    if fes:
        if model.backend_ != "statsmodels":
            raise ValueError(
                "predicted_rates with absorbed fixed effects needs backend='statsmodels' "
                "(pyfixest does not estimate the covariance of the fixed effects)"
            )
        missing = [fe for fe in fes if fe not in g.columns]
        if missing:
            raise KeyError(f"grid needs the fixed-effect column(s) {missing}")
        Xfe = np.asarray(model.fe_spec_.get_model_matrix(g), dtype=np.float64)
        X = np.hstack([Xfe, Xt])
        b, V = model.full_params_, model.full_cov_
    else:
        X = Xt
        b, V = model.coef_.to_numpy(), model.cov_.to_numpy()
    eta = X @ b
    se = np.sqrt(np.einsum("ij,jk,ik->i", X, V, X))
    if ci is None:
        q = model._quantile()
    else:
        q = (sst.t.ppf(0.5 + ci / 2, model.n_clusters_ - 1) if model.n_clusters_ is not None
             else sst.norm.ppf(0.5 + ci / 2))
    out = grid.copy()
    out["log_rate"] = eta + np.log(per)
    out["rate"] = per * np.exp(eta)
    out["rate_low"] = per * np.exp(eta - q * se)
    out["rate_high"] = per * np.exp(eta + q * se)
    return out


def marshall_prior(observed, expected) -> tuple[float, float]:
    """Method-of-moments mean and variance of the true relative risks.

    Marshall (1991, "Mapping disease and mortality rates using empirical
    Bayes estimators", J. R. Stat. Soc. C 40(2), 283-294), global estimator:
    with ``r_i = O_i / E_i``, ``m = ΣO / ΣE``,
    ``s² = Σ E_i (r_i − m)² / Σ E_i`` and ``ē = ΣE / n``, the prior variance
    is ``A = s² − m / ē``, truncated at 0 (no variation beyond Poisson).

    Examples
    --------
    >>> m, a = marshall_prior([10, 20, 30], [10.0, 20.0, 30.0])
    >>> m, a
    (1.0, 0.0)
    """
    O = np.asarray(observed, dtype=np.float64)
    E = np.asarray(expected, dtype=np.float64)
    if O.shape != E.shape or O.ndim != 1 or len(O) < 2:
        raise ValueError("observed and expected must be 1-D of the same length >= 2")
    if (E <= 0).any():
        raise ValueError("expected counts must be positive")
    m = O.sum() / E.sum()
    r = O / E
    s2 = float((E * (r - m) ** 2).sum() / E.sum())
    A = max(0.0, s2 - m / E.mean())
    return float(m), float(A)


def shrunken_deviations(
    df: pd.DataFrame,
    *,
    count: str,
    exposure: str,
    group: str | Sequence[str],
    terms: Sequence[str] = (),
    expected: str | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Each group's rate ratio against the model's expectation, raw and shrunken.

    1. Expected counts: the column *expected* when given, otherwise the
       fitted means of a Poisson :class:`RateModel` with *terms* (e.g.
       ``["C(year)", "C(level)"]``) and the exposure; summed per group:
       ``E_i``, beside the observed ``O_i``.
    2. Raw rate ratio ``O_i / E_i`` with the exact Poisson (Garwood) interval.
    3. Empirical-Bayes shrinkage under the Poisson-Gamma model of Clayton &
       Kaldor (1987, "Empirical Bayes estimates of age-standardized relative
       risks for use in disease mapping", Biometrics 43, 671-681): true ratios
       ``θ_i ~ Gamma(ν, β)`` with mean ``m`` and variance ``A`` estimated by
       Marshall's (1991) moments (:func:`marshall_prior`), ``ν = m²/A``,
       ``β = m/A``; the posterior is ``Gamma(ν + O_i, β + E_i)``, its mean
       ``m + C_i (O_i/E_i − m)`` with ``C_i = A / (A + m/E_i)``. A group with a
       small expected count (little exposure) is pulled most towards ``m``.
       Intervals are the posterior's equal-tailed quantiles; they ignore the
       uncertainty in ``m``, ``A`` and the expected counts (a naive EB
       interval, narrower than a full Bayes one). When ``A = 0`` every
       group is shrunk to ``m``.

    Parameters
    ----------
    df : DataFrame
        One row per observation (report) with *count*, *exposure*, *group*.
    count, exposure : str
    group : str or list of str
        The unit whose deviation is asked about (place).
    terms : list of str
        Terms of the model for the expected counts (not used with *expected*).
    expected : str, optional
        Column of expected counts computed elsewhere.
    ci : float, default 0.95

    Returns
    -------
    DataFrame
        ``*group, n_obs, count, exposure, expected, rr_raw, rr_raw_low,
        rr_raw_high, rr_shrunk, rr_shrunk_low, rr_shrunk_high, weight``
        (``C_i``, 1 = no shrinkage), ``prior_mean, prior_var``; sorted by
        ``|log rr_shrunk|``, largest deviation first (ties by group).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"place": list("abcde"), "n": [2, 40, 55, 60, 48],
    ...                    "tokens": [100, 5000, 5000, 5000, 5000]})
    >>> s = shrunken_deviations(df, count="n", exposure="tokens", group="place")
    >>> bool(s.set_index("place").rr_raw["a"] > 1.5 > s.set_index("place").rr_shrunk["a"])
    True
    """
    by = _as_list(group)
    missing = [c for c in [count, exposure, *by, *([expected] if expected else [])]
               if c not in df.columns]
    if missing:
        raise KeyError(f"data has no column(s) {missing}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci}")
    if expected is not None:
        exp_counts = pd.to_numeric(df[expected], errors="raise").to_numpy(dtype=np.float64)
        data = df
    else:
        model = RateModel(count=count, exposure=exposure, terms=terms, backend="statsmodels")
        model.fit(df)
        data = df
        X = model.model_spec_.get_model_matrix(data)
        X = np.asarray(X[model.term_names_], dtype=np.float64)
        exp_counts = np.exp(X @ model.coef_.to_numpy()) * data[exposure].to_numpy(dtype=np.float64)
    work = data[by].copy()
    work["__n"] = 1
    work["__O"] = pd.to_numeric(data[count], errors="raise").to_numpy(dtype=np.float64)
    work["__X"] = pd.to_numeric(data[exposure], errors="raise").to_numpy(dtype=np.float64)
    work["__E"] = exp_counts
    agg = work.groupby(by, sort=True, observed=True, dropna=False)[["__n", "__O", "__X", "__E"]].sum()
    O = agg["__O"].to_numpy()
    E = agg["__E"].to_numpy()
    m, A = marshall_prior(O, E)
    a = (1 - ci) / 2
    raw = O / E
    raw_low = np.where(O > 0, sst.chi2.ppf(a, 2 * O) / 2, 0.0) / E
    raw_high = sst.chi2.ppf(1 - a, 2 * O + 2) / 2 / E
    if A > 0:
        shape, rate = m * m / A + O, m / A + E
        shrunk = shape / rate
        lo = sst.gamma.ppf(a, shape, scale=1 / rate)
        hi = sst.gamma.ppf(1 - a, shape, scale=1 / rate)
        weight = A / (A + m / E)
    else:
        shrunk = lo = hi = np.full(len(O), m)
        weight = np.zeros(len(O))
    out = agg.reset_index()[by]
    out["n_obs"] = agg["__n"].to_numpy().astype(int)
    out["count"] = O.astype(int)
    out["exposure"] = agg["__X"].to_numpy()
    out["expected"] = E
    out["rr_raw"] = raw
    out["rr_raw_low"] = raw_low
    out["rr_raw_high"] = raw_high
    out["rr_shrunk"] = shrunk
    out["rr_shrunk_low"] = lo
    out["rr_shrunk_high"] = hi
    out["weight"] = weight
    out["prior_mean"] = m
    out["prior_var"] = A
    key = np.abs(np.log(out["rr_shrunk"].to_numpy()))
    order = np.lexsort((np.arange(len(out)), -np.round(key, 12)))
    return out.iloc[order].reset_index(drop=True)


__all__ = [
    "RateModel",
    "rate_model",
    "predicted_rates",
    "marshall_prior",
    "shrunken_deviations",
]
